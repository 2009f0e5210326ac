"""Every query of the ingest: reading the accounts already in the graph, idempotent upserts
of platforms, accounts, persons, contents and topics, and event batches applied together
with their ledger entry (``IngestBatch``) in one query, hence atomically.

All queries are valid for both FalkorDB and Neo4j 5, and every write goes through the
store's ``bulk`` capability (``graph.store.bulk``): nothing here asks which database it
talks to. Where the store hands out node ids (``store.bulk.node_ids``), nodes are read with
their ids, created in bulk from ``BULK_NODES`` on, and linked by id; elsewhere every node is
found by its key. Query rows are lists (a ``Table``), read by position inside the queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from graph.store.base import GraphStore, Progress, Row, StoreError
from graph.store.bulk import NodeIdAccess, Relationships
from graph.store.cypher_literal import Table

BATCH = 10_000
#: From this many new nodes of a label on, where the store hands out node ids, they are
#: created with ``NodeIdAccess.create_nodes`` (the embedded FalkorDB: ``GRAPH.BULK``, and
#: their ids read back with one scan of the label); fewer are created by query.
BULK_NODES = 50_000


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> Table:
    """``frame[columns]`` as a ``$rows`` parameter (lists of values in the order of
    ``columns``; the store's ``bulk.prepare`` sends it as its database takes it best)."""
    return Table([frame[c] for c in columns])


@dataclass
class Job:
    """One write of a pipelined run: ``query`` with ``params``; ``relationships`` (between
    nodes given by id) are created in the same transaction as the query; ``tag`` is handed
    to the caller's ``done`` once the write has succeeded."""

    query: str
    params: dict[str, object]
    tag: object
    relationships: Relationships | None = None


def write_pipelined(store: GraphStore, jobs: Iterable[Job],
                    done: Callable[[object], None] | None = None,
                    returned: Callable[[list[Row]], None] | None = None) -> None:
    """Run the write ``jobs`` in order, one at a time, preparing the next job (whatever the
    iterator computes, and ``store.bulk.prepare``: the serialisation of its parameters) in
    this thread while the database runs the current one; ``done(tag)`` is called once a
    job's write has succeeded, and ``returned(rows)`` with the rows each query returned,
    when given. The first error stops the run and is raised here."""
    def finish(future: Future[list[Row]], tag: object) -> None:
        rows = future.result()
        if returned is not None:
            returned(rows)
        if done:
            done(tag)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write") as pool:
        pending: tuple[Future[list[Row]], object] | None = None
        for job in jobs:
            send = store.bulk.prepare(job.query, job.params, job.relationships)
            if pending is not None:
                finish(*pending)
            pending = (pool.submit(send), job.tag)
        if pending is not None:
            finish(*pending)


def write_frame(store: GraphStore, query: str, frame: pd.DataFrame, columns: Sequence[str],
                batch_size: int = BATCH, progress: Progress | None = None) -> pd.Series:
    """Run ``query`` (which reads ``$rows``: lists in the order of ``columns``) on
    ``frame`` in batches of ``batch_size`` rows (pipelined: see ``write_pipelined``);
    return the node ids that a query of ``_with_ids`` returned, indexed by key, in order
    (empty for other queries). Each batch's rows become arrays as they arrive."""
    def jobs() -> Iterator[Job]:
        for start in range(0, len(frame), batch_size):
            part = frame.iloc[start:start + batch_size]
            yield Job(query, {"rows": _rows(part, columns)}, len(part))

    ids: list[pd.Series] = []
    write_pipelined(store, jobs(), progress,  # type: ignore[arg-type]
                    lambda rows: ids.append(_id_series(rows)) if rows else None)
    return pd.concat(ids) if ids else _id_series([])


def _with_ids(store: GraphStore, query: str, var: str) -> str:
    """``query`` returning each row's key (``row[0]``) and its node's id, where the store
    hands out node ids."""
    if store.bulk.node_ids is None:
        return query
    return f"{query} RETURN row[0] AS key, id({var}) AS node_id"


def _id_series(rows: list[Row]) -> pd.Series:
    return pd.Series([r["node_id"] for r in rows], index=[r["key"] for r in rows],
                     dtype=np.int64)


def _create_relationships(store: GraphStore, rel_type: str, src: np.ndarray,
                          dst: np.ndarray) -> None:
    """Create ``rel_type`` relationships (no properties) from node ids ``src`` to ``dst``."""
    store.bulk.create_relationships(Relationships(rel_type, src, dst))


#: The columns of ``existing_accounts``.
EXISTING_COLUMNS = ["account_key", "platform", "account_id", "display_name", "followers",
                    "created_at", "identity_hashes", "person_id", "node_id", "on_platform"]
_EXISTING = ("MATCH (a:Account) WHERE id(a) >= $lo AND id(a) < $hi "
             "OPTIONAL MATCH (p:Person)-[:HAS_ACCOUNT]->(a) "
             "OPTIONAL MATCH (a)-[on:ON]->(:Platform) ")


def existing_accounts(store: GraphStore) -> pd.DataFrame:
    """The accounts in the graph (``EXISTING_COLUMNS``): account_key, platform, account_id,
    display_name, followers (0 where absent), created_at (-1 where absent),
    identity_hashes (a list), person_id (None without one), node_id (None where the store
    hands out no node ids), on_platform (whether it has its ON relationship)."""
    ids = store.bulk.node_ids
    if ids is None:
        rows = [r for batch in store.stream(
            _EXISTING + "RETURN a.account_key AS account_key, a.platform AS platform, "
            "coalesce(a.account_id, '') AS account_id, "
            "coalesce(a.display_name, '') AS display_name, "
            "coalesce(a.followers, 0) AS followers, coalesce(a.created_at, -1) AS created_at, "
            "coalesce(a.identity_hashes, []) AS identity_hashes, p.person_id AS person_id, "
            "null AS node_id, on IS NOT NULL AS on_platform",
            anchor_label="Account", batch_size=100_000) for r in batch]
        return pd.DataFrame(rows, columns=EXISTING_COLUMNS).astype(
            {"followers": np.int64, "created_at": np.int64})
    values = ids.read_columns("Account", _EXISTING, {
        "account_key": "a.account_key", "platform": "a.platform",
        "account_id": "coalesce(a.account_id, '')",
        "display_name": "coalesce(a.display_name, '')",
        "followers": "toString(coalesce(a.followers, 0))",
        "created_at": "toString(coalesce(a.created_at, -1))",
        "identity_hashes": "coalesce(a.identity_hashes, [])",
        "person_id": "coalesce(p.person_id, '')", "node_id": "toString(id(a))",
        "on_platform": "CASE WHEN on IS NULL THEN '0' ELSE '1' END",
    }, lists=["identity_hashes"])
    frame = pd.DataFrame(values, columns=EXISTING_COLUMNS).astype(
        {"followers": np.int64, "created_at": np.int64, "node_id": np.int64})
    frame["person_id"] = frame["person_id"].where(frame["person_id"] != "", None)
    frame["on_platform"] = frame["on_platform"] == "1"
    return frame


#: The columns of ``existing_persons``.
PERSON_STATE = ["person_id", "display_name", "platforms", "followers_total", "search_key",
                "node_id"]


def existing_persons(store: GraphStore) -> pd.DataFrame:
    """Every Person in the graph (``PERSON_STATE``; node_id None where the store hands out
    no node ids), with or without accounts."""
    match = "MATCH (p:Person) WHERE id(p) >= $lo AND id(p) < $hi "
    ids = store.bulk.node_ids
    if ids is None:
        rows = [r for batch in store.stream(
            match + "RETURN p.person_id AS person_id, p.display_name AS display_name, "
            "p.platforms AS platforms, p.followers_total AS followers_total, "
            "coalesce(p.search_key, '') AS search_key, null AS node_id",
            anchor_label="Person", batch_size=100_000) for r in batch]
        return pd.DataFrame(rows, columns=PERSON_STATE)
    values = ids.read_columns("Person", match, {
        "person_id": "p.person_id", "display_name": "coalesce(p.display_name, '')",
        "platforms": "toString(coalesce(p.platforms, -1))",
        "followers_total": "toString(coalesce(p.followers_total, -1))",
        "search_key": "coalesce(p.search_key, '')",
        "node_id": "toString(id(p))"})
    return pd.DataFrame(values, columns=PERSON_STATE).astype(
        {"platforms": np.int64, "followers_total": np.int64, "node_id": np.int64})


#: Writes (nodes and event rows) from which an ingest ends by compacting the database.
COMPACT_AFTER = 1_000_000


def compact_after_large_write(store: GraphStore, written: int) -> None:
    """After an ingest that wrote ``written`` nodes and events, from ``COMPACT_AFTER`` on:
    ``store.compact()`` (the embedded server rewrites its append-only file in the
    background: a restart after the 1M sample then loads a snapshot instead of replaying
    every write of the ingest)."""
    if written >= COMPACT_AFTER:
        store.compact()


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

#: ``_NEW_ACCOUNTS`` with the platform and the person found by node id (FalkorDB): rows
#: are ``ACCOUNT_COLUMNS``, the platform's node id, the person's node id.
_NEW_ACCOUNTS_BY_ID = (
    "UNWIND $rows AS row WITH row, row[7] AS platform, row[8] AS person "
    "MATCH (pl) WHERE id(pl) = platform MATCH (p) WHERE id(p) = person "
    "CREATE (p)-[:HAS_ACCOUNT]->(a:Account {account_key: row[0], platform: row[1], "
    "account_id: row[2], display_name: row[3], followers: row[4], created_at: row[5], "
    "identity_hashes: row[6]})-[:ON]->(pl)"
)

STUB_COLUMNS = ["account_key", "platform", "account_id"]
_NEW_STUBS_BY_ID = (
    "UNWIND $rows AS row WITH row, row[3] AS platform, row[4] AS person "
    "MATCH (pl) WHERE id(pl) = platform MATCH (p) WHERE id(p) = person "
    "CREATE (p)-[:HAS_ACCOUNT]->(a:Account {account_key: row[0], platform: row[1], "
    "account_id: row[2], display_name: row[2], followers: 0, identity_hashes: []})-[:ON]->(pl)"
)
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


@dataclass(frozen=True)
class OwnerIds:
    """Node ids of the platforms (by name) and of the persons (by person_id) that new
    accounts link to; where both are known, the accounts are created without key
    look-ups."""

    platforms: pd.Series
    persons: pd.Series


def _create_new(store: GraphStore, frame: pd.DataFrame, columns: list[str], by_key: str,
                by_id: str, owners: OwnerIds | None, progress: Progress | None) -> pd.Series:
    """CREATE the accounts of ``frame`` with their ON and HAS_ACCOUNT: rows whose platform
    and person have known node ids with ``by_id`` (or in bulk), the others with
    ``by_key``."""
    found = np.zeros(len(frame), dtype=bool)
    ids = store.bulk.node_ids
    if owners is not None and ids is not None and len(frame):
        platform = owners.platforms.index.get_indexer(pd.Index(frame["platform"]))
        person = owners.persons.index.get_indexer(pd.Index(frame["person_id"]))
        found = (platform >= 0) & (person >= 0)
        linked = frame[found].assign(
            platform_node=owners.platforms.to_numpy()[platform[found]],
            person_node=owners.persons.to_numpy()[person[found]])
        if len(linked) >= BULK_NODES:
            rows = _bulk_accounts(store, ids, linked, progress)
        else:
            rows = write_frame(store, _with_ids(store, by_id, "a"), linked,
                               [*columns, "platform_node", "person_node"], progress=progress)
        if len(rows) != len(linked):
            raise StoreError(f"created {len(rows)} of {len(linked)} accounts: a platform "
                             "or person node disappeared during the ingest")
    else:
        rows = _id_series([])
    return pd.concat([rows, write_frame(store, _with_ids(store, by_key, "a"), frame[~found],
                                        [*columns, "person_id"], progress=progress)])


def _arrow_column(values: pd.Series | np.ndarray) -> pa.Array:
    column = pa.array(values, from_pandas=True)
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _bulk_accounts(store: GraphStore, ids: NodeIdAccess, frame: pd.DataFrame,
                   progress: Progress | None) -> pd.Series:
    """``_NEW_ACCOUNTS_BY_ID`` (or ``_NEW_STUBS_BY_ID`` where ``frame`` has only
    ``STUB_COLUMNS``) in bulk: the account nodes (``ids.create_nodes``), then their
    HAS_ACCOUNT and ON (``store.bulk.create_relationships``). Returns their node ids
    indexed by account key."""
    if "display_name" in frame:
        props = [(c, _arrow_column(frame[c])) for c in ACCOUNT_COLUMNS]
    else:  # accounts seen only in events
        empty = pa.LargeListArray.from_arrays(np.zeros(len(frame) + 1, dtype=np.int64),
                                              pa.array([], pa.large_string()))
        props = [(c, _arrow_column(frame[c])) for c in STUB_COLUMNS] + [
            ("display_name", _arrow_column(frame["account_id"])),
            ("followers", pa.array(np.zeros(len(frame), dtype=np.int64))),
            ("identity_hashes", empty)]
    created = ids.create_nodes("Account", props, progress)
    _create_relationships(store, "HAS_ACCOUNT", frame["person_node"].to_numpy(np.int64),
                          created)
    _create_relationships(store, "ON", created, frame["platform_node"].to_numpy(np.int64))
    return pd.Series(created, index=frame["account_key"].to_numpy(object), dtype=np.int64)


def upsert_accounts(store: GraphStore, frame: pd.DataFrame, absent: np.ndarray,
                    progress: Progress | None = None, owners: OwnerIds | None = None
                    ) -> pd.Series:
    """MERGE accounts from the accounts files and SET their properties (``frame`` has
    ``ACCOUNT_COLUMNS`` and ``person_id``). The rows of ``absent`` (accounts the caller
    read as not in the graph) are CREATEd together with their ``HAS_ACCOUNT`` from their
    (existing) person, which skips the key lookups (all of them where ``owners`` gives
    the node ids); the others keep their person here (``assign_persons`` moves them).
    Returns the node ids of the created accounts, indexed by account key (empty where the
    store hands out no node ids; the caller read the others' ids with the accounts)."""
    rows = _create_new(store, frame[absent], ACCOUNT_COLUMNS, _NEW_ACCOUNTS,
                       _NEW_ACCOUNTS_BY_ID, owners, progress)
    write_frame(store, _ACCOUNTS, frame[~absent], ACCOUNT_COLUMNS, progress=progress)
    return rows


def ensure_accounts(store: GraphStore, frame: pd.DataFrame, absent: np.ndarray,
                    owners: OwnerIds | None = None) -> pd.Series:
    """MERGE accounts seen only in events (``frame`` has ``STUB_COLUMNS`` and
    ``person_id``); an existing account keeps its properties. Rows of ``absent`` are
    CREATEd with their ``HAS_ACCOUNT`` (see ``upsert_accounts``). Returns the node ids of
    the created accounts as ``upsert_accounts`` does."""
    rows = _create_new(store, frame[absent], STUB_COLUMNS, _NEW_STUBS, _NEW_STUBS_BY_ID,
                       owners, None)
    write_frame(store, _STUB_ACCOUNTS, frame[~absent], STUB_COLUMNS)
    return rows


def platform_node_ids(store: GraphStore) -> pd.Series:
    """Node ids of the platforms by name (empty where the store hands out no node ids)."""
    if store.bulk.node_ids is None:
        return _id_series([])
    return _id_series(store.read(
        "MATCH (p:Platform) RETURN p.name AS key, id(p) AS node_id").rows)


def content_node_ids(store: GraphStore, keys: Sequence[str]) -> pd.Series:
    """The node ids of the contents with ``keys`` that exist, indexed by content key
    (empty where the store hands out no node ids)."""
    if store.bulk.node_ids is None:
        return _id_series([])
    rows: list[Row] = []
    for start in range(0, len(keys), BATCH):
        rows += store.read(
            "UNWIND $keys AS k MATCH (c:Content {content_key: k}) "
            "RETURN k AS key, id(c) AS node_id",
            {"keys": list(keys[start:start + BATCH])}).rows
    return _id_series(rows)


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


PERSON_COLUMNS = ["person_id", "display_name", "platforms", "followers_total", "search_key"]


def upsert_persons(store: GraphStore, frame: pd.DataFrame, absent: np.ndarray) -> pd.Series:
    """Write persons with display_name, platforms, followers_total and their search key
    search_key (``graph.names``; ``frame``: ``PERSON_COLUMNS``): CREATE the
    rows of ``absent`` (persons the caller knows are not in the graph; in bulk from
    ``BULK_NODES`` rows on, where the store hands out node ids), MERGE and SET the others.
    Returns their node ids by person_id (empty where the store hands out none)."""
    new = frame[absent]
    ids = store.bulk.node_ids
    if ids is not None and len(new) >= BULK_NODES:
        created = pd.Series(
            ids.create_nodes("Person", [(c, _arrow_column(new[c])) for c in PERSON_COLUMNS]),
            index=new["person_id"].to_numpy(object), dtype=np.int64)
    else:
        created = write_frame(
            store, _with_ids(store, "UNWIND $rows AS row CREATE (p:Person {person_id: row[0], "
                             "display_name: row[1], platforms: row[2], "
                             "followers_total: row[3], search_key: row[4]})", "p"),
            new, PERSON_COLUMNS)
    merged = write_frame(
        store, _with_ids(store, "UNWIND $rows AS row MERGE (p:Person {person_id: row[0]}) "
                         "SET p.display_name = row[1], p.platforms = row[2], "
                         "p.followers_total = row[3], p.search_key = row[4]", "p"),
        frame[~absent], PERSON_COLUMNS)
    return pd.concat([created, merged])


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
    "engaged": ["a", "k", "t", "c", "l", "m", "f"],
}

