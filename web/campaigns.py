"""Campaign pages (``kolgraph.usecases.campaigns``): the list and a new campaign, one
campaign with its plan (combined reach, what each KOL adds, the overlap heat map, reach by
community and by platform, the budget), its details and costs, and its audit trail; KOLs
are added from the leaderboard's selection. Viewers build campaigns; only admins delete.
Every change is a POST with the CSRF token, made through the use-case in the user's name."""

from __future__ import annotations

import urllib.parse
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from graph.analytics.attribution import ROW_COLUMNS
from graph.errors import InvalidInput
from graph.sheets import MEDIA_TYPES, csv_chunks
from kolgraph.usecases import attribution, campaign_export, webhook
from kolgraph.usecases import campaigns as usecase
from web import data
from web.context import get_context
from web.display import platform_name
from web.errors import parameter_message
from web.export import download_response
from web.security import current_user, requires
from web.translate import gettext as _

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

FORM_FIELDS = ("name", "goal", "starts_on", "ends_on", "partner", "status")
LIST_FIELDS = ("platforms", "topics", "communities")


def _user() -> str:
    user = current_user()
    return user.name if user is not None else "?"


def _form_values() -> dict[str, Any]:
    """The campaign fields posted (lists from repeated fields), only those in the form."""
    values: dict[str, Any] = {k: request.form[k] for k in FORM_FIELDS if k in request.form}
    for key in LIST_FIELDS:
        if f"{key}_sent" in request.form:
            values[key] = [v for v in request.form.getlist(key) if v.strip()]
    return values


@bp.route("")
@requires("viewer")
def index() -> str:
    return render_template("campaigns.html", campaigns=usecase.list_all(data.store()),
                           choices=data.filter_choices(), error=None, values={})


@bp.route("", methods=["POST"])
@requires("viewer")
def create() -> Response | tuple[str, int]:
    values = _form_values()
    try:
        campaign_id = usecase.create(data.store(), values, _user())
    except InvalidInput as exc:  # shown next to the form, the values kept
        error = parameter_message(exc.param, exc.message) if exc.param else exc.message
        return render_template("campaigns.html", campaigns=usecase.list_all(data.store()),
                               choices=data.filter_choices(), error=error,
                               values=values), 400
    return redirect(url_for("campaigns.show", campaign_id=campaign_id), code=303)


def plan_view(campaign_id: str, budget: str | None) -> dict[str, Any]:
    """The plan of the campaign for the page: ``plan`` (``usecase.CampaignPlan``), ``kols``
    (its KOLs in the greedy order, with the badge fields of ``data.identify``), ``names``
    (the short label of each KOL in the plan's order, for the heat map), ``max_shared``,
    ``communities`` (reach by community, titled in the request's language)."""
    plan = usecase.plan(data.store(), campaign_id, budget=budget)
    kols = data.identify(plan.kols)
    by_order = sorted(kols, key=lambda k: k["order"])
    names = [str(k.get("display_name") or k["person_id"]) for k in kols]
    off_diagonal = [v for i, line in enumerate(plan.shared) for j, v in enumerate(line)
                    if i != j]
    titles = data.community_titles(data.analyze_run_id(required=False),
                                   {int(r["community_id"]) for r in plan.by_community})
    communities = [{**r, "title": titles.get(int(r["community_id"]), r["title"])}
                   for r in plan.by_community]
    return {"plan": plan, "kols": by_order, "communities": communities, "names": names,
            "matrix_kols": kols,
            "max_shared": max(off_diagonal, default=0),
            "platforms": [{**r, "name": platform_name(r["platform"])} for r in plan.by_platform]}


@bp.route("/<campaign_id>")
@requires("viewer")
def show(campaign_id: str) -> str:
    budget = request.args.get("budget", "").strip() or None
    view = plan_view(campaign_id, budget)
    return render_template("campaign.html", c=view["plan"].campaign, v=view, budget=budget,
                           trail=usecase.history(data.store(), campaign_id),
                           choices=data.filter_choices(), statuses=usecase.STATUSES,
                           webhook=_webhook_host())


def _webhook_host() -> str | None:
    """The host of the configured webhook (shown next to the launch button), or ``None``."""
    url = get_context().settings.campaign_webhook_url
    return urllib.parse.urlsplit(url).hostname if url else None


@bp.route("/<campaign_id>", methods=["POST"])
@requires("viewer")
def update(campaign_id: str) -> Response:
    values = _form_values()
    current = usecase.get(data.store(), campaign_id)
    launching = values.get("status") == "launched" and current.get("status") != "launched"
    if launching:
        values.pop("status")
    usecase.update(data.store(), campaign_id, values, _user())
    if launching:
        _launch(campaign_id)
    return redirect(url_for("campaigns.show", campaign_id=campaign_id), code=303)


def _launch(campaign_id: str) -> None:
    """Launch the campaign and tell the user what became of the webhook (a flash)."""
    delivery = campaign_export.launch(data.store(), campaign_id, _user(),
                                      webhook.configured(get_context().settings))
    if delivery is None:
        flash(_("Campaign launched."))
    elif delivery.ok:
        flash(_("Campaign launched; its audience segment was sent to the webhook."))
    else:
        flash(_("Campaign launched, but the webhook did not take the audience segment "
                "(%(detail)s). Launch again to resend it.", detail=delivery.detail), "error")


