"""Campaigns: saved selections of KOLs with a goal, platforms, targets, a time window, costs
and a partner, kept in the graph with an audit trail (``graph.store.campaign_io``); and the
plan of a campaign — the combined reach of its KOLs, what each adds, their overlap, reach by
community and by platform, and the KOLs to keep within a budget (``graph.analytics.planner``).

The CLI (``kolgraph campaign``) and the web app (``/campaigns``) both call these functions;
``user`` is who acted, recorded in the trail. Wrong values raise ``InvalidInput`` naming the
parameter; an unknown campaign raises ``NotFound``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from graph.analytics import planner
from graph.errors import InvalidInput, NotFound
from graph.store import analytics_io, campaign_io, web_reads
from graph.store.base import GraphStore, Row

STATUSES: tuple[str, ...] = ("draft", "launched", "closed")
NAME_MAX = 120
GOAL_MAX = 2000
MAX_KOLS = 200


@dataclass(frozen=True)
class CampaignPlan:
    """A campaign's plan. ``kols``: the selection (``campaign_io.selection`` rows) with
    ``audience``, ``unique``, ``added`` and ``order`` of ``planner.contributions``, in the
    selection's order; ``reach``: distinct persons the selection reaches; ``audience_sum``:
    the audiences added up (``audience_sum - reach`` persons would be reached twice or more);
    ``shared``/``jaccard``: the N×N overlap over ``kols``; ``by_community``
    (``community_id, title, reach``) and ``by_platform`` (``platform, reach``); when a
    ``budget`` is given, ``within_budget`` (person ids), ``budget_reach`` and ``budget_cost``."""

    campaign: Row
    kols: list[Row]
    reach: int
    audience_sum: int
    shared: list[list[int]]
    jaccard: list[list[float]]
    by_community: list[Row]
    by_platform: list[Row]
    budget: float | None = None
    within_budget: list[str] = field(default_factory=list)
    budget_reach: int = 0
    budget_cost: float = 0.0


def _text(value: Any, param: str, limit: int, *, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise InvalidInput(param, "must not be empty")
    if len(text) > limit:
        raise InvalidInput(param, f"at most {limit} characters, got {len(text)}")
    return text


def _day(value: Any, param: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise InvalidInput(param, f"not a date YYYY-MM-DD: {value!r}") from None


def _names(values: Sequence[Any] | None, param: str) -> list[str]:
    out = []
    for value in values or ():
        text = str(value).strip()
        if not text or len(text) > 60:
            raise InvalidInput(param, f"not a name: {value!r}")
        out.append(text)
    return list(dict.fromkeys(out))


def _communities(values: Sequence[Any] | None) -> list[int]:
    out = []
    for value in values or ():
        try:
            number = int(str(value).strip())
        except ValueError:
            raise InvalidInput("communities", f"not a community id: {value!r}") from None
        if number < 0:
            raise InvalidInput("communities", f"not a community id: {value!r}")
        out.append(number)
    return list(dict.fromkeys(out))


def cost_value(value: Any, param: str = "cost") -> float | None:
    """``value`` as a cost (a finite number ≥ 0), ``None`` when empty; else ``InvalidInput``."""
    if value in (None, ""):
        return None
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        raise InvalidInput(param, f"not a number: {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise InvalidInput(param, f"must be a number of at least 0, got {value!r}")
    return number


def campaign_fields(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The checked campaign fields among ``values`` (``name``, ``goal``, ``platforms``,
    ``communities``, ``topics``, ``starts_on``, ``ends_on``, ``partner``, ``status``).
    With ``partial`` only the names given are returned; else ``name`` is required and the
    others default (status ``draft``)."""
    out: dict[str, Any] = {}
    if not partial or "name" in values:
        out["name"] = _text(values.get("name"), "name", NAME_MAX, required=True)
    if not partial or "goal" in values:
        out["goal"] = _text(values.get("goal"), "goal", GOAL_MAX)
    for key in ("platforms", "topics"):
        if not partial or key in values:
            out[key] = _names(values.get(key), key)
    if not partial or "communities" in values:
        out["communities"] = _communities(values.get("communities"))
    for key in ("starts_on", "ends_on"):
        if not partial or key in values:
            out[key] = _day(values.get(key), key)
    if not partial or "partner" in values:
        out["partner"] = _text(values.get("partner"), "partner", NAME_MAX) or None
    if not partial or "status" in values:
        status = str(values.get("status") or "draft")
        if status not in STATUSES:
            raise InvalidInput("status", f"one of {', '.join(STATUSES)}, got {status!r}")
        out["status"] = status
    if not partial:
        _check_window(out)
    return out


def _check_window(campaign: Mapping[str, Any]) -> None:
    start, end = campaign.get("starts_on"), campaign.get("ends_on")
    if start and end and end < start:
        raise InvalidInput("ends_on", f"{end} is before starts_on {start}")


def create(store: GraphStore, values: Mapping[str, Any], user: str) -> str:
    """A new campaign from ``values`` (see ``campaign_fields``) by ``user``; returns its id."""
    fields = campaign_fields(values)
    campaign_id = "C" + uuid.uuid4().hex[:12]
    campaign_io.create_campaign(store, campaign_id, fields, user)
    return campaign_id


def get(store: GraphStore, campaign_id: str) -> Row:
    """The campaign's fields; ``NotFound`` when there is no such campaign."""
    found = campaign_io.get_campaign(store, campaign_id)
    if found is None:
        raise NotFound(f"no campaign {campaign_id!r}", param="campaign_id")
    return found


def list_all(store: GraphStore) -> list[Row]:
    """Every campaign (not deleted), most recently changed first, with ``kols``."""
    return campaign_io.list_campaigns(store)


