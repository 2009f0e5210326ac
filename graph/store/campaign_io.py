"""Campaigns in the graph: ``(:Campaign)``, its selected KOLs ``-[:SELECTS]->(:Person)`` and
its audit trail ``-[:LOGGED]->(:CampaignEvent)``; and the KOL audiences a plan is built on.

A campaign is a user's object, not a derived result: it belongs to no ``Run``, re-ingest and
re-analysis leave it alone, and a deleted campaign keeps its node and trail with
``status = "deleted"`` (hidden from lists). List properties (``platforms``, ``topics``,
``communities``) are stored as lists; times are ISO-8601 UTC strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from graph.store.base import GraphStore, Row

CAMPAIGN_FIELDS: tuple[str, ...] = ("name", "goal", "platforms", "communities", "topics",
                                    "starts_on", "ends_on", "partner", "status")

_RETURN_CAMPAIGN = (
    "RETURN c.campaign_id AS campaign_id, c.name AS name, c.goal AS goal, "
    "c.platforms AS platforms, c.communities AS communities, c.topics AS topics, "
    "c.starts_on AS starts_on, c.ends_on AS ends_on, c.partner AS partner, "
    "c.status AS status, c.created_at AS created_at, c.created_by AS created_by, "
    "c.updated_at AS updated_at")


def audience_pairs(store: GraphStore, person_ids: Sequence[str]) -> list[Row]:
    """``person, member, platform``: for each given person, every distinct person owning an
    account that follows or interacted with one of its accounts (itself excluded), once per
    platform of the person's accounts tied to (the audience of ``graph.analytics.planner``)."""
    return store.read(
        "UNWIND $ids AS id MATCH (p:Person {person_id: id})-[:HAS_ACCOUNT]->(a:Account) "
        "WITH p, a MATCH (a)<-[:FOLLOWS|INTERACTED]-(b:Account) WITH p, a, b "
        "MATCH (b)<-[:HAS_ACCOUNT]-(m:Person) WITH p, a, m WHERE m <> p "
        "RETURN DISTINCT p.person_id AS person, m.person_id AS member, a.platform AS platform",
        {"ids": list(person_ids)}).rows


def segment_page(store: GraphStore, campaign_id: str, *, platforms: Sequence[str],
                 communities: Sequence[int], after: str, limit: int) -> list[Row]:
    """One page of the campaign's audience segment: the accounts of persons in the audience
    of its selected KOLs (an account that follows or interacted with one of theirs), the
    first ``limit`` with ``account_key`` after ``after``, in ``account_key`` order:
    ``account_key, person_id, community_id, platform, account_id, kols`` (how many of the
    selected KOLs the account is tied to). Only accounts on ``platforms`` and persons in
    ``communities`` of the current analyze run, when these are not empty."""
    return store.read(
        "MATCH (:Campaign {campaign_id: $id})-[:SELECTS]->(k:Person)-[:HAS_ACCOUNT]->"
        "(:Account)<-[:FOLLOWS|INTERACTED]-(b:Account) "
        "WHERE b.account_key > $after AND (size($platforms) = 0 OR b.platform IN $platforms) "
        "WITH k, b MATCH (b)<-[:HAS_ACCOUNT]-(m:Person) WHERE m <> k "
        "AND (size($communities) = 0 OR m.community_id IN $communities) "
        "WITH b, m, count(DISTINCT k) AS kols "
        "RETURN b.account_key AS account_key, m.person_id AS person_id, "
        "m.community_id AS community_id, b.platform AS platform, b.account_id AS account_id, "
        "kols ORDER BY account_key LIMIT $limit",
        {"id": campaign_id, "after": after, "platforms": list(platforms),
         "communities": list(communities), "limit": int(limit)}).rows


def member_communities(store: GraphStore, person_ids: Sequence[str]) -> list[Row]:
    """``person_id, community_id`` (of the current analyze run; ``None`` before one) of the
    given persons."""
    return store.read(
        "UNWIND $ids AS id MATCH (p:Person {person_id: id}) "
        "RETURN p.person_id AS person_id, p.community_id AS community_id",
        {"ids": list(person_ids)}).rows


def create_campaign(store: GraphStore, campaign_id: str, fields: Mapping[str, Any],
                    user: str) -> None:
    """A new campaign ``campaign_id`` with ``fields`` (names of ``CAMPAIGN_FIELDS``), created
    by ``user``, and its first audit event."""
    now = _now()
    store.write(
        "CREATE (c:Campaign {campaign_id: $id}) SET c += $fields, c.created_at = $now, "
        "c.created_by = $user, c.updated_at = $now "
        "CREATE (c)-[:LOGGED]->(:CampaignEvent {at: $now, user: $user, action: 'create', "
        "detail: $detail})",
        {"id": campaign_id, "fields": _known(fields), "now": now, "user": user,
         "detail": str(fields.get("name", ""))})


def update_campaign(store: GraphStore, campaign_id: str, fields: Mapping[str, Any],
                    user: str, action: str, detail: str) -> bool:
    """Set ``fields`` of the campaign (a ``None`` value removes the property) and log
    ``action``/``detail`` by ``user``. Returns whether the campaign exists."""
    now = _now()
    rows = store.write(
        "MATCH (c:Campaign {campaign_id: $id}) WHERE coalesce(c.status, '') <> 'deleted' "
        "SET c += $fields, c.updated_at = $now "
        "CREATE (c)-[:LOGGED]->(:CampaignEvent {at: $now, user: $user, action: $action, "
        "detail: $detail}) RETURN c.campaign_id AS id",
        {"id": campaign_id, "fields": _known(fields), "now": now, "user": user,
         "action": action, "detail": detail})
    return bool(rows)


