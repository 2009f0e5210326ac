"""What an analyst's Cypher may not do, checked before it reaches a database: read files or
the network (``LOAD CSV``, and the APOC procedures that load, import or export), or carry a
NUL character (the database's parser stops at it). The databases refuse file and network
access too (docs/operations.md); this check gives the analyst one clear message instead.

The check reads the query as Cypher tokens: words inside strings, backquoted names and
comments do not count, so ``RETURN 'LOAD CSV'`` runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from graph.errors import InvalidInput

# Strings, backquoted names and comments are skipped whole; everything else yields words.
_TOKEN = re.compile(
    r"""'(?:[^'\\]|\\.)*'?       # single-quoted string (unterminated: to the end)
      | "(?:[^"\\]|\\.)*"?       # double-quoted string
      | `[^`]*`?                 # backquoted name
      | //[^\n]*                 # line comment
      | /\*(?:.|\n)*?(?:\*/|\Z)  # block comment
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)""",
    re.VERBOSE | re.DOTALL,
)
_FORBIDDEN_PROCEDURES = ("apoc.load.", "apoc.import.", "apoc.export.")


def words(query: str) -> Iterator[str]:
    """The words of ``query`` outside strings, backquoted names and comments, upper-cased
    where they are keywords (procedure names keep their dots).

    >>> list(words("MATCH (n) // LOAD CSV\\nRETURN 'LOAD CSV' AS `load`"))
    ['MATCH', 'N', 'RETURN', 'AS']
    """
    for match in _TOKEN.finditer(query):
        if match.group("word"):
            yield match.group("word").upper()


class QueryRefused(InvalidInput):
    """``check_analyst_query`` refused the query: ``reason`` is ``"nul"`` (a NUL character
    in the query or parameter ``param``), ``"load_csv"`` or ``"procedure"`` (``word``: the
    procedure), so each front end can word it in its user's language."""

    def __init__(self, param: str, message: str, *, reason: str, word: str = "") -> None:
        super().__init__(param, message)
        self.reason, self.word = reason, word


def check_analyst_query(query: str, params: Mapping[str, object] | None = None,
                        *, param: str = "cypher") -> None:
    """Raise ``InvalidInput`` (naming ``param``, or the query parameter at fault) when
    ``query`` loads a file or a URL, or when it or a parameter value holds a NUL
    character; return ``None`` when it may run.

    >>> check_analyst_query("MATCH (n) RETURN 'load csv from x' AS s")
    >>> check_analyst_query("load  csv FROM 'https://x' AS r RETURN r")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    graph.query_guard.QueryRefused: cypher: LOAD CSV is not allowed in analyst queries: ...
    """
    if "\0" in query:
        raise QueryRefused(param, "holds a NUL character (\\0), which no query may "
                                  "contain", reason="nul")
    previous = ""
    for word in words(query):
        if previous == "LOAD" and word == "CSV":
            raise QueryRefused(param, "LOAD CSV is not allowed in analyst queries: "
                                      "queries may not read files or reach the network",
                               reason="load_csv")
        if word.lower().startswith(_FORBIDDEN_PROCEDURES):
            raise QueryRefused(param, f"{word.lower()} is not allowed in analyst "
                                      "queries: queries may not read or write files or reach "
                                      "the network", reason="procedure", word=word.lower())
        previous = word
    for name, value in (params or {}).items():
        if _holds_nul(value):
            raise QueryRefused(name, "holds a NUL character (\\0), which no query "
                                     "parameter may contain", reason="nul")


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\0" in value
    if isinstance(value, Mapping):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds_nul(v) for v in value)
    return False
