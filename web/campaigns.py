"""Campaign pages (``kolgraph.usecases.campaigns``): the list and a new campaign, one
campaign with its plan (combined reach, what each KOL adds, the overlap heat map, reach by
community and by platform, the budget), its details and costs, and its audit trail; KOLs
are added from the leaderboard's selection. Viewers build campaigns; only admins delete.
Every change is a POST with the CSRF token, made through the use-case in the user's name."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from graph.errors import InvalidInput
from kolgraph.usecases import campaigns as usecase
from web import data
from web.display import platform_name
from web.errors import parameter_message
from web.security import current_user, requires

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
                           choices=data.filter_choices(), statuses=usecase.STATUSES)


@bp.route("/<campaign_id>", methods=["POST"])
@requires("viewer")
def update(campaign_id: str) -> Response:
    usecase.update(data.store(), campaign_id, _form_values(), _user())
    return redirect(url_for("campaigns.show", campaign_id=campaign_id), code=303)


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


@bp.route("/<campaign_id>/delete", methods=["POST"])
@requires("admin")
def delete(campaign_id: str) -> Response:
    usecase.delete(data.store(), campaign_id, _user())
    return redirect(url_for("campaigns.index"), code=303)


def campaign_choices() -> list[dict[str, Any]]:
    """The campaigns a leaderboard selection can be added to (not closed), newest first."""
    return [c for c in usecase.list_all(data.store()) if c.get("status") != "closed"]

