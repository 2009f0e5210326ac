"""Every query of the ingest: reading the accounts already in the graph, idempotent upserts
of platforms, accounts, persons, contents and topics, and event batches applied together
with their ledger entry (``IngestBatch``) in one query, hence atomically.

All queries are valid for both FalkorDB and Neo4j 5.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd

from graph.store.base import GraphStore, Progress, Row
from graph.store.cypher_literal import Table

BATCH = 10_000
#: Rows per event query when several day batches are written together.
EVENT_ROWS = 50_000


def _rows_param(store: GraphStore, frame: pd.DataFrame, columns: Sequence[str]
                ) -> Table | list[list[object]]:
    """``frame[columns]`` as the ``$rows`` parameter: a ``Table`` (serialised column-wise)
    on FalkorDB, a list of lists elsewhere. Queries read a row's values by position."""
    table = Table([frame[c] for c in columns])
    return table if store.dialect == "falkordb" else table.rows()


Job = tuple[str, dict[str, object], object]


def write_pipelined(store: GraphStore, jobs: Iterable[Job],
                    done: Callable[[object], None] | None = None) -> None:
    """Run the write ``jobs`` (query, parameters, tag) in order, one at a time, preparing
    the next job (whatever the iterator computes, and the serialisation of its ``Table``
    parameters) in this thread while the database runs the current one; ``done(tag)`` is
    called once a job's query has succeeded. The first error stops the run and is raised
    here."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write") as pool:
        pending: tuple[Future[list[Row]], object] | None = None
        for query, params, tag in jobs:
            if store.dialect == "falkordb":
                for value in params.values():
                    if isinstance(value, Table):
                        value.literal()
            if pending is not None:
                pending[0].result()
                if done:
                    done(pending[1])
            pending = (pool.submit(store.write, query, params), tag)
        if pending is not None:
            pending[0].result()
            if done:
                done(pending[1])


def write_frame(store: GraphStore, query: str, frame: pd.DataFrame, columns: Sequence[str],
                batch_size: int = BATCH, progress: Progress | None = None) -> None:
    """Run ``query`` (which reads ``$rows``: lists in the order of ``columns``) on
    ``frame`` in batches of ``batch_size`` rows (pipelined: see ``write_pipelined``)."""
    def jobs() -> Iterator[Job]:
        for start in range(0, len(frame), batch_size):
            part = frame.iloc[start:start + batch_size]
            yield query, {"rows": _rows_param(store, part, columns)}, len(part)

    write_pipelined(store, jobs(), progress)  # type: ignore[arg-type]


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


#: Account rows: account_key, platform, account_id, display_name, followers, created_at
#: (null when unknown), identity_hashes.
ACCOUNT_COLUMNS = ["account_key", "platform", "account_id", "display_name", "followers",
                   "created_at", "identity_hashes"]
_ACCOUNTS = (
    "UNWIND $rows AS row "
    "MERGE (a:Account {account_key: row[0]}) "
    "SET a.platform = row[1], a.account_id = row[2], a.display_name = row[3], "
    "a.followers = row[4], a.created_at = row[5], a.identity_hashes = row[6] "
    "WITH a, row MATCH (p:Platform {name: row[1]}) MERGE (a)-[:ON]->(p)"
)

_ON_NEW = " WITH a, row MATCH (pl:Platform {name: row[1]}) CREATE (a)-[:ON]->(pl) "

#: Accounts known to be absent from the graph: plain CREATE of the node, its ON and its
#: HAS_ACCOUNT (rows end with the person_id; the Person exists already).
_NEW_ACCOUNTS = (
    "UNWIND $rows AS row "
    "CREATE (a:Account {account_key: row[0], platform: row[1], account_id: row[2], "
    "display_name: row[3], followers: row[4], created_at: row[5], identity_hashes: row[6]})"
    + _ON_NEW + "WITH a, row MATCH (p:Person {person_id: row[7]}) CREATE (p)-[:HAS_ACCOUNT]->(a)"
)

STUB_COLUMNS = ["account_key", "platform", "account_id"]
_NEW_STUBS = (
    "UNWIND $rows AS row "
    "CREATE (a:Account {account_key: row[0], platform: row[1], account_id: row[2], "
    "display_name: row[2], followers: 0, identity_hashes: []})" + _ON_NEW
    + "WITH a, row MATCH (p:Person {person_id: row[3]}) CREATE (p)-[:HAS_ACCOUNT]->(a)"
)
_STUB_ACCOUNTS = (
    "UNWIND $rows AS row "
    "MERGE (a:Account {account_key: row[0]}) "
    "ON CREATE SET a.platform = row[1], a.account_id = row[2], "
    "a.display_name = row[2], a.followers = 0, a.identity_hashes = [] "
    "WITH a, row MATCH (p:Platform {name: row[1]}) MERGE (a)-[:ON]->(p)"
)


def upsert_accounts(store: GraphStore, frame: pd.DataFrame, absent: np.ndarray,
                    progress: Progress | None = None) -> None:
    """MERGE accounts from the accounts files and SET their properties (``frame`` has
    ``ACCOUNT_COLUMNS`` and ``person_id``). The rows of ``absent`` (accounts the caller
    read as not in the graph) are CREATEd together with their ``HAS_ACCOUNT`` from their
    (existing) person, which skips the key lookups; the others keep their person here
    (``assign_persons`` moves them)."""
    write_frame(store, _NEW_ACCOUNTS, frame[absent], [*ACCOUNT_COLUMNS, "person_id"],
                progress=progress)
    write_frame(store, _ACCOUNTS, frame[~absent], ACCOUNT_COLUMNS, progress=progress)


def ensure_accounts(store: GraphStore, frame: pd.DataFrame, absent: np.ndarray) -> None:
    """MERGE accounts seen only in events (``frame`` has ``STUB_COLUMNS`` and
    ``person_id``); an existing account keeps its properties. Rows of ``absent`` are
    CREATEd with their ``HAS_ACCOUNT`` (see ``upsert_accounts``)."""
    write_frame(store, _NEW_STUBS, frame[absent], [*STUB_COLUMNS, "person_id"])
    write_frame(store, _STUB_ACCOUNTS, frame[~absent], STUB_COLUMNS)


_ASSIGN = (
    "UNWIND $rows AS row "
    "MATCH (a:Account {account_key: row[0]}) "
    "MERGE (p:Person {person_id: row[1]}) "
    "WITH a, p "
    "OPTIONAL MATCH (old:Person)-[h:HAS_ACCOUNT]->(a) WHERE old.person_id <> p.person_id "
    "DELETE h "
    "WITH DISTINCT a, p "
    "MERGE (p)-[:HAS_ACCOUNT]->(a)"
)

_ASSIGN_NEW = (
    "UNWIND $rows AS row "
    "MATCH (a:Account {account_key: row[0]}) "
    "MATCH (p:Person {person_id: row[1]}) "
    "CREATE (p)-[:HAS_ACCOUNT]->(a)"
)


def assign_persons(store: GraphStore, frame: pd.DataFrame, unowned: np.ndarray) -> None:
    """Point each account at its person (``frame``: account_key, person_id), moving it
    away from any other person in the same query. ``unowned`` marks the accounts known to
    have no person yet (no HAS_ACCOUNT to remove or to merge on): those are linked with a
    plain CREATE to their person, which must exist (``upsert_persons``)."""
    cols = ["account_key", "person_id"]
    write_frame(store, _ASSIGN_NEW, frame[unowned], cols)
    write_frame(store, _ASSIGN, frame[~unowned], cols)


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


def upsert_persons(store: GraphStore, frame: pd.DataFrame) -> None:
    """MERGE persons and SET display_name, platforms, followers_total (``frame``:
    person_id and those three)."""
    write_frame(
        store,
        "UNWIND $rows AS row MERGE (p:Person {person_id: row[0]}) "
        "SET p.display_name = row[1], p.platforms = row[2], p.followers_total = row[3]",
        frame, ["person_id", "display_name", "platforms", "followers_total"])


def upsert_contents(store: GraphStore, frame: pd.DataFrame) -> None:
    """MERGE contents, their creator (CREATED) and topic (ABOUT). ``frame``: content_key,
    platform, content_id, title, kind, price, creator, topic ('' for none)."""
    write_frame(
        store,
        "UNWIND $rows AS row "
        "MERGE (c:Content {content_key: row[0]}) "
        "SET c.platform = row[1], c.content_id = row[2], c.title = row[3], "
        "c.kind = row[4], c.price = row[5] "
        "WITH c, row MATCH (a:Account {account_key: row[6]}) MERGE (a)-[:CREATED]->(c)",
        frame, ["content_key", "platform", "content_id", "title", "kind", "price", "creator"])
    topics = frame[frame["topic"] != ""]
    store.write("UNWIND $rows AS name MERGE (:Topic {name: name})",
                {"rows": sorted(set(topics["topic"]))})
    write_frame(
        store,
        "UNWIND $rows AS row MATCH (c:Content {content_key: row[0]}) "
        "MATCH (t:Topic {name: row[1]}) MERGE (c)-[:ABOUT]->(t)",
        topics, ["content_key", "topic"])


def ensure_contents(store: GraphStore, frame: pd.DataFrame) -> None:
    """MERGE contents seen only in engagements (``frame``: content_key, platform,
    content_id)."""
    write_frame(
        store,
        "UNWIND $rows AS row MERGE (c:Content {content_key: row[0]}) "
        "ON CREATE SET c.platform = row[1], c.content_id = row[2], "
        "c.title = '', c.kind = '', c.price = 0.0",
        frame, ["content_key", "platform", "content_id"])


def loaded_batches(store: GraphStore, keys: Sequence[str]) -> set[str]:
    """Those of ``keys`` already in the ledger."""
    found: set[str] = set()
    for start in range(0, len(keys), BATCH):
        result = store.read(
            "UNWIND $keys AS k MATCH (b:IngestBatch {batch_key: k}) RETURN b.batch_key AS k",
            {"keys": list(keys[start:start + BATCH])})
        found.update(r["k"] for r in result.rows)
    return found


#: Relationship type written by each event kind.
EVENT_TYPES = {"follows": "FOLLOWS", "interacted": "INTERACTED", "engaged": "ENGAGED"}


def has_relationships(store: GraphStore, kind: str) -> bool:
    """False when the graph can hold no relationship of event ``kind``: its ledger has no
    batch of that kind. Only ``apply_event_batches`` writes these relationship types, and
    always in the same query as the batches' ledger entries, so no ledger entry means no
    relationship (a scan of the relationships themselves is much slower)."""
    rows = store.read("MATCH (b:IngestBatch) WHERE b.kind = $kind RETURN 1 AS one LIMIT 1",
                      {"kind": kind}).rows
    return bool(rows)


#: Event rows by kind, in query order (see graph.ingest.events).
EVENT_COLUMNS = {
    "follows": ["s", "d", "f"],
    "interacted": ["s", "d", "t", "c", "f", "l"],
    "engaged": ["a", "k", "t", "c", "l", "m"],
}

_MATCH_ENDS = {
    "follows": "MATCH (a:Account {account_key: row[0]}) MATCH (b:Account {account_key: row[1]}) ",
    "interacted": ("MATCH (a:Account {account_key: row[0]}) "
                   "MATCH (b:Account {account_key: row[1]}) "),
    "engaged": ("MATCH (a:Account {account_key: row[0]}) "
                "MATCH (c:Content {content_key: row[1]}) "),
}

#: Relationships that the run proves absent: a plain CREATE.
_CREATE = {
    "follows": "CREATE (a)-[:FOLLOWS {since: row[2]}]->(b)",
    "interacted": ("CREATE (a)-[:INTERACTED {type: row[2], count: row[3], first_at: row[4], "
                   "last_at: row[5]}]->(b)"),
    "engaged": ("CREATE (a)-[:ENGAGED {type: row[2], count: row[3], last_at: row[4], "
                "amount: row[5]}]->(c)"),
}

#: Relationships that may exist: MERGE and accumulate.
_MERGE = {
    "follows": (
        "MERGE (a)-[r:FOLLOWS]->(b) "
        "ON CREATE SET r.since = row[2] "
        "ON MATCH SET r.since = CASE WHEN row[2] < r.since THEN row[2] ELSE r.since END"
    ),
    "interacted": (
        "MERGE (a)-[r:INTERACTED {type: row[2]}]->(b) "
        "ON CREATE SET r.count = row[3], r.first_at = row[4], r.last_at = row[5] "
        "ON MATCH SET r.count = r.count + row[3], "
        "r.first_at = CASE WHEN row[4] < r.first_at THEN row[4] ELSE r.first_at END, "
        "r.last_at = CASE WHEN row[5] > r.last_at THEN row[5] ELSE r.last_at END"
    ),
    "engaged": (
        "MERGE (a)-[r:ENGAGED {type: row[2]}]->(c) "
        "ON CREATE SET r.count = row[3], r.last_at = row[4], r.amount = row[5] "
        "ON MATCH SET r.count = r.count + row[3], r.amount = r.amount + row[5], "
        "r.last_at = CASE WHEN row[4] > r.last_at THEN row[4] ELSE r.last_at END"
    ),
}

_LEDGER = (" WITH count(*) AS n UNWIND $ledger AS entry "
           "MERGE (b:IngestBatch {batch_key: entry[0]}) "
           "SET b.kind = $kind, b.events = entry[1], b.run_id = $run_id")


def event_batches_job(store: GraphStore, kind: str, ledger: Sequence[tuple[str, int]],
                      created: pd.DataFrame, merged: pd.DataFrame, run_id: str
                      ) -> tuple[str, dict[str, object]]:
    """The query and parameters that apply event rows and record the ``ledger`` entries
    (batch key, events) in one query (all or nothing); run it with ``write_pipelined``.
    ``created`` holds relationships known to be absent from the graph (written with
    CREATE), ``merged`` the others (MERGE, counts and times accumulated); both have
    ``EVENT_COLUMNS[kind]``. The caller skips keys that ``loaded_batches`` reports."""
    cols = EVENT_COLUMNS[kind]
    query = (
        "UNWIND $created AS row " + _MATCH_ENDS[kind] + _CREATE[kind]
        + " WITH count(*) AS n UNWIND $merged AS row " + _MATCH_ENDS[kind] + _MERGE[kind]
        + _LEDGER)
    return query, {"created": _rows_param(store, created, cols),
                   "merged": _rows_param(store, merged, cols),
                   "ledger": [[k, int(e)] for k, e in ledger],
                   "kind": kind, "run_id": run_id}
