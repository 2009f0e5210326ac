"""Server-rendered pages: overview, communities, community, influencers (leaderboard,
overlap, CSV export), campaign seeds, person, runs, search. Every page needs a log-in
(``viewer`` or above)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from graph.analytics.community_ids import UNASSIGNED_ID
from graph.analytics.diffusion import MODELS
from web import data, params, runs_data
from web.context import get_context, names_version
from web.display import platform_name
from web.errors import describe
from web.export import csv_response
from web.i18n import locale_key, term
from web.params import PAGE_SIZE
from web.render import render_page, run_key
from web.security import current_user, requires
from web.translate import gettext as _
from web.translate import lazy_gettext

bp = Blueprint("pages", __name__)

#: The most rows one CSV export holds; a longer list is cut there and the file says so
#: (its last line and the ``X-Kolgraph-Truncated`` header).
EXPORT_LIMIT = 100_000
EXPORT_PAGE = 500
EXPORT_COLUMNS = ("kol_rank", "person_id", "display_name", "main_platform", "main_handle",
                  "accounts", "community_id", "community_label", "kol_score", "pagerank",
                  "in_strength", "reach", "engagement_rate", "betweenness", "followers_total",
                  "conversions", "platforms", "main_reason", "why")

@bp.route("/")
@requires("viewer")
def overview() -> str:
    def context() -> dict[str, Any]:
        d = data.overview()
        return {"d": d, "last": {kind: runs_data.run_row(run) if run else None
                                 for kind, run in d["last"].items()}}

    # beyond the current runs, the page shows the newest runs whatever their status, and the
    # communities' names, which an admin can change between runs
    newest = tuple((kind, run["run_id"], run["status"]) if run else (kind,)
                   for kind, run in data.last_runs().items())
    return render_page("overview.html", context,
                       version=(newest, names_version()))


@bp.route("/communities")
@requires("viewer")
def communities() -> str:
    query = params.communities_query()
    return render_page("communities.html", lambda: {
        "sorts": data.COMMUNITY_SORTS,
        "d": data.communities(query.sort, query.page, PAGE_SIZE)},
        version=names_version())


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
            "label": data.community_label_of(found)}))

    def make() -> dict[str, Any]:
        d = data.community_page(community_id, page, PAGE_SIZE)
        # everything above the members is the same on every page of the community
        head = get_context().pages.get(
            ("community head", community_id, run_key(), locale_key(), names_version()),
            lambda: Markup(render_template(
                "_community_head.html", d=d,
                network_url=url_for("api.community_network", community_id=community_id),
                chart_url=url_for("api.community_platforms_chart",
                                  community_id=community_id))))
        return {"d": d, "head": head}

    return render_page("community.html", make, version=names.get(community_id), after=form)


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
    campaign = active_campaign()
    in_campaign = campaign["person_ids"] if campaign else ()

    def make() -> dict[str, object]:
        query: dict[str, Any] = filters.query()
        filter_query = dict(query)
        if campaign:
            query["campaign"] = campaign["campaign_id"]
        return {"campaign": campaign, "in_campaign": set(in_campaign),
                "d": data.leaderboard(filters, page=q.page, page_size=PAGE_SIZE),
                "chosen": data.leaderboard(filters, page=1, page_size=params.SELECT_LIMIT,
                                           person_ids=selected) if selected else None,
                "choices": choices, "selected": selected,
                "overlap": data.overlap(selected), "query": query,
                "numeric_columns": [(s, column_label(s))
                                    for s in leaderboard_columns(filters.sort)],
                "community_labels": choices["community_labels"],
                "export_url": url_for("pages.influencers_csv", **filter_query,
                                      select=selected or None)}

    forms = Markup(render_template("_campaign_row_forms.html", campaign=campaign,
                                   next=request.full_path)) if campaign else None
    return render_page("influencers.html", make,
                       version=(names_version(), tuple(in_campaign)),
                       after=forms)


def active_campaign() -> dict[str, Any] | None:
    """The campaign named by ``?campaign=`` that the leaderboard adds KOLs to (its
    ``campaign_id``, ``name`` and the ``person_ids`` already in it), or ``None``; an unknown
    campaign is a 404."""
    campaign_id = request.args.get("campaign", "").strip()
    if not campaign_id:
        return None
    return data.campaign_members(campaign_id)


#: The leaderboard's numeric columns, each a link that sorts by it (the sort column, when
#: it is none of these, is shown after them).
LEADERBOARD_COLUMNS = ("kol_score", "followers_total", "reach", "engagement_rate")


def leaderboard_columns(sort: str) -> list[str]:
    """The numeric columns the leaderboard shows when sorted by ``sort``.

    >>> leaderboard_columns("pagerank")
    ['kol_score', 'followers_total', 'reach', 'engagement_rate', 'pagerank']
    """
    return [*LEADERBOARD_COLUMNS, *([sort] if sort not in LEADERBOARD_COLUMNS else [])]


#: Column headings of the leaderboard's numeric columns (others: ``web.i18n.term``).
COLUMN_LABELS = {"kol_score": lazy_gettext("kol score"),
                 "followers_total": lazy_gettext("followers"), "reach": lazy_gettext("reach"),
                 "engagement_rate": lazy_gettext("engagement rate")}


def column_label(code: str) -> str:
    """The heading of the leaderboard column ``code`` in the request's language."""
    label = COLUMN_LABELS.get(code)
    return str(label) if label is not None else term(code)