_MATCH_ENDS = {
    "follows": "MATCH (a:Account {account_key: row[0]}) MATCH (b:Account {account_key: row[1]}) ",
    "interacted": ("MATCH (a:Account {account_key: row[0]}) "
                   "MATCH (b:Account {account_key: row[1]}) "),
    "engaged": ("MATCH (a:Account {account_key: row[0]}) "
                "MATCH (c:Content {content_key: row[1]}) "),
}

#: ``_MATCH_ENDS`` by node id (FalkorDB): a node id seek instead of two index look-ups.
_BY_ID = "WITH row, row[0] AS one, row[1] AS two MATCH (a:Account) WHERE id(a) = one "
_MATCH_IDS = {
    "follows": _BY_ID + "MATCH (b:Account) WHERE id(b) = two ",
    "interacted": _BY_ID + "MATCH (b:Account) WHERE id(b) = two ",
    "engaged": _BY_ID + "MATCH (c:Content) WHERE id(c) = two ",
}

#: Relationships that the run proves absent: a plain CREATE.
_CREATE = {
    "follows": "CREATE (a)-[:FOLLOWS {since: row[2]}]->(b)",
    "interacted": ("CREATE (a)-[:INTERACTED {type: row[2], count: row[3], first_at: row[4], "
                   "last_at: row[5]}]->(b)"),
    "engaged": ("CREATE (a)-[:ENGAGED {type: row[2], count: row[3], last_at: row[4], "
                "amount: row[5], first_at: row[6]}]->(c)"),
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
        "ON CREATE SET r.count = row[3], r.last_at = row[4], r.amount = row[5], "
        "r.first_at = row[6] "
        "ON MATCH SET r.count = r.count + row[3], r.amount = r.amount + row[5], "
        "r.last_at = CASE WHEN row[4] > r.last_at THEN row[4] ELSE r.last_at END, "
        "r.first_at = CASE WHEN r.first_at IS NULL OR row[6] < r.first_at THEN row[6] "
        "ELSE r.first_at END"
    ),
}

