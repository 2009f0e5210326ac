"""The Cypher console (analyst and admin): free Cypher, or a query of the library loaded into
the editor with its parameters as a form; results as a table (nodes, relationships and paths
as chips, with a graph view) or CSV; the database's plan (``EXPLAIN``); the user's last
queries (``web.console_history``). ``web.console_data`` runs the queries."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from flask import Blueprint, Response, abort, render_template, request

from graph.query_values import is_graph
from web import console_history, params
from web import console_render as render
from web.console_data import (
    explain_console_query,
    library_entry,
    library_queries,
    run_console_query,
)
from web.context import get_context
from web.export import csv_response
from web.security import current_user, requires
from web.translate import gettext as _
from web.translate import locale_name

bp = Blueprint("console", __name__)


@bp.app_template_filter("cypher_text")
def _cypher_text(value: Any, limit: int | None = None) -> str:
    return render.cypher_text(value, limit)


@bp.app_template_filter("value_kind")
def _value_kind(value: Any) -> str:
    return render.kind(value)


@bp.app_template_filter("has_graph")
def _has_graph(value: Any) -> bool:
    return is_graph(value)


@bp.app_template_filter("console_num")
def _console_num(value: Any) -> str:
    """A number of a result: integers grouped, other numbers with up to 6 decimals, in the
    locale's style."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    pattern = "#,##0" if isinstance(value, int) else "#,##0.######"
    return format_decimal(value, format=pattern, locale=locale_name())


@bp.app_template_filter("path_steps")
def _path_steps(value: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    return render.path_steps(value)


def _history() -> console_history.QueryHistory:
    return console_history.for_home(get_context().settings.home)


def _owner() -> console_history.Owner:
    user = current_user()
    assert user is not None  # @requires
    return user.name, user.created_at


def _page(*, cypher: str = "", name: str | None = None, values: dict[str, str] | None = None,
          result: dict[str, Any] | None = None, plan: dict[str, Any] | None = None,
          error: str | None = None) -> str:
    """The console page: the editor (holding ``cypher``; library query ``name`` with its
    parameter ``values`` when one is loaded), the library, the history, a result or plan."""
    dialect = get_context().store.dialect
    queries = [library_entry(q, dialect) for q in library_queries()]
    current = next((q for q in queries if q["name"] == name), None)
    return render_template("console.html", queries=queries, current=current, cypher=cypher,
                           values=values or {}, result=result, plan=plan, error=error,
                           history=_history().recent(_owner()))


@bp.route("/console", methods=["GET", "POST"])
@requires("analyst")
def console() -> Response | str | tuple[str, int]:
    """GET: the editor and the library; ``?name=`` loads a library query into the editor,
    ``?history=ID`` one of the user's past queries. POST ``cypher`` and/or ``name`` +
    ``param.<p>`` fields and ``format`` (``table``, ``csv`` for a download, ``explain`` for
    the plan)."""
    if request.method == "GET":
        return _load()
    query = params.console_form()
    values = dict(query.params)
    fmt = request.form.get("format", "table")
    if fmt == "explain":
        plan = explain_console_query(query)
        status = 400 if "error" in plan else 200
        return _page(cypher=query.cypher or "", name=query.name, values=values,
                     plan=plan), status
    result = run_console_query(query)
    _history().add(_owner(), cypher=query.cypher or "", name=query.name, params=values,
                   rows=None if "error" in result else len(result["rows"]),
                   duration_ms=result.get("duration_ms"), error=result.get("kind"))
    if query.csv and "error" not in result:
        rows = [[v if render.kind(v) in ("number", "text", "null") else render.cypher_text(v)
                 for v in row] for row in result["rows"]]
        return csv_response(result["columns"], rows, "kolgraph-query.csv")
    status = 400 if "error" in result else 200
    return _page(cypher=query.cypher or "", name=query.name, values=values,
                 result=result), status


def _load() -> str | tuple[str, int]:
    """GET /console: empty, a library query (``name``) or a past query (``history``)."""
    entry_id = params.int_arg("history", low=1)
    if entry_id is not None:
        entry = _history().get(_owner(), entry_id)
        if entry is None:
            abort(404, description=_("no such query in your history"))
        return _page(cypher=entry.cypher, name=entry.name, values=entry.params)
    name = request.args.get("name") or None
    if name is None:
        return _page()
    dialect = get_context().store.dialect
    found = next((q for q in library_queries() if q.name == name), None)
    if found is None:
        return _page(error=_("no library query of that name (%(detail)s)",
                             detail=name)), 404
    return _page(cypher=found.text(dialect), name=name)
