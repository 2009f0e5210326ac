"""Every query of the ingest: reading the accounts already in the graph, idempotent upserts
of platforms, accounts, persons, contents and topics, and event batches applied together
with their ledger entry (``IngestBatch``) in one query, hence atomically.

All queries are valid for both FalkorDB and Neo4j 5.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from graph.store.base import GraphStore, Progress, Row

BATCH = 10_000


def existing_accounts(store: GraphStore) -> Iterator[list[Row]]:
    """The accounts in the graph, in batches: account_key, platform, display_name,
    followers, identity_hashes, person_id."""
    yield from store.stream(
        "MATCH (a:Account) WHERE id(a) >= $lo AND id(a) < $hi "
        "OPTIONAL MATCH (p:Person)-[:HAS_ACCOUNT]->(a) "
        "RETURN a.account_key AS account_key, a.platform AS platform, "
        "a.display_name AS display_name, a.followers AS followers, "
        "a.identity_hashes AS identity_hashes, p.person_id AS person_id",
        anchor_label="Account", batch_size=100_000)


def upsert_platforms(store: GraphStore, names: Iterable[str]) -> None:
    """MERGE one Platform per name."""
    store.write("UNWIND $rows AS name MERGE (:Platform {name: name})",
                {"rows": sorted(set(names))})


_ACCOUNTS = (
    "UNWIND $rows AS row "
    "MERGE (a:Account {account_key: row.account_key}) "
    "SET a.platform = row.platform, a.account_id = row.account_id, "
    "a.display_name = row.display_name, a.followers = row.followers, "
    "a.created_at = row.created_at, a.identity_hashes = row.identity_hashes "
    "WITH a, row MATCH (p:Platform {name: row.platform}) MERGE (a)-[:ON]->(p)"
)

_STUB_ACCOUNTS = (
    "UNWIND $rows AS row "
    "MERGE (a:Account {account_key: row.account_key}) "
    "ON CREATE SET a.platform = row.platform, a.account_id = row.account_id, "
    "a.display_name = row.account_id, a.followers = 0, a.identity_hashes = [] "
    "WITH a, row MATCH (p:Platform {name: row.platform}) MERGE (a)-[:ON]->(p)"
)


def upsert_accounts(store: GraphStore, rows: Sequence[Row], progress: Progress | None = None
                    ) -> None:
    """MERGE accounts from the accounts files and SET their properties (rows: account_key,
    platform, account_id, display_name, followers, created_at, identity_hashes)."""
    store.write_batches(_ACCOUNTS, rows, batch_size=BATCH, progress=progress)


def ensure_accounts(store: GraphStore, rows: Sequence[Row]) -> None:
    """MERGE accounts seen only in events (rows: account_key, platform, account_id); an
    existing account keeps its properties."""
    store.write_batches(_STUB_ACCOUNTS, rows, batch_size=BATCH)


_ASSIGN = (
    "UNWIND $rows AS row "
    "MATCH (a:Account {account_key: row.account_key}) "
    "MERGE (p:Person {person_id: row.person_id}) "
    "WITH a, p "
    "OPTIONAL MATCH (old:Person)-[h:HAS_ACCOUNT]->(a) WHERE old.person_id <> p.person_id "
    "DELETE h "
    "WITH DISTINCT a, p "
    "MERGE (p)-[:HAS_ACCOUNT]->(a)"
)


def assign_persons(store: GraphStore, rows: Sequence[Row]) -> None:
    """Point each account at its person (rows: account_key, person_id), moving it away from
    any other person in the same query."""
    store.write_batches(_ASSIGN, rows, batch_size=BATCH)


def delete_empty_persons(store: GraphStore, person_ids: Sequence[str]) -> int:
    """Delete those of ``person_ids`` that no longer have an account; return how many."""
    deleted = 0
    for start in range(0, len(person_ids), BATCH):
        rows = store.write(
            "UNWIND $ids AS pid MATCH (p:Person {person_id: pid}) "
            "WHERE NOT (p)-[:HAS_ACCOUNT]->() DETACH DELETE p RETURN count(*) AS n",
            {"ids": list(person_ids[start:start + BATCH])})
        deleted += int(rows[0]["n"]) if rows else 0
    return deleted


def update_persons(store: GraphStore, rows: Sequence[Row]) -> None:
    """SET display_name, platforms, followers_total (rows: person_id and those three)."""
    store.write_batches(
        "UNWIND $rows AS row MATCH (p:Person {person_id: row.person_id}) "
        "SET p.display_name = row.display_name, p.platforms = row.platforms, "
        "p.followers_total = row.followers_total", rows, batch_size=BATCH)


def upsert_contents(store: GraphStore, rows: Sequence[Row]) -> None:
    """MERGE contents, their creator (CREATED) and topic (ABOUT). Rows: content_key,
    platform, content_id, title, kind, price, creator, topic ('' for none)."""
    store.write_batches(
        "UNWIND $rows AS row "
        "MERGE (c:Content {content_key: row.content_key}) "
        "SET c.platform = row.platform, c.content_id = row.content_id, c.title = row.title, "
        "c.kind = row.kind, c.price = row.price "
        "WITH c, row MATCH (a:Account {account_key: row.creator}) MERGE (a)-[:CREATED]->(c)",
        rows, batch_size=BATCH)
    topics = [r for r in rows if r["topic"]]
    store.write("UNWIND $rows AS name MERGE (:Topic {name: name})",
                {"rows": sorted({r["topic"] for r in topics})})
    store.write_batches(
        "UNWIND $rows AS row MATCH (c:Content {content_key: row.content_key}) "
        "MATCH (t:Topic {name: row.topic}) MERGE (c)-[:ABOUT]->(t)",
        [{"content_key": r["content_key"], "topic": r["topic"]} for r in topics],
        batch_size=BATCH)


def ensure_contents(store: GraphStore, rows: Sequence[Row]) -> None:
    """MERGE contents seen only in engagements (rows: content_key, platform, content_id)."""
    store.write_batches(
        "UNWIND $rows AS row MERGE (c:Content {content_key: row.content_key}) "
        "ON CREATE SET c.platform = row.platform, c.content_id = row.content_id, "
        "c.title = '', c.kind = '', c.price = 0.0", rows, batch_size=BATCH)


def loaded_batches(store: GraphStore, keys: Sequence[str]) -> set[str]:
    """Those of ``keys`` already in the ledger."""
    found: set[str] = set()
    for start in range(0, len(keys), BATCH):
        result = store.read(
            "UNWIND $keys AS k MATCH (b:IngestBatch {batch_key: k}) RETURN b.batch_key AS k",
            {"keys": list(keys[start:start + BATCH])})
        found.update(r["k"] for r in result.rows)
    return found


_LEDGER = (" WITH count(*) AS n MERGE (b:IngestBatch {batch_key: $key}) "
           "SET b.kind = $kind, b.events = $events, b.run_id = $run_id")

_EVENT_QUERIES = {
    "follows": (
        "UNWIND $rows AS row "
        "MATCH (a:Account {account_key: row.s}) MATCH (b:Account {account_key: row.d}) "
        "MERGE (a)-[r:FOLLOWS]->(b) "
        "ON CREATE SET r.since = row.f "
        "ON MATCH SET r.since = CASE WHEN row.f < r.since THEN row.f ELSE r.since END"
    ),
    "interacted": (
        "UNWIND $rows AS row "
        "MATCH (a:Account {account_key: row.s}) MATCH (b:Account {account_key: row.d}) "
        "MERGE (a)-[r:INTERACTED {type: row.t}]->(b) "
        "ON CREATE SET r.count = row.c, r.first_at = row.f, r.last_at = row.l "
        "ON MATCH SET r.count = r.count + row.c, "
        "r.first_at = CASE WHEN row.f < r.first_at THEN row.f ELSE r.first_at END, "
        "r.last_at = CASE WHEN row.l > r.last_at THEN row.l ELSE r.last_at END"
    ),
    "engaged": (
        "UNWIND $rows AS row "
        "MATCH (a:Account {account_key: row.a}) MATCH (c:Content {content_key: row.k}) "
        "MERGE (a)-[r:ENGAGED {type: row.t}]->(c) "
        "ON CREATE SET r.count = row.c, r.last_at = row.l, r.amount = row.m "
        "ON MATCH SET r.count = r.count + row.c, r.amount = r.amount + row.m, "
        "r.last_at = CASE WHEN row.l > r.last_at THEN row.l ELSE r.last_at END"
    ),
}


def apply_event_batch(store: GraphStore, kind: str, key: str, events: int,
                      rows: list[dict[str, Any]], run_id: str) -> None:
    """Apply one event batch and record ``key`` in the ledger, in one query (all or
    nothing). The caller skips keys that ``loaded_batches`` reports."""
    store.write(_EVENT_QUERIES[kind] + _LEDGER,
                {"rows": rows, "key": key, "kind": kind, "events": events, "run_id": run_id})
