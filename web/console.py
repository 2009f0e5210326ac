"""The Cypher console (analyst and admin): free Cypher, or a query of the library with its
parameters as a form; results as a table or CSV (``web.console_data`` runs them)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from web import params
from web.console_data import library_queries, run_console_query
from web.export import csv_response
from web.security import requires

bp = Blueprint("console", __name__)


@bp.route("/console", methods=["GET", "POST"])
@requires("analyst")
def console() -> Response | str | tuple[str, int]:
    """GET: the editor and the library. POST ``cypher`` or ``name`` + ``param.<p>`` fields
    (and ``format=csv`` for a download)."""
    queries = library_queries()
    if request.method == "GET":
        return render_template("console.html", queries=queries, cypher="", result=None,
                               selected=request.args.get("name"))
    query = params.console_form()
    result = run_console_query(query)
    if query.csv and "error" not in result:
        return csv_response(result["columns"], result["rows"], "kolgraph-query.csv")
    status = 400 if "error" in result else 200
    return render_template("console.html", queries=queries, cypher=query.cypher or "",
                           result=result, selected=query.name), status
