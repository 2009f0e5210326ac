"""What the Cypher console and the query API run: free Cypher or a query of the library, read
through ``GraphStore.read``, which the database runs read-only (FalkorDB ``GRAPH.RO_QUERY``)
with the configured timeout and row cap, or only planned (``EXPLAIN``). Both the console page
(``web.console``) and the API (``web.api``) show these results; values go through
``graph.query_values.plain`` (one form for both databases), errors are worded in the user's
language."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale

from graph import querylib
from graph.errors import InvalidInput
from graph.query_guard import QueryRefused
from graph.query_values import is_graph, plain
from graph.store import (
    QueryMemoryExceeded,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    StoreError,
)
from graph.store.base import DatabaseUnavailable
from kolgraph.usecases import query as query_usecase
from web.console_render import graph_elements
from web.context import get_context
from web.params import ConsoleQuery
from web.translate import gettext as _

log = logging.getLogger("kolgraph.web")
_LINE_COLUMN = re.compile(r"line:?\s*(\d+),\s*column:?\s*(\d+)", re.IGNORECASE)


def library_queries() -> list[querylib.LibraryQuery]:
    """The library's queries; none when a library file is malformed (the console still runs
    free Cypher, and the error is logged)."""
    try:
        return querylib.list_queries()
    except querylib.LibraryError:
        log.exception("the query library could not be read")
        return []


def language() -> str:
    """The locale of this request, e.g. ``zh_Hans`` or ``en``."""
    return str(get_locale() or "en")


def library_entry(query: querylib.LibraryQuery, dialect: str) -> dict[str, Any]:
    """A library query as the console page shows it, in the user's language: ``name, title,
    description, text`` (for ``dialect``) and ``params`` (``name, type, required, default,
    help``)."""
    lang = language()
    return {"name": query.name, "title": query.title_in(lang),
            "description": query.description_in(lang), "text": query.text(dialect),
            "params": [{"name": p.name, "type": p.type + p.range_text(),
                        "required": p.required, "default": p.default,
                        "help": query.param_help(p.name, lang)} for p in query.params]}


@dataclass(frozen=True)
class Prepared:
    """What runs: a library query as written (``library``), or the Cypher ``text``;
    ``params`` bound; ``name``: the library query it comes from (edited or not)."""

    library: querylib.LibraryQuery | None
    text: str
    params: dict[str, Any]
    name: str | None

    def label(self) -> str:
        """How the result header names it: the library query's title and name, or an
        ad-hoc query (edited from a library query, when it was)."""
        if self.library is not None:
            return f"{self.library.title_in(language())} ({self.library.name})"
        if self.name:
            return _("ad-hoc query (edited from %(name)s)", name=self.name)
        return _("ad-hoc query")


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def prepare(query: ConsoleQuery, dialect: str) -> Prepared:
    """The query to run for ``query``: library query ``name`` when its text is not given or
    unchanged; else the text, with the parameters typed as ``name`` declares them. Raises
    ``UnknownQuery`` and ``ParameterError`` (``graph.querylib``) before anything runs."""
    if not query.name:
        return Prepared(None, query.cypher or "", {}, None)
    library, bound = query_usecase.library_query(query.name, query.params)
    text = library.text(dialect)
    if not query.cypher or _same_text(query.cypher, text):
        return Prepared(library, text, bound, library.name)
    return Prepared(None, query.cypher, bound, library.name)


def error_message(exc: Exception, timeout_s: float) -> tuple[str, str, str | None]:
    """``(kind, message in the user's language, parameter or None)`` for a failure of a
    console query."""
    if isinstance(exc, querylib.ParameterError):
        if exc.problem == "missing":
            return "parameter", _("missing parameter %(name)s", name=exc.name), exc.name
        if exc.problem == "unknown":
            return "parameter", _("%(name)s is not a parameter of this query",
                                  name=exc.name), exc.name
        return "parameter", _("parameter %(name)s: expected %(type)s, got %(value)s",
                              name=exc.name, type=exc.expected, value=repr(exc.given)), exc.name
    if isinstance(exc, querylib.UnknownQuery):
        return "parameter", _("no library query of that name (%(detail)s)",
                              detail=exc.message), "name"
    if isinstance(exc, QueryRefused):
        if exc.reason == "nul":
            return "parameter", _("%(name)s holds a NUL character (\\0), which no query may "
                                  "contain", name=exc.param), exc.param
        if exc.reason == "load_csv":
            return "parameter", _("LOAD CSV is not allowed in analyst queries: queries may "
                                  "not read files or reach the network"), exc.param
        return "parameter", _("%(procedure)s is not allowed in analyst queries: queries may "
                              "not read or write files or reach the network",
                              procedure=exc.word), exc.param
    if isinstance(exc, InvalidInput):
        return "parameter", str(exc), exc.param
    if isinstance(exc, ReadOnlyViolation):
        return "read_only", _("the console is read-only: this query tries to write (CREATE, "
                              "MERGE, SET, DELETE...) and was refused by the database"), None
    if isinstance(exc, QueryTimeout):
        return "timeout", _("the query ran past the %(seconds)s s limit and was stopped by "
                            "the database", seconds=f"{timeout_s:g}"), None
    if isinstance(exc, QueryMemoryExceeded):
        return "memory", _("the query went past the database's memory limit for one query "
                           "and was stopped (the database is still up): narrow it or "
                           "aggregate"), None
    if isinstance(exc, QuerySyntaxError):
        text = str(exc)
        if where := _LINE_COLUMN.search(text):
            lead = _("Cypher syntax error at line %(line)s, column %(column)s",
                     line=where[1], column=where[2])
        else:
            lead = _("Cypher syntax error")
        return "syntax", _("%(lead)s. The database says: %(text)s", lead=lead, text=text), None
    return "database", _("database error: %(text)s", text=str(exc)), None


def _failure(exc: Exception, timeout_s: float, label: str | None) -> dict[str, Any]:
    if isinstance(exc, DatabaseUnavailable):
        raise exc  # the app's 503 page
    kind, message, parameter = error_message(exc, timeout_s)
    out = {"kind": kind, "error": message, "query": label}
    if parameter:
        out["parameter"] = parameter
    return out


_HANDLED = (InvalidInput, StoreError)


def run_console_query(query: ConsoleQuery) -> dict[str, Any]:
    """Run ``query`` (see ``prepare``). Returns ``{"columns", "rows", "truncated",
    "row_cap", "query", "duration_ms", "graph"}`` — rows of plain values, ``query`` the
    header naming what ran, ``graph`` the nodes and edges of the result or ``None`` — or
    ``{"error", "kind", "query"[, "parameter"]}`` (kinds ``read_only``, ``timeout``,
    ``memory``, ``syntax``, ``parameter`` — also a refused ``LOAD CSV`` or a NUL
    character —, ``database``)."""
    ctx = get_context()
    limit, timeout_s = ctx.settings.query_row_cap, ctx.settings.query_timeout_s
    label = None
    try:
        prepared = prepare(query, ctx.store.dialect)
        label = prepared.label()
        started = time.monotonic()
        if prepared.library is not None:
            result: QueryResult = query_usecase.run(
                ctx.store, ctx.settings, query=prepared.library, params=prepared.params,
                limit=limit, timeout_s=timeout_s)
        else:
            result = query_usecase.run(ctx.store, ctx.settings, text=prepared.text,
                                       params=prepared.params, limit=limit,
                                       timeout_s=timeout_s)
        duration_ms = (time.monotonic() - started) * 1000
    except _HANDLED as exc:
        return _failure(exc, timeout_s, label)
    rows = [[plain(row.get(c)) for c in result.columns] for row in result.rows]
    return {"columns": list(result.columns), "rows": rows,
            "truncated": bool(result.truncated), "row_cap": limit, "query": label,
            "duration_ms": round(duration_ms, 1),
            "graph": graph_elements(rows) if is_graph(rows) else None}


def explain_console_query(query: ConsoleQuery) -> dict[str, Any]:
    """The database's plan for ``query`` without running it (FalkorDB ``GRAPH.EXPLAIN``,
    Neo4j ``EXPLAIN``; nothing is written): ``{"plan", "query"}`` or an error as
    ``run_console_query``'s."""
    ctx = get_context()
    label = None
    try:
        prepared = prepare(query, ctx.store.dialect)
        label = prepared.label()
        plan = query_usecase.explain(ctx.store, prepared.text, prepared.params)
    except _HANDLED as exc:
        return _failure(exc, ctx.settings.query_timeout_s, label)
    return {"plan": plan, "query": label}