@bp.route("/influencers.csv")
@requires("viewer")
def influencers_csv() -> Response:
    """The whole filtered leaderboard (or the selected persons, ``select``) as CSV, with each
    person's accounts (``platform:@handle:followers``), main account, community label,
    conversions and why it ranks; at most ``EXPORT_LIMIT`` rows, a cut stated in the file."""
    q = params.leaderboard_query(data.filter_choices(), select_limit=EXPORT_LIMIT)
    rows: list[list[object]] = []
    total, page = 0, 1
    while len(rows) < EXPORT_LIMIT:
        d = data.leaderboard(q.filters, page=page, page_size=EXPORT_PAGE,
                             person_ids=q.selected or None)
        total = d["total"]
        rows.extend(_export_row(item) for item in d["items"])
        if not d["has_next"]:
            break
        page += 1
    rows = rows[:EXPORT_LIMIT]
    headers = {}
    if total > len(rows):
        note = _("truncated: the first %(shown)s of %(total)s persons", shown=len(rows),
                 total=total)
        rows.append([f"# {note}"])
        headers["X-Kolgraph-Truncated"] = f"{len(rows) - 1}/{total}"
    response = csv_response(EXPORT_COLUMNS, rows, "kolgraph-influencers.csv")
    response.headers.update(headers)
    return response


def _export_row(item: dict[str, Any]) -> list[object]:
    """A leaderboard item as a CSV row of ``EXPORT_COLUMNS``."""
    values = {**item, "community_label": item.get("community_title"),
              "accounts": "; ".join(f"{platform_name(a['platform'])}:@{a['account_id']}:"
                                    f"{a.get('followers') or 0}" for a in item["accounts"]),
              "main_platform": platform_name(item["main_platform"])
              if item.get("main_platform") else None,
              "why": "; ".join(r["text"] for r in item["reasons"])}
    return [values.get(c) for c in EXPORT_COLUMNS]


@bp.route("/persons/<person_id>")
@requires("viewer")
def person(person_id: str) -> str:
    return render_page("person.html", lambda: {
        "d": data.person(person_id),
        "network_url": url_for("api.person_network", person_id=person_id),
        "activity_url": url_for("api.person_activity_chart", person_id=person_id)},
        version=names_version())


@bp.route("/contents/<path:content_key>")
@requires("viewer")
def content(content_key: str) -> str:
    return render_page("content.html", lambda: {"d": data.content(content_key)})


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
def seeds() -> tuple[str, int]:
    """Campaign seed selection (``k``, ``community``, ``platform``, ``model``, ``include``,
    ``exclude``) with the reach comparison; computed only when ``k`` is given, in the
    background (``data.seeds``). The page shows the plan when it is ready (after waiting up
    to ``SEEDS_WAIT_S``), else the form and the plan's progress, which ``js/seeds.js``
    follows through ``seeds_status`` until it reloads the page (without JavaScript the page
    refreshes itself). An error of the plan is shown with the form, with its status (400
    naming the parameter, 503 not ready)."""
    choices = data.filter_choices()
    q = params.seeds_query(choices, default_k=None)
    status = data.seeds(q.k, q.community, q.platform, model=q.model, include=q.include,
                        exclude=q.exclude, wait=data.seeds_wait()) if q.k else None
    failed = status.error if status is not None else None
    error = describe(failed) if failed is not None else None
    listed = [(c, label) for c, label in zip(choices["communities"],
                                             choices["community_labels"], strict=True)
              if c != UNASSIGNED_ID]
    running = status is not None and status.state == "running"
    page = render_template(
        "seeds.html", choices=choices, plan=status.result if status else None, k=q.k or 10,
        community=q.community, platform=q.platform, model=q.model,
        include=",".join(q.include), exclude=",".join(q.exclude), models=MODELS,
        communities=[c for c, _label in listed],
        community_labels=[label for _c, label in listed],
        job=data.seeds_status(status) if running and status is not None else None,
        status_url=url_for("pages.seeds_status", **q.query()) if running else None,
        reload_url=url_for("pages.seeds", **q.query()) if q.k else None,
        error=error)
    return page, error[0] if error else 200


@bp.route("/influencers/seeds/status")
@requires("viewer")
def seeds_status() -> Response:
    """The seed plan of the same parameters as the seeds page (``k`` default 10) as JSON
    (``data.seeds_status``: ``state``, ``stage``, ``stage_text``, ``fraction``,
    ``message``), starting it when it is neither cached nor running; the page polls it."""
    q = params.seeds_query(data.filter_choices(), default_k=10)
    status = data.seeds(q.k or 10, q.community, q.platform, model=q.model, include=q.include,
                        exclude=q.exclude)
    response = jsonify(data.seeds_status(status))
    response.headers["Cache-Control"] = "no-store"
    return response
