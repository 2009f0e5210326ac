"""Campaign attribution: which purchases and subscriptions the campaign's KOLs caused, and
the revenue credited to each KOL, platform and buyer community (the rules and their limits
are in ``graph.analytics.attribution``; the reads in ``graph.store.attribution_reads``).

The window is the campaign's ``starts_on``..``ends_on``, both days included, as calendar
days in ``users.DEFAULT_TIMEZONE`` (Asia/Shanghai); a missing date leaves that side open.
Touches (the KOLs' shares) count inside the window, purchases up to ``lookback_days`` after
a touch. A draft campaign is reported too, flagged ``launched = False``: the caller decides
what to make of it. Wrong values raise ``InvalidInput`` naming the parameter (``rule``,
``lookback_days``); an unknown campaign raises ``NotFound`` (``campaign_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from graph.analytics import attribution
from graph.analytics.attribution import DAY_S, RULES, Window
from graph.analytics.partners import revenue_share
from graph.analytics.ranking import AUDIENCE_TIE_TYPES
from graph.errors import InvalidInput
from graph.store import attribution_reads, campaign_io
from graph.store.base import GraphStore, Row
from kolgraph.usecases import campaigns, partners
from kolgraph.usecases.users import DEFAULT_TIMEZONE

MAX_LOOKBACK_DAYS = 365
#: ``per_community`` puts buyers whom no analyze run placed in this community (the
#: unassigned bucket).
UNPLACED = 0


@dataclass(frozen=True)
class AttributionReport:
    """A campaign's attribution under ``rule``. ``rows``: one per (attributed purchase,
    credited KOL), ``attribution.ROW_COLUMNS`` plus ``community_id`` of the buyer;
    ``per_kol`` (``kol, display_name, purchases, credit, revenue``), ``per_platform`` and
    ``per_community`` (``platform`` / ``community_id`` with ``purchases, credit, revenue``),
    most revenue first; ``totals`` (``attribution.totals`` over the purchases of the touched
    contents in the purchase window); ``window`` (epoch seconds, ``None`` = open);
    ``launched``: the campaign's status is launched or closed (a draft is reported all the
    same)."""

    campaign: Row
    rule: str
    lookback_days: int
    window: Window
    launched: bool
    rows: list[Row]
    per_kol: list[Row]
    per_platform: list[Row]
    per_community: list[Row]
    totals: dict[str, float | int]
    #: The partner named by the campaign's ``partner`` (``partners.get_by_name``), if any.
    partner: Row | None = None
    #: The partner's revenue ``R_par`` given by the caller (0 when not given).
    partner_revenue: float = 0.0
    #: ``R_div = α·R + β·R_par`` with ``R`` the attributed revenue, when there is a partner.
    divided_revenue: float | None = None


def _rule(value: Any) -> str:
    rule = str(value).strip() if value is not None else ""
    if rule not in RULES:
        raise InvalidInput("rule", f"one of {', '.join(RULES)}, got {value!r}")
    return rule


def _lookback(value: Any) -> int:
    try:
        days = int(str(value).strip())
    except ValueError:
        raise InvalidInput("lookback_days", f"not a whole number of days: {value!r}") from None
    if not 1 <= days <= MAX_LOOKBACK_DAYS:
        raise InvalidInput("lookback_days",
                           f"from 1 to {MAX_LOOKBACK_DAYS} days, got {value!r}")
    return days


def _records(frame: pd.DataFrame) -> list[Row]:
    return [{str(k): (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def report(store: GraphStore, campaign_id: str, rule: Any = "last_touch",
           lookback_days: Any = attribution.DEFAULT_LOOKBACK_DAYS,
           partner_revenue: Any = None) -> AttributionReport:
    """The attribution of campaign ``campaign_id`` under ``rule`` (``last_touch``,
    ``first_touch`` or ``linear``) with purchases counted up to ``lookback_days`` (1..365)
    after a KOL's touch; when the campaign's ``partner`` names a partner, its revenue share
    applied to the attributed revenue and ``partner_revenue`` (a number ≥ 0, else
    ``InvalidInput`` naming it). See ``AttributionReport``."""
    chosen, days = _rule(rule), _lookback(lookback_days)
    r_par = partners.share_value(partner_revenue, "partner_revenue", 0.0)
    campaign = campaigns.get(store, campaign_id)
    window = attribution.window_of(campaign.get("starts_on"), campaign.get("ends_on"),
                                   DEFAULT_TIMEZONE)
    lookback_s = days * DAY_S
    kols = {str(k["person_id"]): str(k.get("display_name") or "")
            for k in campaign_io.selection(store, campaign_id)}
    touches = attribution_reads.read_touches(store, list(kols), window.start, window.end)
    purchase_end = None if window.end is None else window.end + lookback_s
    purchases = attribution_reads.read_purchases(
        store, touches["content_key"].unique().tolist(), window.start, purchase_end)
    buyers = purchases["buyer"].unique().tolist()
    ties = attribution_reads.read_ties(store, buyers, list(kols), AUDIENCE_TIE_TYPES)
    rows = attribution.attribute(touches, ties, purchases, rule=chosen, window=window,
                                 lookback_s=lookback_s)
    placed = {str(r["person_id"]): int(r["community_id"])
              for r in campaign_io.member_communities(store, rows["buyer"].unique().tolist())
              if r["community_id"] is not None}
    rows = rows.assign(community_id=[placed.get(b, UNPLACED) for b in rows["buyer"]])
    per_kol = attribution.revenue_by(rows, "kol")
    per_kol.insert(1, "display_name", [kols.get(k, "") for k in per_kol["kol"]])
    totals = attribution.totals(rows, purchases)
    partner = partners.get_by_name(store, str(campaign.get("partner") or ""))
    divided = None if partner is None else revenue_share(
        float(partner["alpha"]), float(partner["beta"]),
        float(totals["attributed_revenue"]), r_par)
    return AttributionReport(
        campaign=campaign, rule=chosen, lookback_days=days, window=window,
        launched=campaign.get("status") in ("launched", "closed"), rows=_records(rows),
        per_kol=_records(per_kol),
        per_platform=_records(attribution.revenue_by(rows, "platform")),
        per_community=_records(attribution.revenue_by(rows, "community_id")),
        totals=totals, partner=partner, partner_revenue=r_par, divided_revenue=divided)
