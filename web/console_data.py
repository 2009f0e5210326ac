"""What the Cypher console and the query API run: free Cypher or a query of the library, read
through ``GraphStore.read``, which the database runs read-only (FalkorDB ``GRAPH.RO_QUERY``)
with the configured timeout and row cap. Both the console page (``web.console``) and the API
(``web.api``) show these results."""

from __future__ import annotations

import logging
from typing import Any

from graph import querylib
from graph.store import (
    QueryMemoryExceeded,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    StoreError,
)
from kolgraph.usecases import query as query_usecase
from web.context import get_context
from web.params import ConsoleQuery

log = logging.getLogger("kolgraph.web")


def library_queries() -> list[querylib.LibraryQuery]:
    """The library's queries; none when a library file is malformed (the console still runs
    free Cypher, and the error is logged)."""
    try:
        return querylib.list_queries()
    except querylib.LibraryError:
        log.exception("the query library could not be read")
        return []


def _cell(value: Any) -> Any:
    """A value a table cell or JSON can show (nodes and relationships as their properties)."""
    if hasattr(value, "properties") and isinstance(getattr(value, "properties", None), dict):
        return {k: _cell(v) for k, v in value.properties.items() if k != "embedding"}
    if isinstance(value, dict):
        return {str(k): _cell(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cell(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def run_console_query(query: ConsoleQuery) -> dict[str, Any]:
    """Run library query ``query.name`` with its raw parameters, or else the free Cypher
    (checked by ``web.params``). Returns ``{"columns", "rows", "truncated", "row_cap"}`` or
    ``{"error", "kind"}`` (``read_only``, ``timeout``, ``memory``, ``syntax``, ``parameter``
    — also a refused ``LOAD CSV`` or a NUL character —, ``database``)."""
    ctx = get_context()
    limit, timeout_s = ctx.settings.query_row_cap, ctx.settings.query_timeout_s
    try:
        if query.name:
            library, bound = query_usecase.library_query(query.name, query.params)
            result: QueryResult = query_usecase.run(ctx.store, ctx.settings, query=library,
                                                    params=bound, limit=limit,
                                                    timeout_s=timeout_s)
        else:
            result = query_usecase.run(ctx.store, ctx.settings, text=query.cypher or "",
                                       limit=limit, timeout_s=timeout_s)
    except ReadOnlyViolation:
        return {"kind": "read_only", "error": "the console is read-only: this query tries to "
                                              "write (CREATE, MERGE, SET, DELETE...) and was "
                                              "refused by the database"}
    except QueryTimeout:
        return {"kind": "timeout", "error": f"the query ran past the {timeout_s:g} s limit and "
                                            "was stopped by the database"}
    except QueryMemoryExceeded:
        return {"kind": "memory", "error": "the query went past the database's memory limit "
                                           "for one query and was stopped (the database is "
                                           "still up): narrow it or aggregate"}
    except QuerySyntaxError as exc:
        return {"kind": "syntax", "error": f"the database could not run the query: {exc}"}
    except StoreError as exc:
        return {"kind": "database", "error": f"database error: {exc}"}
    except ValueError as exc:  # querylib ParameterError / UnknownQuery name the parameter
        return {"kind": "parameter", "error": str(exc)}
    return {"columns": list(result.columns),
            "rows": [[_cell(row.get(c)) for c in result.columns] for row in result.rows],
            "truncated": bool(result.truncated), "row_cap": limit}
