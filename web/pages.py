"""Server-rendered pages: overview, communities, community, influencers (leaderboard,
overlap, CSV export), campaign seeds, person, runs, search. Every page needs a log-in
(``viewer`` or above)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from graph.analytics.community_ids import UNASSIGNED_ID
from web import data, params, runs_data
from web.context import get_context
from web.export import csv_response
from web.params import PAGE_SIZE
from web.render import render_page
from web.security import current_user, requires

bp = Blueprint("pages", __name__)

EXPORT_LIMIT = 1000
EXPORT_COLUMNS = ("kol_rank", "person_id", "display_name", "community_id", "kol_score",
                  "pagerank", "in_strength", "reach", "engagement_rate", "betweenness",
                  "followers_total", "platforms", "main_reason")


@bp.route("/")
@requires("viewer")
def overview() -> str:
    d = data.overview()
    last = {kind: runs_data.run_row(run) if run else None for kind, run in d["last"].items()}
    return render_template("overview.html", d=d, last=last)


@bp.route("/communities")
@requires("viewer")
def communities() -> str:
    query = params.communities_query()
    return render_page("communities.html", lambda: {
        "sorts": data.COMMUNITY_SORTS,
        "d": data.communities(query.sort, query.page, PAGE_SIZE)},
        version=tuple(sorted(data.community_names().items())))


@bp.route("/communities/<int:community_id>")
@requires("viewer")
def community(community_id: int) -> str:
    page = params.page_arg()
    names = data.community_names()
    user = current_user()
    form = None
    if user is not None and user.can("admin") and community_id != UNASSIGNED_ID:
        _run_id, found = data.community(community_id)
        form = Markup(render_template("_community_rename.html", c={
            "community_id": community_id, "name": names.get(community_id, ""),
            "label": found.get("label") or ""}))
    return render_page("community.html", lambda: {
        "d": data.community_page(community_id, page, PAGE_SIZE),
        "network_url": url_for("api.community_network", community_id=community_id),
        "chart_url": url_for("api.community_platforms_chart", community_id=community_id)},
        version=names.get(community_id), after=form)


@bp.route("/communities/<int:community_id>/name", methods=["POST"])
@requires("admin")
def rename_community(community_id: int) -> BaseResponse:
    """POST ``name`` (and ``csrf_token``): the admin's name of the community (empty: back to
    its label); kept by later analyze runs while the community keeps its id."""
    data.rename_community(community_id, request.form.get("name", ""))
    return redirect(url_for("pages.community", community_id=community_id), code=303)


@bp.route("/influencers")
@requires("viewer")
def influencers() -> str:
    choices = data.filter_choices()
    q = params.leaderboard_query(choices)
    filters, selected = q.filters, q.selected

    def make() -> dict[str, object]:
        query: dict[str, Any] = filters.query()
        return {"d": data.leaderboard(filters, page=q.page, page_size=PAGE_SIZE),
                "chosen": data.leaderboard(filters, page=1, page_size=params.SELECT_LIMIT,
                                           person_ids=selected) if selected else None,
                "choices": choices, "selected": selected,
                "overlap": data.overlap(selected), "query": query,
                "export_url": url_for("pages.influencers_csv", **query,
                                      select=selected or None)}

    return render_page("influencers.html", make)


@bp.route("/influencers.csv")
@requires("viewer")
def influencers_csv() -> Response:
    """The leaderboard (or the selected persons, ``select``) as CSV, at most
    ``EXPORT_LIMIT`` rows."""
    q = params.leaderboard_query(data.filter_choices(), select_limit=EXPORT_LIMIT)
    d = data.leaderboard(q.filters, page=1, page_size=EXPORT_LIMIT,
                         person_ids=q.selected or None)
    return csv_response(EXPORT_COLUMNS, ([row.get(c) for c in EXPORT_COLUMNS]
                                         for row in d["items"]), "kolgraph-influencers.csv")


@bp.route("/persons/<person_id>")
@requires("viewer")
def person(person_id: str) -> str:
    return render_page("person.html", lambda: {
        "d": data.person(person_id),
        "network_url": url_for("api.person_network", person_id=person_id)})


@bp.route("/runs")
@requires("viewer")
def runs() -> str:
    models = runs_data.models()
    current = models["current"]
    evaluation = runs_data.model_metrics(current) if current else {"ranking": [],
                                                                    "secondary": []}
    return render_template(
        "runs.html", runs=runs_data.run_rows(runs_data.runs()), models=models,
        evaluation=evaluation,
        jobs=get_context().jobs.list(),
        curve_url=url_for("api.model_curve_chart", model_id=current) if current else None,
        evaluation_url=url_for("api.model_evaluation_chart", model_id=current)
        if current else None)


@bp.route("/search")
@requires("viewer")
def search() -> str:
    text, page = params.search_text(), params.page_arg()
    found = data.search(text, page, params.SEARCH_PAGE_SIZE) if text else None
    return render_template("search.html", q=text, d=found)


@bp.route("/influencers/seeds")
@requires("viewer")
def seeds() -> str:
    """Campaign seed selection (``k``, ``community``, ``platform``) with the reach
    comparison; computed only when ``k`` is given."""
    choices = data.filter_choices()
    q = params.seeds_query(choices, default_k=None)
    plan = data.seeds(q.k, q.community, q.platform) if q.k else None
    return render_template("seeds.html", choices=choices, plan=plan, k=q.k or 10,
                           community=q.community, platform=q.platform)
