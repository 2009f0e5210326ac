"""The production backend: Neo4j 5.x through the official ``neo4j`` driver.

Writes go through ``Driver.execute_query`` (a managed transaction, retried on transient
errors) routed to the leader; reads run in READ access mode sessions (``execute_read``),
which the server itself refuses to let write, routed to readers in a cluster.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import neo4j
from neo4j import READ_ACCESS, GraphDatabase, RoutingControl, unit_of_work
from neo4j.exceptions import Neo4jError, ServiceUnavailable

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
from graph.store.bulk import BulkWriter
from graph.store.schema import schema_statements

if TYPE_CHECKING:
    import pandas as pd

_NO_UPPER_BOUND = 2**62


def _translate(exc: Neo4jError, what: str) -> StoreError:
    code = exc.code or ""
    message = f"{what}: {exc.message or exc}"
    if code.endswith("AccessMode") or "write" in code.lower() and "read" in code.lower():
        return ReadOnlyViolation(f"{message} (refused by the database: the query writes)")
    if "MemoryLimit" in code or "OutOfMemory" in code or "MemoryPool" in code:
        return QueryMemoryExceeded(f"{message} (stopped by the database: the transaction "
                                   "needed more memory than db.memory.transaction.max allows)")
    if "TransactionTimedOut" in code or "Terminated" in code:
        return QueryTimeout(f"{message} (stopped by the database at its time limit)")
    if code.endswith("ConstraintValidationFailed"):
        return ConstraintViolation(message)
    if code.endswith("SyntaxError") or code.endswith("ParameterMissing"):
        return QuerySyntaxError(message)
    return StoreError(f"{message} [{code}]")


class Neo4jStore(GraphStore):
    """A ``GraphStore`` on a Neo4j 5.x server or cluster."""

    dialect = "neo4j"

    def __init__(self, uri: str, username: str, password: str | None,
                 database: str | None = None):
        auth = (username, password) if password is not None else None
        try:
            # No notifications: the server would send one per query for every property key
            # or relationship type not yet in the database and for id() (deprecated, and
            # the stream's anchor), and the driver logs each as a warning on stderr.
            self._driver = GraphDatabase.driver(uri, auth=auth,
                                                notifications_min_severity="OFF")
            self._driver.verify_connectivity()
        except (ServiceUnavailable, neo4j.exceptions.AuthError, ValueError) as exc:
            raise StoreError(f"cannot reach Neo4j at NEO4J_URI={uri}: {exc}") from exc
        self.database = database
        self._bulk = BulkWriter(self)

    @property
    def bulk(self) -> BulkWriter:
        """The portable path: batched ``UNWIND $rows`` queries, every node found by its key
        (Neo4j's internal ids are not handed to a run: no ``node_ids``)."""
        return self._bulk

    def compact(self) -> None:
        """Nothing: Neo4j checkpoints its transaction log and prunes it by itself."""

    def apply_schema(self) -> list[str]:
        statements = schema_statements(self.dialect)
        for statement in statements:
            self.write(statement)
        return statements

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        try:
            records, _, _ = self._driver.execute_query(
                query, clean_value(dict(params or {})), database_=self.database,
                routing_=RoutingControl.WRITE,
            )
        except Neo4jError as exc:
            raise _translate(exc, "write") from exc
        except ServiceUnavailable as exc:
            raise DatabaseUnavailable(f"write: Neo4j is not answering: {exc}") from exc
        return [record.data() for record in records]

    def read(self, query: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None, limit: int | None = None) -> QueryResult:
        """See ``GraphStore.read``. With a ``limit`` (an analyst's query) the server itself
        stops after ``limit + 1`` rows (``capped_query``), in one transaction that is not
        retried (a query over its memory cap fails at once); a query that cannot be wrapped
        so runs as written and its rows stop streaming at the cap. An analyst's (capped)
        read keeps nodes, relationships and paths as the driver's objects, as FalkorDB's
        client returns its own (``graph.query_values.plain`` reads both)."""
        if limit:
            capped = read_capped(query, limit, lambda text: self._read_once(
                text, params, timeout_s, limit + 1)[:2])
            if capped is not None:
                return capped
            return QueryResult(*self._read_once(query, params, timeout_s, limit))

        @unit_of_work(timeout=timeout_s)
        def work(tx: neo4j.ManagedTransaction) -> tuple[list[str], list[Row], bool]:
            return _fetch(tx.run(query, clean_value(dict(params or {}))), None)

        try:
            with self._driver.session(database=self.database,
                                      default_access_mode=READ_ACCESS) as session:
                columns, rows, truncated = session.execute_read(work)
        except Neo4jError as exc:
            raise _translate(exc, "read") from exc
        except ServiceUnavailable as exc:
            raise DatabaseUnavailable(f"read: Neo4j is not answering: {exc}") from exc
        return QueryResult(columns, rows, truncated)

    def _read_once(self, query: str, params: Mapping[str, Any] | None,
                   timeout_s: float | None, cap: int) -> tuple[list[str], list[Row], bool]:
        """Columns, at most ``cap`` rows and whether more were left, of one read
        transaction (no retry), stopped by the server after ``timeout_s``."""
        try:
            with (
                self._driver.session(database=self.database, default_access_mode=READ_ACCESS,
                                     fetch_size=min(cap + 1, 1000)) as session,
                session.begin_transaction(timeout=timeout_s) as tx,
            ):
                return _fetch(tx.run(query, clean_value(dict(params or {}))), cap,
                              graph_objects=True)
        except Neo4jError as exc:
            raise _translate(exc, "read") from exc

    def stream(self, query: str, params: Mapping[str, Any] | None = None, *,
               anchor_label: str, batch_size: int = 50_000) -> Iterator[list[Row]]:
        bound = {**clean_value(dict(params or {})), "lo": 0, "hi": _NO_UPPER_BOUND}
        try:
            with (
                self._driver.session(database=self.database, default_access_mode=READ_ACCESS,
                                     fetch_size=batch_size) as session,
                session.begin_transaction() as tx,
            ):
                batch: list[Row] = []
                for record in tx.run(query, bound):
                    batch.append(record.data())
                    if len(batch) >= batch_size:
                        yield batch
                        batch = []
                if batch:
                    yield batch
        except Neo4jError as exc:
            raise _translate(exc, "stream") from exc
        except ServiceUnavailable as exc:
            raise DatabaseUnavailable(f"stream: Neo4j is not answering: {exc}") from exc

    def read_table(self, match: str, columns: Mapping[str, tuple[str, str]],
                   params: Mapping[str, Any] | None = None, *, anchor_label: str,
                   batch_size: int = 200_000) -> pd.DataFrame:
        """See ``GraphStore.read_table``: one read transaction, the records fetched
        ``batch_size`` at a time and kept as value tuples (no dictionary per row), each
        batch turned into columns at once."""
        from graph.store import columns as cols
        from graph.store.base import _check_identifier

        cols.check_kinds(columns)
        names = [_check_identifier(name) for name in columns]
        kinds = {name: kind for name, (_, kind) in columns.items()}
        query = match + "RETURN " + ", ".join(f"{expr} AS {name}"
                                              for name, (expr, _) in columns.items())
        bound = {**clean_value(dict(params or {})), "lo": 0, "hi": _NO_UPPER_BOUND}
        parts = []
        try:
            with (
                self._driver.session(database=self.database, default_access_mode=READ_ACCESS,
                                     fetch_size=batch_size) as session,
                session.begin_transaction() as tx,
            ):
                result = tx.run(query, bound)
                while batch := result.fetch(batch_size):
                    values = list(zip(*(record.values() for record in batch), strict=True))
                    parts.append(cols.to_frame(kinds, dict(zip(names, values, strict=True))))
        except Neo4jError as exc:
            raise _translate(exc, "read_table") from exc
        except ServiceUnavailable as exc:
            raise DatabaseUnavailable(f"read_table: Neo4j is not answering: {exc}") from exc
        return cols.concat(kinds, parts)

    def explain(self, query: str, params: Mapping[str, Any] | None = None) -> str:
        try:
            with self._driver.session(database=self.database,
                                      default_access_mode=READ_ACCESS) as session:
                summary = session.run("EXPLAIN " + query, clean_value(dict(params or {}))).consume()
        except Neo4jError as exc:
            raise _translate(exc, "explain") from exc
        return _format_plan(summary.plan or {})

    def close(self) -> None:
        self._driver.close()

    def drop_all(self) -> None:
        """Delete every node and relationship (tests and benchmarks only), in
        transactions of 10,000 nodes.

        ``CALL { ... } IN TRANSACTIONS`` commits as it goes, so Neo4j runs it only in an
        implicit (auto-commit) transaction: ``Session.run``, never ``execute_query`` or a
        transaction function, whose one transaction it refuses.
        """
        try:
            with self._driver.session(database=self.database) as session:
                session.run("MATCH (n) CALL (n) { DETACH DELETE n } "
                            "IN TRANSACTIONS OF 10000 ROWS").consume()
        except Neo4jError as exc:
            raise _translate(exc, "drop_all") from exc


def _fetch(result: neo4j.Result, cap: int | None, *,
           graph_objects: bool = False) -> tuple[list[str], list[Row], bool]:
    """The columns, the rows (at most ``cap``) and whether rows were left of ``result``;
    nodes, relationships and paths as the driver's objects when ``graph_objects``, else as
    ``Record.data`` makes them (property maps)."""
    rows: list[Row] = []
    for record in result:
        if cap is not None and len(rows) >= cap:
            return list(result.keys()), rows, True
        rows.append(dict(record.items()) if graph_objects else record.data())
    return list(result.keys()), rows, False


def _format_plan(plan: Mapping[str, Any], depth: int = 0) -> str:
    line = "    " * depth + str(plan.get("operatorType", "?"))
    args = plan.get("args") or {}
    if args.get("Details"):
        line += f" | {args['Details']}"
    children = [_format_plan(child, depth + 1) for child in plan.get("children", [])]
    return "\n".join([line, *children])