def get_campaign(store: GraphStore, campaign_id: str) -> Row | None:
    """The campaign's fields (``campaign_id``, ``CAMPAIGN_FIELDS``, ``created_at``,
    ``created_by``, ``updated_at``), or ``None`` when there is none or it was deleted."""
    rows = store.read("MATCH (c:Campaign {campaign_id: $id}) "
                      "WHERE coalesce(c.status, '') <> 'deleted' " + _RETURN_CAMPAIGN,
                      {"id": campaign_id}).rows
    return rows[0] if rows else None


def list_campaigns(store: GraphStore) -> list[Row]:
    """Every campaign not deleted, most recently updated first, with ``kols`` (how many
    selected) besides the fields of ``get_campaign``."""
    return store.read(
        "MATCH (c:Campaign) WHERE coalesce(c.status, '') <> 'deleted' "
        "OPTIONAL MATCH (c)-[:SELECTS]->(p:Person) WITH c, count(p) AS kols "
        + _RETURN_CAMPAIGN + ", kols ORDER BY updated_at DESC, campaign_id").rows


def select_kols(store: GraphStore, campaign_id: str, costs: Mapping[str, float | None],
                user: str) -> list[str]:
    """Add the persons of ``costs`` (person id -> cost or ``None``) to the campaign's
    selection, or set the cost of those already in it; log it. Returns the ids that exist as
    persons (the others are left out)."""
    now = _now()
    rows = store.write(
        "MATCH (c:Campaign {campaign_id: $id}) WHERE coalesce(c.status, '') <> 'deleted' "
        "UNWIND $rows AS row MATCH (p:Person {person_id: row.person_id}) "
        "MERGE (c)-[s:SELECTS]->(p) ON CREATE SET s.added_at = $now, s.added_by = $user "
        "SET s.cost = row.cost RETURN p.person_id AS person_id",
        {"id": campaign_id, "now": now, "user": user,
         "rows": [{"person_id": p, "cost": c} for p, c in costs.items()]})
    found = [str(r["person_id"]) for r in rows]
    if found:
        _log(store, campaign_id, user, "select", ", ".join(found))
    return found


def deselect_kols(store: GraphStore, campaign_id: str, person_ids: Sequence[str],
                  user: str) -> int:
    """Remove the given persons from the campaign's selection and log it; returns how many
    were removed."""
    removed = store.write(
        "MATCH (c:Campaign {campaign_id: $id})-[s:SELECTS]->(p:Person) "
        "WHERE p.person_id IN $ids DELETE s RETURN count(*) AS removed",
        {"id": campaign_id, "ids": list(person_ids)})
    count = int(removed[0]["removed"]) if removed else 0
    if count:
        _log(store, campaign_id, user, "deselect", ", ".join(person_ids))
    return count


def selection(store: GraphStore, campaign_id: str) -> list[Row]:
    """The campaign's KOLs, highest ``kol_score`` first: ``person_id, display_name,
    community_id, kol_score, followers_total, cost, added_at, added_by, accounts`` (a list
    of ``{platform, handle, followers}``, most followed first)."""
    rows = store.read(
        "MATCH (c:Campaign {campaign_id: $id})-[s:SELECTS]->(p:Person) "
        "OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account) "
        "WITH p, s, a ORDER BY coalesce(a.followers, 0) DESC, a.account_key "
        "WITH p, s, collect({platform: a.platform, handle: a.account_id, "
        "followers: a.followers}) AS accounts "
        "RETURN p.person_id AS person_id, p.display_name AS display_name, "
        "p.community_id AS community_id, p.kol_score AS kol_score, "
        "p.followers_total AS followers_total, s.cost AS cost, s.added_at AS added_at, "
        "s.added_by AS added_by, accounts "
        "ORDER BY coalesce(kol_score, 0.0) DESC, person_id",
        {"id": campaign_id}).rows
    return [{**r, "accounts": [a for a in r["accounts"] if a.get("handle") is not None]}
            for r in rows]


def events(store: GraphStore, campaign_id: str) -> list[Row]:
    """The campaign's audit trail, oldest first: ``at, user, action, detail``."""
    return store.read(
        "MATCH (:Campaign {campaign_id: $id})-[:LOGGED]->(e:CampaignEvent) "
        "RETURN e.at AS at, e.user AS user, e.action AS action, e.detail AS detail "
        "ORDER BY at", {"id": campaign_id}).rows


def _now() -> str:
    """The current UTC time, ISO-8601 to the microsecond (audit events sort by it)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_event(store: GraphStore, campaign_id: str, user: str, action: str,
              detail: str) -> None:
    """Record ``action``/``detail`` by ``user`` in the campaign's trail."""
    _log(store, campaign_id, user, action, detail)


def _log(store: GraphStore, campaign_id: str, user: str, action: str, detail: str) -> None:
    now = _now()
    store.write(
        "MATCH (c:Campaign {campaign_id: $id}) SET c.updated_at = $now "
        "CREATE (c)-[:LOGGED]->(:CampaignEvent {at: $now, user: $user, action: $action, "
        "detail: $detail})",
        {"id": campaign_id, "now": now, "user": user, "action": action, "detail": detail})


def _known(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"not campaign fields: {sorted(unknown)}")
    return dict(fields)