def update(store: GraphStore, campaign_id: str, values: Mapping[str, Any], user: str) -> Row:
    """Change the fields given in ``values`` and record it; returns the updated campaign."""
    current = get(store, campaign_id)
    fields = campaign_fields(values, partial=True)
    _check_window({**current, **fields})
    changed = {k: v for k, v in fields.items() if current.get(k) != v}
    if changed:
        detail = ", ".join(f"{k}={v}" for k, v in changed.items())
        action = "status" if set(changed) == {"status"} else "update"
        campaign_io.update_campaign(store, campaign_id, changed, user, action, detail)
    return get(store, campaign_id)


def delete(store: GraphStore, campaign_id: str, user: str) -> None:
    """Delete the campaign: hidden everywhere, its audit trail kept in the graph."""
    get(store, campaign_id)
    campaign_io.update_campaign(store, campaign_id, {"status": "deleted"}, user, "delete", "")


def select(store: GraphStore, campaign_id: str, person_ids: Sequence[str], user: str,
           costs: Mapping[str, Any] | None = None) -> list[str]:
    """Add persons to the campaign's KOLs (``costs``: person id -> cost, optional; a cost
    given again replaces the previous one). Returns the ids added or updated; an unknown
    person raises ``InvalidInput`` on ``person_ids`` and adds nothing."""
    get(store, campaign_id)
    ids = list(dict.fromkeys(str(p).strip() for p in person_ids if str(p).strip()))
    if not ids:
        raise InvalidInput("person_ids", "no person given")
    checked = {p: cost_value((costs or {}).get(p), f"cost of {p}") for p in ids}
    known = {str(r["person_id"]) for r in web_reads.persons_by_ids(store, ids)}
    unknown = [p for p in ids if p not in known]
    if unknown:
        raise InvalidInput("person_ids", "no such person: " + ", ".join(unknown[:5])
                           + (f" (and {len(unknown) - 5} more)" if len(unknown) > 5 else ""))
    already = {str(r["person_id"]) for r in campaign_io.selection(store, campaign_id)}
    if len(already | set(ids)) > MAX_KOLS:
        raise InvalidInput("person_ids", f"a campaign holds at most {MAX_KOLS} KOLs")
    return campaign_io.select_kols(store, campaign_id, checked, user)


def deselect(store: GraphStore, campaign_id: str, person_ids: Sequence[str], user: str) -> int:
    """Remove persons from the campaign's KOLs; returns how many were in it."""
    get(store, campaign_id)
    return campaign_io.deselect_kols(store, campaign_id, [str(p) for p in person_ids], user)


def history(store: GraphStore, campaign_id: str) -> list[Row]:
    """The campaign's audit trail, oldest first: ``at, user, action, detail``."""
    get(store, campaign_id)
    return campaign_io.events(store, campaign_id)


def audience(store: GraphStore, person_ids: Sequence[str]) -> pd.DataFrame:
    """The audiences of ``person_ids`` as ``DataFrame[person, member, platform]`` (the one
    definition of ``graph.analytics.planner``)."""
    rows = campaign_io.audience_pairs(store, list(person_ids))
    return pd.DataFrame(rows, columns=planner.PAIR_COLUMNS).astype(str)


def _community_titles(store: GraphStore) -> dict[int, str]:
    run_id = analytics_io.current_analyze_run_id(store)
    if run_id is None:
        return {}
    return {int(c["community_id"]): str(c.get("name") or c.get("label") or "")
            for c in web_reads.communities(store, run_id)}


def plan(store: GraphStore, campaign_id: str, budget: Any = None) -> CampaignPlan:
    """The plan of the campaign's current selection (see ``CampaignPlan``); ``budget`` (a
    number ≥ 0, optional) asks which KOLs with a cost to keep."""
    campaign = get(store, campaign_id)
    limit = cost_value(budget, "budget")
    kols = campaign_io.selection(store, campaign_id)
    ids = [str(k["person_id"]) for k in kols]
    pairs = audience(store, ids)
    contrib = planner.contributions(pairs, ids).set_index("person")
    rows = [{**k, **contrib.loc[str(k["person_id"])].to_dict()} for k in kols]
    for row in rows:
        for key in ("audience", "unique", "added", "order"):
            row[key] = int(row[key])
    shared, jaccard = planner.overlap_matrix(pairs, ids)
    members = pairs["member"].unique().tolist()
    groups = pd.Series({str(r["person_id"]): r["community_id"]
                        for r in campaign_io.member_communities(store, members)
                        if r["community_id"] is not None})
    titles = _community_titles(store)
    by_community = [{"community_id": int(r["community_id"]),
                     "title": titles.get(int(r["community_id"]), ""), "reach": int(r["reach"])}
                    for r in planner.reach_by(pairs, ids, "community_id",
                                              groups.astype("int64")).to_dict("records")]
    by_platform = [{"platform": str(r["platform"]), "reach": int(r["reach"])}
                   for r in planner.reach_by(pairs, ids, "platform").to_dict("records")]
    result = CampaignPlan(campaign, rows, planner.combined_reach(pairs, ids),
                          int(sum(r["audience"] for r in rows)), shared.tolist(),
                          [[round(float(x), 4) for x in line] for line in jaccard],
                          by_community, by_platform)
    if limit is None:
        return result
    costs = {str(k["person_id"]): float(k["cost"]) for k in kols
             if k.get("cost") is not None}
    keep = planner.within_budget(pairs, costs, limit)
    return dataclasses.replace(result, budget=limit, within_budget=keep,
                               budget_reach=planner.combined_reach(pairs, keep),
                               budget_cost=float(sum(costs[p] for p in keep)))
