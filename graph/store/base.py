"""The one narrow interface that every graph database backend implements.

Everything outside ``graph/store`` talks to a database only through a ``GraphStore``;
queries are always parameterized (never a value pasted into the query text).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from graph.store.bulk import BulkWriter

from graph.errors import KolgraphError

Row = dict[str, Any]
Progress = Callable[[int], None]

DEFAULT_BATCH_SIZE = 5_000


class StoreError(KolgraphError, RuntimeError):
    """A database call failed; the message says which call and why."""


class DatabaseUnavailable(StoreError):
    """The database does not answer: it is down, restarting or still loading its data."""


class ReadOnlyViolation(StoreError):
    """A read-only call tried to write; refused by the database itself."""


class QueryTimeout(StoreError):
    """A query ran past its time limit and was stopped by the database."""


class QueryMemoryExceeded(StoreError):
    """A query needed more memory than the database allows one query (or transaction);
    the database stopped it and stays up."""


class QuerySyntaxError(StoreError):
    """The database could not parse or plan the query."""


class ConstraintViolation(StoreError):
    """A write broke a unique key."""


class ParameterValueError(StoreError, ValueError):
    """A query parameter holds a value that no backend can carry (an integer outside the
    signed 64-bit range, a text with a NUL character or a lone surrogate); refused before
    anything is sent."""


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
#: What a text parameter may not hold: NUL (FalkorDB's strings end there), U+0001
#: (FalkorDB's string indexes split a text there: lookups miss it, and a unique key holding
#: one crashes the server) and lone UTF-16 surrogates (not Unicode: no UTF-8 for them).
UNSAFE_TEXT = re.compile("[\x00\x01\ud800-\udfff]")
_UNSAFE_NAMES = {"\x00": "a NUL character", "\x01": "a U+0001 control character"}


def check_text(value: str) -> str:
    """``value`` when every backend can store it exactly; else ``ParameterValueError``
    saying what it holds and where.

    >>> check_text("ok")
    'ok'
    >>> check_text("a" + chr(0))  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ParameterValueError: a text holds a NUL character at position 1
    """
    found = UNSAFE_TEXT.search(value)
    if found is not None:
        what = _UNSAFE_NAMES.get(found.group(), "a lone surrogate")
        raise ParameterValueError(f"a text holds {what} at position {found.start()}, "
                                  "which a database cannot store or index")
    return value


@dataclass(frozen=True)
class QueryResult:
    """Rows of a read, as dictionaries keyed by column name.

    ``truncated`` is true when the row cap cut the result short.
    """

    columns: list[str]
    rows: list[Row]
    truncated: bool = False


def capped_query(query: str, limit: int) -> str:
    """``query`` wrapped so that the database itself stops after ``limit + 1`` rows (one
    more than the cap tells that the cap was hit), whatever the query builds.

    The columns come back in alphabetical order (``RETURN *``): ``column_order`` restores
    the query's own order.

    >>> print(capped_query("MATCH (n) RETURN n // all;", 10))
    CALL {
    MATCH (n) RETURN n // all
    }
    RETURN * LIMIT 11
    """
    text = query.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return f"CALL {{\n{text}\n}}\nRETURN * LIMIT {int(limit) + 1}"


def read_capped(query: str, limit: int,
                run: Callable[[str], tuple[list[str], list[Row]]]) -> QueryResult | None:
    """The first ``limit`` rows of ``query`` run as ``capped_query`` by ``run`` (which
    returns columns and rows), flagged truncated when the database found more; ``None``
    when the wrapped query fails for another reason than a limit or a write (a procedure
    call without ``YIELD`` cannot be wrapped): the caller then runs ``query`` as written,
    for its rows or its own error."""
    try:
        columns, rows = run(capped_query(query, limit))
    except (QueryTimeout, QueryMemoryExceeded, ReadOnlyViolation):
        raise
    except StoreError:
        return None
    return QueryResult(column_order(query, columns), rows[:limit], len(rows) > limit)


def column_order(query: str, columns: Sequence[str]) -> list[str]:
    """``columns`` in the order the query's last ``RETURN`` names them: by where each name
    (an alias or the expression itself) first appears after that ``RETURN``, so
    ``RETURN b AS z, a ORDER BY a`` gives ``z, a``; a name not found there goes first.

    >>> column_order("MATCH (p) RETURN p.name AS name, count(*) AS n ORDER BY n, name",
    ...              ["n", "name"])
    ['name', 'n']
    """
    returns = list(re.finditer(r"\bRETURN\b", query, re.IGNORECASE))
    start = returns[-1].end() if returns else 0

    def position(column: str) -> int:
        found = re.compile(rf"(?<![\w.$]){re.escape(column)}(?!\w)").search(query, start)
        return found.start() if found else -1

    return sorted(columns, key=position)


@dataclass(frozen=True)
class NodeRef:
    """How a relationship endpoint is found: ``(:label {key: row[field]})``."""

    label: str
    key: str
    field: str


def clean_value(value: Any) -> Any:
    """Turn a Python/NumPy value into a query parameter every backend can carry.

    NaN and infinities become null, NumPy scalars become Python scalars, dates become ISO
    strings, and map keys become strings. An integer outside the signed 64-bit range raises
    ``ParameterValueError`` (Neo4j's driver refuses it; FalkorDB would silently clamp it), as
    does a text holding a NUL or a lone surrogate (``check_text``).

    >>> clean_value({"a": float("nan"), "b": [1, 2.5]})
    {'a': None, 'b': [1, 2.5]}
    >>> clean_value([2**64])  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ParameterValueError: integer 18446744073709551616 is outside the signed 64-bit range
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return check_text(value)
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise ParameterValueError(f"integer {value} is outside the signed 64-bit range "
                                      "(-2**63 .. 2**63-1) that both databases store")
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Mapping):
        return {check_text(str(k)): clean_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_value(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "item"):  # NumPy scalar
        return clean_value(value.item())
    if hasattr(value, "tolist"):  # NumPy array
        return clean_value(value.tolist())
    return str(value)


def batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Split ``rows`` into lists of at most ``size``.

    >>> [len(b) for b in batched(({'i': i} for i in range(5)), 2)]
    [2, 2, 1]
    """
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _check_identifier(name: str) -> str:
    # Labels, types and property names cannot be parameters in Cypher, so they are
    # checked against a strict pattern instead of being pasted in as given.
    if not name or not (name[0].isalpha() or name[0] == "_") or not all(
        c.isalnum() or c == "_" for c in name
    ):
        raise ValueError(f"not a valid Cypher identifier: {name!r}")
    return name


class GraphStore(ABC):
    """A graph database: schema, batched upserts, read-only queries, streaming export."""

    #: ``"falkordb"`` or ``"neo4j"``: which dialect of Cypher this store speaks.
    dialect: str

    # ----------------------------------------------------------------- primitives
    @abstractmethod
    def apply_schema(self) -> list[str]:
        """Create the unique keys and indexes of ``cypher/schema/<dialect>.cypher``.

        Idempotent. Returns the statements that were applied.
        """

    @abstractmethod
    def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run one parameterized write query in one transaction; return its rows."""

    @abstractmethod
    def read(
        self,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
        limit: int | None = None,
    ) -> QueryResult:
        """Run a query that the database itself refuses to let write.

        ``timeout_s`` stops it on the server (``QueryTimeout``); ``limit`` caps the rows
        returned (``None`` or 0: no cap) and sets ``truncated``. A write raises
        ``ReadOnlyViolation``.
        """

    @abstractmethod
    def stream(
        self,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        anchor_label: str,
        batch_size: int = 50_000,
    ) -> Iterator[list[Row]]:
        """Export a large read in batches of rows.

        ``query`` must bound the internal id of one node of ``anchor_label`` with the
        parameters ``$lo`` (inclusive) and ``$hi`` (exclusive), e.g.
        ``MATCH (a:Account) WHERE id(a) >= $lo AND id(a) < $hi ...``. Each anchor id range
        is fetched separately, so memory stays bounded whatever the result size.
        """

    @abstractmethod
    def explain(self, query: str, params: Mapping[str, Any] | None = None) -> str:
        """The database's execution plan for ``query``, as text."""

    @abstractmethod
    def close(self) -> None:
        """Release connections (the embedded server keeps running)."""

    @abstractmethod
    def drop_all(self) -> None:
        """Delete every node and relationship (tests and benchmarks only); the schema may
        go with them (``apply_schema`` again)."""

    # ------------------------------------------------------------- capabilities
    @property
    @abstractmethod
    def bulk(self) -> BulkWriter:
        """The store's large writes (``graph.store.bulk``): what the ingest writes through,
        the backend's fast path where it has one."""

    @abstractmethod
    def compact(self) -> None:
        """Maintenance after a large write, where the database needs it: shrink what a
        restart must replay (the embedded server rewrites its append-only log as one
        snapshot, in the background); nothing where the database does it by itself.
        Returns at once."""

    # ------------------------------------------------------------ built on top
    def write_batches(
        self,
        query: str,
        rows: Iterable[Row],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        params: Mapping[str, Any] | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Run ``query`` once per batch with the batch bound to ``$rows``; return rows sent.

        Each batch is one transaction: it is applied whole or not at all.
        """
        sent = 0
        for batch in batched(rows, batch_size):
            self.write(query, {**(params or {}), "rows": batch})
            sent += len(batch)
            if progress:
                progress(len(batch))
        return sent

    def upsert_nodes(
        self,
        label: str,
        key: str,
        rows: Iterable[Row],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> int:
        """MERGE ``(:label {key: row[key]})`` and SET every other field of each row."""
        label, key = _check_identifier(label), _check_identifier(key)
        query = f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.{key}}}) SET n += row"
        return self.write_batches(query, rows, batch_size=batch_size, progress=progress)

    def upsert_relationships(
        self,
        rel_type: str,
        src: NodeRef,
        dst: NodeRef,
        rows: Iterable[Row],
        *,
        props: Sequence[str] = (),
        merge_on: Sequence[str] = (),
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> int:
        """MERGE ``(src)-[:rel_type {merge_on...}]->(dst)`` and SET ``props`` from each row.

        Both endpoints must already exist; rows whose endpoints are missing are skipped by
        the MATCH.
        """
        rel_type = _check_identifier(rel_type)
        key_map = ", ".join(f"{_check_identifier(p)}: row.{p}" for p in merge_on)
        sets = ", ".join(f"r.{_check_identifier(p)} = row.{p}" for p in props)
        query = (
            "UNWIND $rows AS row "
            f"MATCH (a:{_check_identifier(src.label)} "
            f"{{{_check_identifier(src.key)}: row.{_check_identifier(src.field)}}}) "
            f"MATCH (b:{_check_identifier(dst.label)} "
            f"{{{_check_identifier(dst.key)}: row.{_check_identifier(dst.field)}}}) "
            f"MERGE (a)-[r:{rel_type}{' {' + key_map + '}' if key_map else ''}]->(b)"
            + (f" SET {sets}" if sets else "")
        )
        return self.write_batches(query, rows, batch_size=batch_size, progress=progress)

    def read_table(
        self,
        match: str,
        columns: Mapping[str, tuple[str, str]],
        params: Mapping[str, Any] | None = None,
        *,
        anchor_label: str,
        batch_size: int = 200_000,
    ) -> pd.DataFrame:
        """A large read as one DataFrame, column by column (``graph.store.columns``).

        ``match`` is a query without its ``RETURN`` that bounds the internal id of one node
        of ``anchor_label`` with ``$lo`` / ``$hi`` (as ``stream``'s); ``columns`` maps each
        column name to ``(Cypher expression, kind)``, kind one of ``int`` (never null),
        ``number`` (``float64``, NaN for null) and ``text`` (strings, null missing). Rows come
        in the order of the anchor's id windows. This portable version streams rows; a
        backend with a columnar path overrides it.
        """
        from graph.store import columns as cols

        cols.check_kinds(columns)
        names = [_check_identifier(name) for name in columns]
        query = match + "RETURN " + ", ".join(f"{expr} AS {name}"
                                              for name, (expr, _) in columns.items())
        kinds = {name: kind for name, (_, kind) in columns.items()}
        parts = []
        for rows in self.stream(query, params, anchor_label=anchor_label,
                                batch_size=batch_size):
            parts.append(cols.to_frame(kinds, {n: [r[n] for r in rows] for n in names}))
        return cols.concat(kinds, parts)

    def scalar(self, query: str, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row of a read, or ``None``."""
        result = self.read(query, params)
        if not result.rows:
            return None
        return next(iter(result.rows[0].values()))

    def node_counts(self) -> dict[str, int]:
        """Number of nodes per label of the design's schema (0 when absent)."""
        from graph.store.schema import NODE_LABELS

        return {
            label: int(self.scalar(f"MATCH (n:{label}) RETURN count(n) AS n") or 0)
            for label in NODE_LABELS
        }

    def relationship_counts(self) -> dict[str, int]:
        """Number of relationships per type of the design's schema (0 when absent)."""
        from graph.store.schema import RELATIONSHIP_TYPES

        return {
            rel: int(self.scalar(f"MATCH ()-[r:{rel}]->() RETURN count(r) AS n") or 0)
            for rel in RELATIONSHIP_TYPES
        }

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
