"""The embedded backend: FalkorDB over a unix socket, through the ``falkordb`` client.

Read-only calls go through ``GRAPH.RO_QUERY``, which the server refuses to run when the
query writes; timeouts are passed to the server, which aborts the query.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
from falkordb import FalkorDB
from falkordb.query_result import QueryResult as FalkorDBResult

from graph.store import embedded
from graph.store.base import (
    ConstraintViolation,
    DatabaseUnavailable,
    GraphStore,
    QueryMemoryExceeded,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    Row,
    StoreError,
    clean_value,
    read_capped,
)
from graph.store.cypher_literal import params_header
from graph.store.falkordb_bulk import EdgeTokens
from graph.store.falkordb_writer import FalkorDBBulkWriter
from graph.store.faults import DiskFull, is_disk_full_reply
from graph.store.schema import schema_statements

if TYPE_CHECKING:
    import pandas as pd

#: Separates the values of a column that ``read_table`` reads as one string.
_TABLE_SEPARATOR = "\x1f"
#: Windows that ``read_table`` reads at once.
_TABLE_READERS = 2
#: The row count that ``read_table`` reads beside the joined columns.
_TABLE_COUNT = "read_table_rows"


def _translate(exc: redis.exceptions.ResponseError, what: str,
               data_dir: Path | None = None) -> StoreError:
    """The ``StoreError`` subclass that a database reply to a ``what`` (read, write)
    means; ``data_dir`` is the folder named when the server cannot write its files."""
    message = str(exc)
    lowered = message.lower()
    if data_dir is not None and is_disk_full_reply(message):
        return DiskFull(data_dir)
    if "read-only" in lowered or "ro_query" in lowered:
        return ReadOnlyViolation(f"{what}: refused by the database: the query writes ({message})")
    if "mem consumption exceeded" in lowered:
        return QueryMemoryExceeded(f"{what}: stopped by the database: the query needed more "
                                   "memory than one query may use (QUERY_MEM_CAPACITY, "
                                   f"KOLGRAPH_DB_QUERY_MEMORY_MB) ({message})")
    if "timed out" in lowered or "timeout" in lowered:
        return QueryTimeout(f"{what}: stopped by the database at its time limit ({message})")
    if "unique constraint" in lowered or "constraint violation" in lowered:
        return ConstraintViolation(f"{what}: {message}")
    if any(w in lowered for w in ("syntax", "invalid input", "unknown function", "not defined")):
        return QuerySyntaxError(f"{what}: {message}")
    return StoreError(f"{what}: {message}")


class FalkorDBStore(GraphStore):
    """A ``GraphStore`` on the embedded FalkorDB server of one ``KOLGRAPH_HOME``."""

    dialect = "falkordb"

    def __init__(self, data_dir: Path, graph_name: str = "kolgraph", *, start: bool = True):
        socket = embedded.ensure_running(data_dir) if start else data_dir / embedded.SOCKET_NAME
        self.data_dir = data_dir
        self._db = FalkorDB(unix_socket_path=str(socket))
        self._graph = self._db.select_graph(graph_name)
        self.graph_name = graph_name
        self._bulk = FalkorDBBulkWriter(self)
        try:
            if start and not self._db.connection.exists(graph_name):
                self._graph.query("RETURN 1")  # creates the empty graph so reads can run
        except redis.exceptions.ResponseError as exc:
            raise _translate(exc, f"opening graph {graph_name}", data_dir) from exc
        except redis.exceptions.ConnectionError as exc:
            raise StoreError(f"embedded database unreachable at {data_dir}: {exc}") from exc

    # ------------------------------------------------------------------ helpers
    def _call(self, query: str, params: Mapping[str, Any] | None, *, read_only: bool,
              timeout_ms: int | None = None) -> Any:
        query = params_header(params) + query  # fast path of the client's own header
        try:
            if read_only:
                return self._graph.ro_query(query, None, timeout=timeout_ms)
            return self._graph.query(query, None, timeout=timeout_ms)
        except redis.exceptions.ResponseError as exc:
            raise _translate(exc, "read" if read_only else "write", self.data_dir) from exc
        except redis.exceptions.ConnectionError as exc:
            raise DatabaseUnavailable(f"embedded database unreachable at {self.data_dir}: "
                                      f"{exc}") from exc

    @staticmethod
    def _rows(result: Any) -> tuple[list[str], list[Row]]:
        columns = [h[1] if isinstance(h, (list, tuple)) else h for h in result.header]
        columns = [c.decode() if isinstance(c, bytes) else str(c) for c in columns]
        return columns, [dict(zip(columns, values, strict=True)) for values in result.result_set]

    # --------------------------------------------------------------- interface
    def apply_schema(self) -> list[str]:
        applied = []
        for statement in schema_statements(self.dialect):
            try:
                if statement.startswith("GRAPH.CONSTRAINT"):
                    words = statement.split()
                    self._db.connection.execute_command(
                        "GRAPH.CONSTRAINT", words[1], self.graph_name, *words[2:]
                    )
                else:
                    self._graph.query(statement)
            except redis.exceptions.ResponseError as exc:
                text = str(exc).lower()
                if is_disk_full_reply(text):
                    raise DiskFull(self.data_dir) from exc
                if "already" in text or "exists" in text:
                    continue
                raise StoreError(f"schema statement failed: {statement}: {exc}") from exc
            applied.append(statement)
        return applied

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        result = self._call(query, params, read_only=False)
        return self._rows(result)[1] if result.header else []

    @property
    def bulk(self) -> FalkorDBBulkWriter:
        return self._bulk

    def write_with_edges(self, edges: EdgeTokens, query: str,
                         params: Mapping[str, Any] | None = None) -> list[Row]:
        """Create the relationships of ``edges`` (``GRAPH.BULK``) and run the write
        ``query`` in one ``MULTI``/``EXEC`` transaction: the server runs both or, when the
        client goes away before ``EXEC``, neither; no other command runs in between.
        Returns the query's rows.

        Raises ``StoreError`` when either fails. Redis transactions do not roll back: the
        message says that the other command of the transaction ran."""
        commands = self._db.connection.pipeline(transaction=True)
        if edges.count:
            commands.execute_command("GRAPH.BULK", self.graph_name, 0, edges.count, 0,
                                     len(edges.tokens), *edges.tokens)
        commands.execute_command("GRAPH.QUERY", self.graph_name,
                                 params_header(params) + query, "--compact")
        try:
            results = commands.execute(raise_on_error=False)
        except redis.exceptions.ResponseError as exc:
            raise _translate(exc, "write", self.data_dir) from exc
        except redis.exceptions.ConnectionError as exc:
            raise DatabaseUnavailable(f"embedded database unreachable at {self.data_dir}: "
                                      f"{exc}") from exc
        for reply in results:
            if isinstance(reply, redis.exceptions.ResponseError) and is_disk_full_reply(
                    str(reply)):
                raise DiskFull(self.data_dir) from reply
        if edges.count and isinstance(results[0], Exception):
            raise StoreError(f"bulk write of {edges.count} relationships failed: {results[0]} "
                             "(the query of the same transaction ran all the same)")
        if isinstance(results[-1], redis.exceptions.ResponseError):
            failed = _translate(results[-1], "write")
            if edges.count:
                raise StoreError(f"{failed} (after {edges.count} relationships were created "
                                 "in the same transaction)")
            raise failed
        result = FalkorDBResult(self._graph, results[-1])
        return self._rows(result)[1] if result.header else []

    def bulk_insert(self, nodes: Sequence[bytes] = (), node_count: int = 0,
                    edges: EdgeTokens | None = None) -> None:
        """Create ``node_count`` nodes from the node ``tokens`` and the relationships of
        ``edges`` with one ``GRAPH.BULK`` command (see ``falkordb_bulk``). The server
        checks no unique constraint here: the caller creates only keys it knows are
        absent. Raises ``StoreError`` when the command fails."""
        edge_tokens, edge_count = (edges.tokens, edges.count) if edges is not None else ([], 0)
        if not node_count and not edge_count:
            return
        try:
            self._db.connection.execute_command(
                "GRAPH.BULK", self.graph_name, node_count, edge_count, len(nodes),
                len(edge_tokens), *nodes, *edge_tokens)
        except redis.exceptions.ResponseError as exc:
            if is_disk_full_reply(str(exc)):
                raise DiskFull(self.data_dir) from exc
            raise StoreError(f"bulk write of {node_count} nodes and {edge_count} "
                             f"relationships failed: {exc}") from exc
        except redis.exceptions.ConnectionError as exc:
            raise DatabaseUnavailable(f"embedded database unreachable at {self.data_dir}: "
                                      f"{exc}") from exc

    def compact(self) -> None:
        """Start rewriting the server's append-only file as one snapshot, in the background
        (``BGREWRITEAOF``), so that a restart loads the graph instead of replaying every
        write since the last rewrite; a rewrite already under way is left to finish."""
        try:
            self._db.connection.execute_command("BGREWRITEAOF")
        except redis.exceptions.ResponseError as exc:
            if "in progress" not in str(exc).lower():
                raise StoreError(f"append-only file rewrite refused: {exc}") from exc

    def read(self, query: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None, limit: int | None = None) -> QueryResult:
        """See ``GraphStore.read``. With a ``limit`` the server itself stops after
        ``limit + 1`` rows (``capped_query``); a query that cannot be wrapped so (a procedure
        call without ``YIELD``) runs as written and is cut here."""
        timeout_ms = max(1, int(timeout_s * 1000)) if timeout_s else None

        def run(text: str) -> tuple[list[str], list[Row]]:
            result = self._call(text, params, read_only=True, timeout_ms=timeout_ms)
            return self._rows(result) if result.header else ([], [])

        if limit and (capped := read_capped(query, limit, run)) is not None:
            return capped
        columns, rows = run(query)
        truncated = limit is not None and 0 < limit < len(rows)
        return QueryResult(columns, rows[:limit] if truncated else rows, truncated)

    def stream(self, query: str, params: Mapping[str, Any] | None = None, *,
               anchor_label: str, batch_size: int = 50_000) -> Iterator[list[Row]]:
        from graph.store.base import _check_identifier

        label = _check_identifier(anchor_label)
        top = self.scalar(f"MATCH (n:{label}) RETURN max(id(n)) AS top")
        if top is None:
            return
        for lo in range(0, int(top) + 1, batch_size):
            rows = self.read(query, {**(params or {}), "lo": lo, "hi": lo + batch_size}).rows
            if rows:
                yield rows

    def read_table(self, match: str, columns: Mapping[str, tuple[str, str]],
                   params: Mapping[str, Any] | None = None, *, anchor_label: str,
                   batch_size: int = 200_000) -> pd.DataFrame:
        """See ``GraphStore.read_table``. Each window of ids comes back as one string per
        column (the values rendered as text and joined by the server), which Arrow splits
        and converts: the client parses a few strings instead of a value at a time. A
        window where a text value holds the separator is read again row by row."""
        from graph.store import columns as cols
        from graph.store.base import _check_identifier

        cols.check_kinds(columns)
        label = _check_identifier(anchor_label)
        names = [_check_identifier(name) for name in columns]
        kinds = {name: kind for name, (_, kind) in columns.items()}
        if _TABLE_COUNT in columns:
            raise ValueError(f"column name {_TABLE_COUNT!r} is reserved")
        joined = match + f"RETURN count(*) AS {_TABLE_COUNT}, " + ", ".join(
            f"string.join(collect({cols.rendered(expr, kind)}), $sep) AS {name}"
            for name, (expr, kind) in columns.items())
        top = self.scalar(f"MATCH (n:{label}) RETURN max(id(n)) AS top")

        def window(lo: int) -> pd.DataFrame | None:
            bounds = {**(params or {}), "lo": lo, "hi": lo + batch_size}
            row = self.read(joined, {**bounds, "sep": _TABLE_SEPARATOR}).rows[0]
            count = int(row[_TABLE_COUNT])
            if not count:
                return None
            values = {name: cols.parse_joined(kinds[name], row[name] or "", _TABLE_SEPARATOR,
                                              count) for name in names}
            if any(v is None for v in values.values()):
                rows = self.read(match + "RETURN " + ", ".join(
                    f"{expr} AS {name}" for name, (expr, _) in columns.items()), bounds).rows
                return cols.to_frame(kinds, {n: [r[n] for r in rows] for n in names})
            return cols.to_frame(kinds, values)

        # two windows at a time: the server runs read queries on several threads, and the
        # client splits one reply while it waits for the next
        starts = range(0, -1 if top is None else int(top) + 1, batch_size)
        with ThreadPoolExecutor(max_workers=_TABLE_READERS,
                                thread_name_prefix="read-table") as pool:
            parts = [part for part in pool.map(window, starts) if part is not None]
        return cols.concat(kinds, parts)

    def explain(self, query: str, params: Mapping[str, Any] | None = None) -> str:
        try:
            plan = self._graph.explain(query, clean_value(dict(params)) if params else None)
        except redis.exceptions.ResponseError as exc:
            raise _translate(exc, "explain", self.data_dir) from exc
        return str(plan)

    def close(self) -> None:
        self._db.connection.close()

    # ------------------------------------------------------ backend specifics
    def drop_all(self) -> None:
        """Delete the whole graph, its schema with it (tests and benchmarks only)."""
        try:
            self._graph.delete()
        except redis.exceptions.ResponseError as exc:
            if "empty key" not in str(exc).lower() and "invalid graph" not in str(exc).lower():
                raise StoreError(f"could not delete graph {self.graph_name}: {exc}") from exc
