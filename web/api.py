"""The JSON API under ``/api/v1/``, described by ``web/openapi.json`` (served at
``/api/v1/openapi.json``). Every route needs a session or ``Authorization: Bearer TOKEN``
(``kolgraph user token NAME``); the console route needs the analyst role."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from flask import Blueprint, Response, jsonify, request

from kolgraph.usecases import attribution, campaign_export
from kolgraph.usecases import campaigns as campaign_usecase
from kolgraph.usecases import partners as partner_usecase
from web import charts, data, params, runs_data
from web.console_data import library_queries, run_console_query
from web.display import platform_name
from web.errors import describe, json_error
from web.export import download_response
from web.network_view import localised
from web.params import PAGE_SIZE
from web.security import current_user, requires

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3 document of this API (``web/openapi.json``)."""
    return json.loads(resources.files("web").joinpath("openapi.json").read_text("utf-8"))


@bp.route("/openapi.json")
@requires("viewer")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.route("/me")
@requires("viewer")
def me() -> Response:
    user = current_user()
    assert user is not None
    return jsonify({"name": user.name, "role": user.role})


@bp.route("/overview")
@requires("viewer")
def overview() -> Response:
    return jsonify(data.overview())


@bp.route("/communities")
@requires("viewer")
def communities() -> Response:
    query = params.communities_query()
    return jsonify(data.communities(query.sort, query.page, PAGE_SIZE))


@bp.route("/communities/<int:community_id>")
@requires("viewer")
def community(community_id: int) -> Response:
    return jsonify(data.community_page(community_id, params.page_arg(), PAGE_SIZE))


@bp.route("/communities/<int:community_id>/network")
@requires("viewer")
def community_network(community_id: int) -> Response:
    return Response(data.community_network_json(community_id), mimetype="application/json")


@bp.route("/communities/<int:community_id>/platforms.chart")
@requires("viewer")
def community_platforms_chart(community_id: int) -> Response:
    _run_id, c = data.community(community_id)
    return jsonify(charts.platform_mix_chart(c.get("platform_mix"), platform_name))


@bp.route("/influencers")
@requires("viewer")
def influencers() -> Response:
    q = params.leaderboard_query(data.filter_choices())
    return jsonify(data.leaderboard(q.filters, page=q.page, page_size=PAGE_SIZE,
                                    person_ids=q.selected or None))


@bp.route("/influencers/overlap")
@requires("viewer")
def overlap() -> Response:
    selected = params.list_arg("select")
    return jsonify({"persons": selected, "overlap": data.overlap(selected)})


@bp.route("/campaigns")
@requires("viewer")
def campaigns() -> Response:
    return jsonify(campaign_usecase.list_all(data.store()))


@bp.route("/campaigns/<campaign_id>")
@requires("viewer")
def campaign(campaign_id: str) -> Response:
    budget = request.args.get("budget", "").strip() or None
    plan = campaign_usecase.plan(data.store(), campaign_id, budget=budget)
    return jsonify(dataclasses.asdict(plan))


@bp.route("/campaigns/<campaign_id>/kols")
@requires("viewer")
def campaign_kols(campaign_id: str) -> Response:
    columns, rows = campaign_export.kol_table(data.store(), campaign_id)
    return jsonify([dict(zip(columns, row, strict=True)) for row in rows])


@bp.route("/campaigns/<campaign_id>/segment")
@requires("viewer")
def campaign_segment(campaign_id: str) -> Response:
    page = campaign_export.segment_page(
        data.store(), campaign_id, after=params.str_arg("after") or "",
        limit=params.int_arg("limit", 1000, low=1, high=campaign_export.MAX_JSON_PAGE) or 1000)
    return jsonify({"rows": page.rows, "next_after": page.next_after})


@bp.route("/campaigns/<campaign_id>/export/<what>.<fmt>")
@requires("viewer")
def campaign_export_file(campaign_id: str, what: str, fmt: str) -> Response:
    found = campaign_export.download(data.store(), campaign_id, what, fmt)
    return download_response(found.filename, found.media_type, found.chunks)


@bp.route("/campaigns/<campaign_id>/attribution")
@requires("viewer")
def campaign_attribution(campaign_id: str) -> Response:
    found = attribution.report(data.store(), campaign_id,
                               rule=request.args.get("rule", "last_touch"),
                               lookback_days=request.args.get("lookback_days", "7"))
    return jsonify(dataclasses.asdict(found))


@bp.route("/campaigns/<campaign_id>/attribution.chart")
@requires("viewer")
def campaign_attribution_chart(campaign_id: str) -> Response:
    by = params.str_arg("by", ("kol", "platform", "community_id"), "kol") or "kol"
    found = attribution.report(data.store(), campaign_id,
                               rule=request.args.get("rule", "last_touch"),
                               lookback_days=request.args.get("lookback_days", "7"))
    rows = {"kol": found.per_kol, "platform": found.per_platform,
            "community_id": found.per_community}[by]
    label: dict[str, Callable[[Any], str]] = {
        "kol": lambda r: str(r.get("display_name") or r["kol"]),
        "platform": lambda r: platform_name(str(r["platform"])),
        "community_id": lambda r: f"#{r['community_id']}"}
    return jsonify(charts.attribution_chart(rows, by, label[by]))