@bp.route("/<campaign_id>/launch", methods=["POST"])
@requires("viewer")
def launch(campaign_id: str) -> Response:
    """POST: launch the campaign (again: resend its segment to the webhook)."""
    _launch(campaign_id)
    return redirect(url_for("campaigns.show", campaign_id=campaign_id), code=303)


@bp.route("/<campaign_id>/export/<what>.<fmt>")
@requires("viewer")
def export(campaign_id: str, what: str, fmt: str) -> Response:
    """The campaign's KOLs or audience segment as a streamed CSV or XLSX download."""
    found = campaign_export.download(data.store(), campaign_id, what, fmt)
    return download_response(found.filename, found.media_type, found.chunks)


@bp.route("/<campaign_id>/kols", methods=["POST"])
@requires("viewer")
def add_kols(campaign_id: str) -> Response:
    """POST ``select`` (person ids, repeated) and optional ``cost``: add them; back to
    ``next`` (a path of this site) or the campaign."""
    ids = request.form.getlist("select")
    cost = request.form.get("cost", "")
    usecase.select(data.store(), campaign_id, ids, _user(),
                   costs={p: cost for p in ids} if cost.strip() else None)
    return _back(campaign_id)


def _back(campaign_id: str) -> Response:
    """To the posted ``next`` (a path of this site: the leaderboard page the button was on),
    else to the campaign."""
    target = request.form.get("next", "")
    if not (target.startswith("/") and not target.startswith("//")
            and "\\" not in target):
        target = url_for("campaigns.show", campaign_id=campaign_id)
    return redirect(target, code=303)


@bp.route("/<campaign_id>/costs", methods=["POST"])
@requires("viewer")
def set_costs(campaign_id: str) -> Response:
    """POST ``cost:<person_id>`` for each KOL: their costs (empty: no cost)."""
    costs = {key.split(":", 1)[1]: value for key, value in request.form.items()
             if key.startswith("cost:")}
    if costs:
        usecase.select(data.store(), campaign_id, list(costs), _user(), costs=costs)
    return redirect(url_for("campaigns.show", campaign_id=campaign_id), code=303)


@bp.route("/<campaign_id>/kols/remove", methods=["POST"])
@requires("viewer")
def remove_kol(campaign_id: str) -> Response:
    usecase.deselect(data.store(), campaign_id, request.form.getlist("person_id"), _user())
    return _back(campaign_id)


def report_view(campaign_id: str) -> dict[str, Any]:
    """The attribution report of the campaign for the ``rule`` and ``lookback_days`` asked
    (``attribution.report``), the KOLs with their badge fields, and the query string of the
    choice (for the chart and CSV links)."""
    rule = request.args.get("rule", "last_touch")
    days = request.args.get("lookback_days", "7")
    found = attribution.report(data.store(), campaign_id, rule=rule, lookback_days=days,
                               partner_revenue=request.args.get("partner_revenue") or None)
    badges = data.person_badges([str(r["kol"]) for r in found.per_kol])
    kols = [{**r, "badge": badges.get(r["kol"], {"person_id": r["kol"],
                                                 "display_name": r["display_name"]})}
            for r in found.per_kol]
    titles = data.community_titles(data.analyze_run_id(required=False),
                                   {int(r["community_id"]) for r in found.per_community})
    communities = [{**r, "title": titles.get(int(r["community_id"]), "")}
                   for r in found.per_community]
    return {"report": found, "kols": kols, "communities": communities,
            "platforms": [{**r, "name": platform_name(r["platform"])}
                          for r in found.per_platform],
            "query": urllib.parse.urlencode({"rule": found.rule,
                                             "lookback_days": found.lookback_days})}


@bp.route("/<campaign_id>/report")
@requires("viewer")
def report(campaign_id: str) -> str:
    """What the campaign earned: attributed purchases and revenue by KOL, platform and
    community, under the rule and lookback chosen, with charts and a CSV."""
    view = report_view(campaign_id)
    return render_template("campaign_report.html", c=view["report"].campaign, v=view,
                           rules=attribution.RULES)


@bp.route("/<campaign_id>/report.csv")
@requires("viewer")
def report_csv(campaign_id: str) -> Response:
    """The attributed purchases of the report (one row per purchase and KOL) as CSV."""
    found = report_view(campaign_id)["report"]
    columns = [*ROW_COLUMNS, "community_id"]
    return download_response(f"{campaign_id}-attribution-{found.rule}.csv",
                             MEDIA_TYPES["csv"],
                             csv_chunks(columns, ([r[c] for c in columns] for r in found.rows)))


@bp.route("/<campaign_id>/delete", methods=["POST"])
@requires("admin")
def delete(campaign_id: str) -> Response:
    usecase.delete(data.store(), campaign_id, _user())
    return redirect(url_for("campaigns.index"), code=303)


def campaign_choices() -> list[dict[str, Any]]:
    """The campaigns a leaderboard selection can be added to (not closed), newest first."""
    return [c for c in usecase.list_all(data.store()) if c.get("status") != "closed"]

