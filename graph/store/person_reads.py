"""Reads of the person page beyond the person itself: one content (the page a recommended
course links to) and a person's activity over time (engagement on their contents and the
conversions attributed to them). Parameterised; valid in FalkorDB and Neo4j 5.

The attribution is the one of ``cypher/library/conversion_attribution.cypher``: a purchase
(or subscription) of a content the person shared counts when it was made within
``window_days`` after the share, by someone else with a follow or interaction towards the
person made before it. The graph keeps the last time of each (account, content, type), so a
repeated engagement, share or purchase counts once, at its last time.
"""

from __future__ import annotations

from graph.store.base import GraphStore, Row

#: Engagement types that are conversions (the rest are engagement).
CONVERSION_TYPES: tuple[str, ...] = ("purchase", "subscribe")
#: Activity is counted in buckets of this many seconds: every time zone's offset is a
#: multiple of 15 minutes, so the buckets fall into one month in any time zone.
BUCKET_S = 900


def content(store: GraphStore, content_key: str) -> Row | None:
    """One content: ``content_key, platform, content_id, title, kind, price, topics``
    (names, sorted), ``creators`` (``person_id, display_name``; by name), ``engagement``
    (``type, accounts, events`` per engagement type, most accounts first) and ``buyers``
    (distinct persons who bought or subscribed); ``None`` when there is no such content."""
    rows = store.read(
        "MATCH (c:Content {content_key: $key}) OPTIONAL MATCH (c)-[:ABOUT]->(t:Topic) "
        "RETURN c.content_key AS content_key, c.platform AS platform, "
        "c.content_id AS content_id, c.title AS title, c.kind AS kind, c.price AS price, "
        "collect(DISTINCT t.name) AS topics", {"key": content_key}).rows
    if not rows:
        return None
    out = dict(rows[0])
    out["topics"] = sorted(t for t in out["topics"] if t is not None)
    out["creators"] = store.read(
        "MATCH (c:Content {content_key: $key})<-[:CREATED]-(:Account)<-[:HAS_ACCOUNT]-"
        "(p:Person) RETURN DISTINCT p.person_id AS person_id, p.display_name AS display_name "
        "ORDER BY display_name, person_id", {"key": content_key}).rows
    out["engagement"] = [{**e, "accounts": int(e["accounts"] or 0),
                          "events": int(e["events"] or 0)} for e in store.read(
        "MATCH (c:Content {content_key: $key})<-[e:ENGAGED]-(a:Account) "
        "RETURN e.type AS type, count(DISTINCT a) AS accounts, sum(coalesce(e.count, 1)) "
        "AS events ORDER BY accounts DESC, type", {"key": content_key}).rows]
    out["buyers"] = int(store.scalar(
        "MATCH (c:Content {content_key: $key})<-[e:ENGAGED]-(:Account)<-[:HAS_ACCOUNT]-"
        "(p:Person) WHERE e.type IN $types RETURN count(DISTINCT p) AS n",
        {"key": content_key, "types": list(CONVERSION_TYPES)}) or 0)
    return out


_ACTIVITY = (
    "MATCH (p:Person {person_id: $id})-[:HAS_ACCOUNT]->(:Account)-[:CREATED]->(c:Content)"
    "<-[e:ENGAGED]-(:Account) "
    "WHERE NOT e.type IN $types AND e.last_at IS NOT NULL "
    "RETURN 'engagement' AS series, toInteger(floor(e.last_at / $bucket)) AS bucket, "
    "count(e) AS n "
    "UNION ALL "
    "MATCH (kol:Person {person_id: $id})-[:HAS_ACCOUNT]->(:Account)"
    "-[sh:ENGAGED {type: 'share'}]->(c:Content) "
    "WITH kol, c, min(sh.last_at) AS shared_at "
    "MATCH (c)<-[buy:ENGAGED]-(:Account)<-[:HAS_ACCOUNT]-(buyer:Person) "
    "WHERE buy.type IN $types AND buyer.person_id <> kol.person_id "
    "AND buy.last_at >= shared_at AND buy.last_at <= shared_at + $window_days * 86400 "
    "WITH kol, c, buyer, min(buy.last_at) AS purchased_at "
    "MATCH (buyer)-[:HAS_ACCOUNT]->(:Account)-[tie:FOLLOWS|INTERACTED]->(:Account)"
    "<-[:HAS_ACCOUNT]-(kol) "
    "WITH c, buyer, purchased_at, min(coalesce(tie.since, tie.first_at)) AS tied_since "
    "WHERE tied_since <= purchased_at "
    "RETURN 'conversion' AS series, toInteger(floor(purchased_at / $bucket)) AS bucket, "
    "count(*) AS n"
)


def person_activity(store: GraphStore, person_id: str, window_days: int = 7) -> list[Row]:
    """A person's activity in ``BUCKET_S`` buckets (``bucket * BUCKET_S`` = epoch seconds):
    ``series`` (``engagement``: engagement records, purchases and subscriptions aside, on
    the contents the person's accounts created, by their last time; ``conversion``: attributed
    purchases and subscriptions, one per content and buyer, at the first of them), ``bucket``,
    ``n``. One read; empty buckets are absent."""
    return store.read(_ACTIVITY, {"id": person_id, "types": list(CONVERSION_TYPES),
                                  "bucket": float(BUCKET_S),
                                  "window_days": int(window_days)}).rows