_LEDGER = (" WITH count(*) AS n UNWIND $ledger AS entry "
           "MERGE (b:IngestBatch {batch_key: entry[0]}) "
           "SET b.kind = $kind, b.events = entry[1], b.run_id = $run_id")


@dataclass(frozen=True)
class NodeIds:
    """The account and content keys that a run's events name and their node ids, for
    writing relationships without key look-ups: ``accounts`` (indexed by account_key) and
    ``contents`` (by content_key); -1 where unknown (every one where the store hands out
    no node ids). Events may name their ends by position in these indexes."""

    accounts: pd.Series
    contents: pd.Series


#: Relationship properties of the bulk path: (property, event column), as in ``_CREATE``.
_BULK_PROPERTIES = {
    "follows": [("since", "f")],
    "interacted": [("type", "t"), ("count", "c"), ("first_at", "f"), ("last_at", "l")],
    "engaged": [("type", "t"), ("count", "c"), ("last_at", "l"), ("amount", "m"),
                ("first_at", "f")],
}


def _positions(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """The position of each of ``keys`` in ``index`` (-1 where absent); integer ``keys``
    are positions already."""
    if pd.api.types.is_integer_dtype(keys.dtype):
        return keys.to_numpy()
    return index.get_indexer(pd.Index(keys))


def _node_ids(ids: pd.Series, positions: np.ndarray) -> np.ndarray:
    """The node id at each of ``positions`` in ``ids`` (-1 where the position or the id is
    unknown)."""
    return np.where(positions >= 0, ids.to_numpy()[positions], -1)


def _endpoint_indexes(kind: str, node_ids: NodeIds) -> tuple[pd.Series, pd.Series]:
    return node_ids.accounts, node_ids.contents if kind == "engaged" else node_ids.accounts


def _known_ends(kind: str, rows: pd.DataFrame, node_ids: NodeIds
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The node ids of the two ends of each of ``rows`` (-1 where unknown), and whether
    both are known."""
    first, second = EVENT_COLUMNS[kind][:2]
    sources, targets = _endpoint_indexes(kind, node_ids)
    src = _node_ids(sources, _positions(rows[first], sources.index))
    dst = _node_ids(targets, _positions(rows[second], targets.index))
    return src, dst, (src >= 0) & (dst >= 0)


def _bulk_split(kind: str, created: pd.DataFrame, node_ids: NodeIds
                ) -> tuple[Relationships, pd.DataFrame]:
    """The rows of ``created`` whose two endpoints have known ids, as relationships
    between node ids, and the other rows (written with CREATE)."""
    src, dst, found = _known_ends(kind, created, node_ids)
    rows = created[found]
    return Relationships(EVENT_TYPES[kind], src[found], dst[found],
                         [(name, rows[column]) for name, column in _BULK_PROPERTIES[kind]]
                         ), created[~found]


def _ids_split(kind: str, merged: pd.DataFrame, node_ids: NodeIds
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``merged`` whose two endpoints have known ids, with those ids as their
    ends (for ``_MATCH_IDS``), and the other rows."""
    first, second = EVENT_COLUMNS[kind][:2]
    src, dst, found = _known_ends(kind, merged, node_ids)
    return merged[found].assign(**{first: src[found], second: dst[found]}), merged[~found]


def _with_keys(kind: str, rows: pd.DataFrame, node_ids: NodeIds | None) -> pd.DataFrame:
    """``rows`` with endpoint positions (see ``graph.ingest.pipeline._referenced``)
    turned back into keys, for the queries that look nodes up by key."""
    first, second = EVENT_COLUMNS[kind][:2]
    if node_ids is None or not pd.api.types.is_integer_dtype(rows[first].dtype):
        return rows
    sources, targets = _endpoint_indexes(kind, node_ids)
    return rows.assign(**{first: sources.index.take(rows[first].to_numpy()).to_numpy(),
                          second: targets.index.take(rows[second].to_numpy()).to_numpy()})


def event_group_rows(store: GraphStore, fresh: bool) -> int:
    """About how many event rows one write of ``event_batches_job`` should hold, as the
    store's writer says (``BulkWriter.rows_per_write``); ``fresh``: the graph held no
    relationship of the kind before the run, so that the rows mostly create new ones."""
    return store.bulk.rows_per_write(fresh)


def event_batches_job(store: GraphStore, kind: str, ledger: Sequence[tuple[str, int]],
                      created: pd.DataFrame, merged: pd.DataFrame, run_id: str,
                      tag: object = None, node_ids: NodeIds | None = None) -> Job:
    """The write that applies event rows and records the ``ledger`` entries (batch key,
    events) in one transaction (all or nothing); run it with ``write_pipelined``.
    ``created`` holds relationships known to be absent from the graph, ``merged`` the
    others (MERGE, counts and times accumulated); both have ``EVENT_COLUMNS[kind]``. With
    ``node_ids``, where the store hands out node ids, the created relationships between
    nodes of known id go in bulk (``store.bulk``, in the same transaction) and the merged
    ones find their nodes by id; the rest look their nodes up by key. The caller skips
    keys that ``loaded_batches`` reports."""
    cols = EVENT_COLUMNS[kind]
    relationships = None
    merged_ids = merged.iloc[:0]
    if node_ids is not None and store.bulk.node_ids is not None:
        if len(created):
            relationships, created = _bulk_split(kind, created, node_ids)
        if len(merged):
            merged_ids, merged = _ids_split(kind, merged, node_ids)
        by_id = True
    else:
        by_id = False
    created, merged = _with_keys(kind, created, node_ids), _with_keys(kind, merged, node_ids)
    query = (
        "UNWIND $created AS row " + _MATCH_ENDS[kind] + _CREATE[kind]
        + " WITH count(*) AS n UNWIND $merged AS row " + _MATCH_ENDS[kind] + _MERGE[kind])
    params: dict[str, object] = {"created": _rows(created, cols), "merged": _rows(merged, cols)}
    if by_id:
        query += " WITH count(*) AS n UNWIND $merged_ids AS row " + _MATCH_IDS[kind] + \
            _MERGE[kind]
        params["merged_ids"] = _rows(merged_ids, cols)
    return Job(query + _LEDGER, {**params, "ledger": [[k, int(e)] for k, e in ledger],
                                 "kind": kind, "run_id": run_id}, tag, relationships)