@bp.route("/partners")
@requires("viewer")
def partners() -> Response:
    return jsonify(partner_usecase.list_all(data.store()))


@bp.route("/partners/<partner_id>")
@requires("viewer")
def partner(partner_id: str) -> Response:
    found = partner_usecase.overlap(data.store(), partner_id)
    k = params.int_arg("k", 20, low=1, high=partner_usecase.MAX_K) or 20
    best = partner_usecase.best_kols(data.store(), partner_id, k) if found.matched else []
    return jsonify({**dataclasses.asdict(found), "best_kols": best})


@bp.route("/filters")
@requires("viewer")
def filters() -> Response:
    return jsonify(data.filter_choices())


@bp.route("/persons/<person_id>")
@requires("viewer")
def person(person_id: str) -> Response:
    return jsonify(data.person(person_id))


@bp.route("/persons/<person_id>/network")
@requires("viewer")
def person_network(person_id: str) -> Response:
    return jsonify(localised(data.person_network(person_id)))


@bp.route("/persons/<person_id>/activity")
@requires("viewer")
def person_activity(person_id: str) -> Response:
    return jsonify({"person_id": person_id, "months": data.person_activity(person_id)})


@bp.route("/persons/<person_id>/activity.chart")
@requires("viewer")
def person_activity_chart(person_id: str) -> Response:
    return jsonify(charts.person_activity_chart(data.person_activity(person_id)))


@bp.route("/contents/<path:content_key>")
@requires("viewer")
def content(content_key: str) -> Response:
    return jsonify(data.content(content_key))


@bp.route("/search")
@requires("viewer")
def search() -> Response:
    text, page = params.search_text(), params.page_arg()
    if not text:
        return jsonify({"q": text, "page": page, "page_size": params.SEARCH_PAGE_SIZE,
                        "total": 0, "pages": 1, "has_next": False, "items": []})
    return jsonify(data.search(text, page, params.SEARCH_PAGE_SIZE))


@bp.route("/runs")
@requires("viewer")
def runs() -> Response:
    query = params.runs_query()
    return jsonify({"items": runs_data.runs(query.kind, query.limit)})


@bp.route("/models")
@requires("viewer")
def models() -> Response:
    return jsonify(runs_data.models())


@bp.route("/models/<model_id>/curve.chart")
@requires("viewer")
def model_curve_chart(model_id: str) -> Response:
    curve = runs_data.model_curve(runs_data.model_id_or_current(model_id))
    return jsonify(charts.training_curve_chart(curve))


@bp.route("/models/<model_id>/evaluation")
@requires("viewer")
def model_evaluation(model_id: str) -> Response:
    metrics = runs_data.model_metrics(runs_data.model_id_or_current(model_id))
    return jsonify({"items": metrics["ranking"],
                    "secondary_hits_vs_random_negatives": metrics["secondary"]})


@bp.route("/models/<model_id>/evaluation.chart")
@requires("viewer")
def model_evaluation_chart(model_id: str) -> Response:
    metric = params.chart_metric()
    rows = runs_data.model_evaluation(runs_data.model_id_or_current(model_id))
    return jsonify(charts.evaluation_chart(rows, metric=metric))


@bp.route("/queries")
@requires("analyst")
def queries() -> Response:
    return jsonify({"items": [{
        "name": q.name, "title": q.title, "description": q.description,
        "title_zh": q.title_zh, "description_zh": q.description_zh,
        "params": [{"name": p.name, "type": p.type, "default": p.default,
                    "required": p.required, "description": p.description} for p in q.params],
        "columns": list(q.columns), "example": q.example} for q in library_queries()]})


@bp.route("/query", methods=["POST"])
@requires("analyst")
def query() -> Response | tuple[Response, int]:
    """Body ``{"cypher": "..."}`` or ``{"name": "...", "params": {"p": "value"}}``."""
    result = run_console_query(params.query_body())
    if "error" in result:
        refused = {"error": "Query refused", "status": 400, "kind": result["kind"],
                   "message": result["error"]}
        if result.get("parameter"):
            refused["parameter"] = result["parameter"]
        return jsonify(refused), 400
    result.pop("graph", None)
    return jsonify(result)


@bp.route("/influencers/seeds")
@requires("viewer")
def seeds() -> Response | tuple[Response, int]:
    """The seed plan (``k`` default 10, ``community``, ``platform``, ``model``, ``include``,
    ``exclude``): 200 with the plan when it is ready (after waiting up to ``SEEDS_WAIT_S``),
    202 with its progress (``data.seeds_status``, ``Retry-After: 1``) while it is computed
    in the background (ask again), or the plan's error (400 naming the parameter, 503)."""
    q = params.seeds_query(data.filter_choices(), default_k=10)
    status = data.seeds(q.k or 10, q.community, q.platform, model=q.model, include=q.include,
                        exclude=q.exclude, wait=data.seeds_wait())
    if status.result is not None:
        return jsonify(status.result)
    if status.error is not None:
        return json_error(*describe(status.error))
    response = jsonify(data.seeds_status(status))
    response.status_code = 202
    response.headers["Retry-After"] = "1"
    response.headers["Cache-Control"] = "no-store"
    return response
