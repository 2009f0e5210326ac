"""Server-rendered pages: overview, communities, community, influencers (leaderboard,
overlap, CSV export), campaign seeds, person, runs, search. Every page needs a log-in
(``viewer`` or above)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from graph.store import web_reads
from web import data, runs_data
from web.context import get_context
from web.export import csv_response
from web.params import PAGE_SIZE, int_arg, list_arg, page_arg, str_arg
from web.render import render_page
from web.security import requires

bp = Blueprint("pages", __name__)

EXPORT_LIMIT = 1000
EXPORT_COLUMNS = ("kol_rank", "person_id", "display_name", "community_id", "kol_score",
                  "pagerank", "in_strength", "reach", "engagement_rate", "betweenness",
                  "followers_total", "platforms", "main_reason")


@bp.route("/")
@requires("viewer")
def overview() -> str:
    return render_template("overview.html", d=data.overview())


@bp.route("/communities")
@requires("viewer")
def communities() -> str:
    sort = str_arg("sort", data.COMMUNITY_SORTS, "size") or "size"
    page = page_arg()
    return render_page("communities.html", lambda: {
        "sorts": data.COMMUNITY_SORTS, "d": data.communities(sort, page, PAGE_SIZE)})


@bp.route("/communities/<int:community_id>")
@requires("viewer")
def community(community_id: int) -> str:
    page = page_arg()
    return render_page("community.html", lambda: {
        "d": data.community_page(community_id, page, PAGE_SIZE),
        "network_url": url_for("api.community_network", community_id=community_id),
        "chart_url": url_for("api.community_platforms_chart", community_id=community_id)})


def leaderboard_args() -> dict[str, object]:
    """The leaderboard filters of this request (``community``, ``platform``, ``topic``,
    ``sort``), checked against the values the data holds."""
    choices = data.filter_choices()
    return {"community": int_arg("community", None, low=0),
            "platform": str_arg("platform", choices["platforms"]),
            "topic": str_arg("topic", choices["topics"]),
            "sort": str_arg("sort", web_reads.SORT_COLUMNS, "kol_score") or "kol_score"}


@bp.route("/influencers")
@requires("viewer")
def influencers() -> str:
    args = leaderboard_args()
    selected = list_arg("select")
    page = page_arg()

    def make() -> dict[str, object]:
        query = {k: v for k, v in args.items() if v is not None}
        return {"d": data.leaderboard(page=page, page_size=PAGE_SIZE, **args),  # type: ignore
                "chosen": data.leaderboard(page=1, page_size=50, person_ids=selected,
                                           **args) if selected else None,  # type: ignore
                "choices": data.filter_choices(), "selected": selected,
                "overlap": data.overlap(selected), "query": query,
                "export_url": url_for("pages.influencers_csv", **query,
                                      select=selected or None)}

    return render_page("influencers.html", make)


@bp.route("/influencers.csv")
@requires("viewer")
def influencers_csv() -> Response:
    """The leaderboard (or the selected persons, ``select``) as CSV, at most
    ``EXPORT_LIMIT`` rows."""
    args = leaderboard_args()
    selected = list_arg("select", limit=EXPORT_LIMIT)
    d = data.leaderboard(page=1, page_size=EXPORT_LIMIT, person_ids=selected or None,
                         **args)  # type: ignore[arg-type]
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
        "runs.html", runs=runs_data.runs(), models=models, evaluation=evaluation,
        jobs=get_context().jobs.list(),
        curve_url=url_for("api.model_curve_chart", model_id=current) if current else None,
        evaluation_url=url_for("api.model_evaluation_chart", model_id=current)
        if current else None)


@bp.route("/search")
@requires("viewer")
def search() -> str:
    text = (request.args.get("q") or "").strip()
    if len(text) > 200:
        text = text[:200]
    return render_template("search.html", q=text, results=data.search(text) if text else [])


@bp.route("/influencers/seeds")
@requires("viewer")
def seeds() -> str:
    """Campaign seed selection (``k``, ``community``, ``platform``) with the reach
    comparison; computed only when ``k`` is given."""
    choices = data.filter_choices()
    k = int_arg("k", None, low=1, high=200)
    community = int_arg("community", None, low=0)
    platform = str_arg("platform", choices["platforms"])
    plan = data.seeds(k, community, platform) if k else None
    return render_template("seeds.html", choices=choices, plan=plan, k=k or 10,
                           community=community, platform=platform)
