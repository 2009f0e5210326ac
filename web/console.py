"""The Cypher console (analyst and admin): free Cypher, or a query of the library with its
parameters as a form; results as a table or CSV. Every query runs through
``GraphStore.read``, which the database runs read-only (FalkorDB ``GRAPH.RO_QUERY``) with the
configured timeout and row cap."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from graph import querylib
from graph.store import QueryResult, QuerySyntaxError, QueryTimeout, ReadOnlyViolation, StoreError
from web.context import get_context
from web.export import csv_response
from web.security import requires

bp = Blueprint("console", __name__)
log = logging.getLogger("kolgraph.web")

MAX_QUERY_CHARS = 20_000


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


def run_console_query(cypher: str | None, name: str | None,
                      raw: dict[str, str]) -> dict[str, Any]:
    """Run free ``cypher`` (``{}`` parameters) or library query ``name`` with ``raw``
    parameters. Returns ``{"columns", "rows", "truncated"}`` or ``{"error", "kind"}``
    (``read_only``, ``timeout``, ``syntax``, ``parameter``, ``database``)."""
    ctx = get_context()
    limit, timeout_s = ctx.settings.query_row_cap, ctx.settings.query_timeout_s
    try:
        if name:
            result: QueryResult = querylib.run_library_query(ctx.store, name, raw, limit=limit,
                                                             timeout_s=timeout_s)
        else:
            if not cypher or not cypher.strip():
                abort(400, description="parameter cypher: empty query")
            if len(cypher) > MAX_QUERY_CHARS:
                abort(400, description=f"parameter cypher: longer than {MAX_QUERY_CHARS} "
                                       "characters")
            result = ctx.store.read(cypher, {}, timeout_s=timeout_s, limit=limit)
    except ReadOnlyViolation:
        return {"kind": "read_only", "error": "the console is read-only: this query tries to "
                                              "write (CREATE, MERGE, SET, DELETE...) and was "
                                              "refused by the database"}
    except QueryTimeout:
        return {"kind": "timeout", "error": f"the query ran past the {timeout_s:g} s limit and "
                                            "was stopped by the database"}
    except QuerySyntaxError as exc:
        return {"kind": "syntax", "error": f"the database could not run the query: {exc}"}
    except StoreError as exc:
        return {"kind": "database", "error": f"database error: {exc}"}
    except ValueError as exc:  # querylib ParameterError / UnknownQuery name the parameter
        return {"kind": "parameter", "error": str(exc)}
    return {"columns": list(result.columns),
            "rows": [[_cell(row.get(c)) for c in result.columns] for row in result.rows],
            "truncated": bool(result.truncated), "row_cap": limit}


def _library_params(name: str | None) -> dict[str, str]:
    if not name:
        return {}
    # a field left empty means "use the default" (or "missing" when required)
    return {k[6:]: v for k, v in request.form.items() if k.startswith("param.") and v.strip()}


@bp.route("/console", methods=["GET", "POST"])
@requires("analyst")
def console() -> Response | str | tuple[str, int]:
    """GET: the editor and the library. POST ``cypher`` or ``name`` + ``param.<p>`` fields
    (and ``format=csv`` for a download)."""
    queries = library_queries()
    if request.method == "GET":
        return render_template("console.html", queries=queries, cypher="", result=None,
                               selected=request.args.get("name"))
    name = request.form.get("name") or None
    cypher = request.form.get("cypher", "")
    result = run_console_query(None if name else cypher, name, _library_params(name))
    if request.form.get("format") == "csv" and "error" not in result:
        return csv_response(result["columns"], result["rows"], "kolgraph-query.csv")
    status = 400 if "error" in result else 200
    return render_template("console.html", queries=queries, cypher=cypher, result=result,
                           selected=name), status
