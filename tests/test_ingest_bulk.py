"""The FalkorDB fast paths of the ingest (node ids, ``GRAPH.BULK`` nodes and
relationships) write exactly the graph that the query paths (the one Neo4j takes) write,
and Neo4j writes that graph too."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from graph.config import Settings
from graph.ingest import events as ev
from graph.ingest import pipeline
from graph.ingest.pipeline import ingest_folder
from graph.store import falkordb_writer, ingest_writes
from graph.store.base import GraphStore, StoreError
from graph.store.falkordb_bulk import edge_tokens, node_token
from graph.store.falkordb_store import FalkorDBStore
from graph.store.falkordb_writer import FalkorDBBulkWriter
from tests import test_ingest
from tests.conftest import neo4j_store
from tests.test_ingest import ACC_H, DAY, ENG_H, INT_H, LINK_H, T0, small_world, state, write

cfg = test_ingest.cfg  # fixtures shared with the ingest tests
other_store = test_ingest.other_store

RELATIONSHIPS = {
    "INTERACTED": "MATCH (a)-[r:INTERACTED]->(b) RETURN a.account_key AS a, "
                  "b.account_key AS b, r.type AS t, r.count AS c, r.first_at AS f, "
                  "r.last_at AS l",
    "FOLLOWS": "MATCH (a)-[r:FOLLOWS]->(b) RETURN a.account_key AS a, b.account_key AS b, "
               "r.since AS s",
    "ENGAGED": "MATCH (a)-[r:ENGAGED]->(c) RETURN a.account_key AS a, c.content_key AS k, "
               "r.type AS t, r.count AS c, r.last_at AS l, r.amount AS m",
    "HAS_ACCOUNT": "MATCH (p:Person)-[:HAS_ACCOUNT]->(a) RETURN p.person_id AS p, "
                   "a.account_key AS a",
    "ON": "MATCH (a:Account)-[:ON]->(p:Platform) RETURN a.account_key AS a, p.name AS p",
}


def relationships(store: GraphStore) -> dict[str, list[tuple[object, ...]]]:
    """Every relationship the ingest writes, as sorted tuples of its ends and properties
    (with their Python types, so an int stored as a float would differ)."""
    out = {}
    for name, query in RELATIONSHIPS.items():
        rows = store.read(query).rows
        out[name] = sorted(tuple((type(v).__name__, v) for v in r.values()) for r in rows)
    return out


def nodes(store: GraphStore) -> dict[str, list[tuple[object, ...]]]:
    """Every Person and Account with all its properties (and their Python types)."""
    out = {}
    for label in ("Person", "Account"):
        rows = store.read(f"MATCH (n:{label}) RETURN properties(n) AS p").rows
        out[label] = sorted(tuple(sorted((k, type(v).__name__, repr(v))
                                         for k, v in r["p"].items())) for r in rows)
    return out


def without_node_ids(patch: pytest.MonkeyPatch) -> None:
    """Make the embedded store hand out no node ids: the ingest takes the key paths."""
    patch.setattr(FalkorDBBulkWriter, "node_ids", property(lambda self: None))


def later_days(folder: Path) -> Path:
    """Days after ``small_world``'s: a new account, one seen only in events, a late link,
    and events on relationships that exist already (merged)."""
    later = T0 + 50 * DAY
    return write(folder, {
        "accounts.csv": ACC_H + "bilibili,b0,B0,4,1700000000,,,\n",
        "interactions.csv": INT_H + f"bilibili,b0,b9,like,{later}\nzhihu,0,1,like,{later}\n",
        "engagements.csv": ENG_H + f"dedao,d0,c0,view,{later},0\n"
                                   f"dedao,d1,c1,purchase,{later + 1},2.5\n",
        "identity_links.csv": LINK_H + "zhihu,4,zhihu,6\n"})


def test_bulk_path_writes_the_key_path_graph(store: FalkorDBStore, other_store: FalkorDBStore,
                                            cfg: Settings, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder, later = small_world(tmp_path / "in"), later_days(tmp_path / "later")
    ingest_folder(store, cfg, folder)
    with monkeypatch.context() as patch:
        without_node_ids(patch)
        ingest_folder(other_store, cfg, folder)
        ingest_folder(other_store, cfg, later)
    assert relationships(store) != relationships(other_store)
    ingest_folder(store, cfg, later)  # merged relationships found by node id
    assert state(store) == state(other_store)
    fast, by_key = relationships(store), relationships(other_store)
    assert all(fast[name] for name in RELATIONSHIPS)
    assert fast == by_key
    # the same folders again change nothing on either path
    ingest_folder(store, cfg, folder)
    ingest_folder(store, cfg, later)
    assert relationships(store) == fast


def test_fresh_kinds_in_many_writes_equal_one_write(
        store: FalkorDBStore, other_store: FalkorDBStore, cfg: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh load written one day per write (relationships of later days MERGEd onto the
    ones an earlier write created in bulk) equals the same load in one write per kind."""
    folder = small_world(tmp_path / "in")
    ingest_folder(other_store, cfg, folder)
    merged_rows = []
    job = ingest_writes.event_batches_job

    def spy(*args: object, **kwargs: object) -> ingest_writes.Job:
        merged_rows.append(len(args[5]))  # type: ignore[arg-type]
        return job(*args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(falkordb_writer, "FRESH_EVENT_ROWS", 1)
        patch.setattr(ingest_writes, "event_batches_job", spy)
        ingest_folder(store, cfg, folder)
    assert len(merged_rows) > 3 and sum(merged_rows) > 0
    assert relationships(store) == relationships(other_store)
    assert state(store) == state(other_store)


def test_write_with_edges_creates_typed_properties(store: FalkorDBStore) -> None:
    ids = [r["i"] for r in store.write(
        "UNWIND range(1, 3) AS x CREATE (a:Account {account_key: toString(x)}) "
        "RETURN id(a) AS i")]
    edges = edge_tokens("ENGAGED", np.array([ids[0], ids[1], ids[2]]),
                        np.array([ids[1], ids[2], ids[0]]),
                        [("type", pd.Series(["like", "purchase", "like"])),
                         ("count", np.array([1, 2, 3])),
                         ("amount", np.array([0.0, 9.5, 0.25]))])
    assert len(edges.tokens) == 2  # one token per distinct string value
    rows = store.write_with_edges(edges, "MERGE (b:IngestBatch {batch_key: $k}) "
                                         "RETURN b.batch_key AS key", {"k": "b1"})
    assert rows == [{"key": "b1"}]
    rows = store.read("MATCH (a)-[r:ENGAGED]->(b) RETURN a.account_key AS a, "
                      "b.account_key AS b, r.type AS t, r.count AS c, r.amount AS m "
                      "ORDER BY a").rows
    assert [tuple(r.values()) for r in rows] == [
        ("1", "2", "like", 1, 0.0), ("2", "3", "purchase", 2, 9.5), ("3", "1", "like", 3, 0.25)]
    assert store.scalar("MATCH (b:IngestBatch) RETURN count(b)") == 1


def test_write_with_edges_reports_a_failed_query(store: FalkorDBStore) -> None:
    ids = [r["i"] for r in store.write(
        "UNWIND range(1, 2) AS x CREATE (a:Account {account_key: toString(x)}) "
        "RETURN id(a) AS i")]
    edges = edge_tokens("FOLLOWS", np.array([ids[0]]), np.array([ids[1]]),
                        [("since", np.array([5]))])
    with pytest.raises(StoreError, match="after 1 relationships were created"):
        store.write_with_edges(edges, "CREATE (:Account {account_key: '1'})")


def test_edge_tokens_refuse_bad_columns() -> None:
    with pytest.raises(ValueError, match="'t' holds nulls"):
        edge_tokens("R", np.array([1]), np.array([2]), [("t", pd.Series([None]))])
    with pytest.raises(ValueError, match="NaN"):
        edge_tokens("R", np.array([1]), np.array([2]), [("m", np.array([np.nan]))])
    with pytest.raises(ValueError, match="holds a NUL"):
        edge_tokens("R", np.array([1]), np.array([2]), [("t", np.array(["a\0b"]))])


def test_hash_dedup_matches_pandas_and_survives_collisions() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"src": rng.choice(["a:1", "a:2", "b:3"], 400),
                          "dst": rng.choice(["a:2", "b:3", "c:4"], 400),
                          "ts": rng.integers(0, 4, 400)})
    keys = ["src", "dst", "ts"]
    expected = frame.duplicated(subset=keys, keep="first").to_numpy()
    assert expected.sum() > 100
    assert (pipeline._duplicated(frame, keys, ev.row_hashes(frame, keys)) == expected).all()
    # every row given one hash (all "collide"): still only true duplicates are dropped
    same = np.zeros(len(frame), dtype=np.uint64)
    assert (pipeline._duplicated(frame, keys, same) == expected).all()


def test_bulk_nodes_write_the_query_graph(store: FalkorDBStore, other_store: FalkorDBStore,
                                          cfg: Settings, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder, late = small_world(tmp_path / "in"), later_days(tmp_path / "late")
    ingest_folder(other_store, cfg, folder)  # accounts and persons created by query
    ingest_folder(other_store, cfg, late)
    with monkeypatch.context() as patch:
        patch.setattr(ingest_writes, "BULK_NODES", 1)
        patch.setattr(falkordb_writer, "BULK_BATCH", 3)  # several commands per label
        patch.setattr(falkordb_writer, "KEY_SCAN", 4)  # several read-back windows
        ingest_folder(store, cfg, folder)
        assert nodes(store)["Account"] and nodes(store)["Person"]
        ingest_folder(store, cfg, late)  # new accounts (one from events), a late link
        assert store.node_counts()["Account"] == other_store.node_counts()["Account"]
        assert nodes(store) == nodes(other_store)
        assert relationships(store) == relationships(other_store)
        assert state(store) == state(other_store)
        ingest_folder(store, cfg, folder)  # nothing new: nothing changes
        assert nodes(store) == nodes(other_store)


@pytest.mark.parametrize("stopped_after, removed", [
    ("persons", "MATCH (n) WHERE n:Account OR n:IngestBatch DETACH DELETE n"),
    ("account nodes", "MATCH ()-[r]->() WHERE NOT type(r) IN ['CREATED', 'ABOUT'] DELETE r "
                      "WITH count(*) AS n MATCH (b:IngestBatch) DELETE b"),
])
def test_rerun_completes_a_run_stopped_between_node_writes(
        store: FalkorDBStore, cfg: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        stopped_after: str, removed: str) -> None:
    """A run stopped after writing the persons (or the account nodes, whose HAS_ACCOUNT and
    ON come in a later bulk write) and before the rest: the next run takes those nodes
    over instead of creating them a second time, and completes the graph."""
    folder = small_world(tmp_path / "in")
    ingest_folder(store, cfg, folder)
    expected, links = nodes(store), relationships(store)
    for bulk in (10**9, 1):  # persons and accounts created by query, then in bulk
        store.write(removed)
        assert store.scalar("MATCH (p:Person) RETURN count(p) AS n") > 0
        with monkeypatch.context() as patch:
            patch.setattr(ingest_writes, "BULK_NODES", bulk)
            ingest_folder(store, cfg, folder)
        assert nodes(store) == expected, stopped_after
        assert relationships(store) == links, stopped_after


def test_key_node_ids_reads_every_key(store: FalkorDBStore,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    keys = ["a", "b\x1fc", "名字", 'q"', "e"]  # one holds the separator
    ids = {r["k"]: r["i"] for r in store.write(
        "UNWIND $keys AS k CREATE (a:Account {account_key: k}) RETURN k AS k, id(a) AS i",
        {"keys": keys})}
    store.write("MATCH (a:Account {account_key: 'a'}) DELETE a")
    del ids["a"]
    monkeypatch.setattr(falkordb_writer, "KEY_SCAN", 2)
    found = store.bulk.key_node_ids("Account", "account_key")
    assert dict(zip(found.keys.to_pylist(), found.ids.tolist(), strict=True)) == ids
    assert len(store.bulk.key_node_ids("Topic", "name").keys) == 0


def test_bulk_create_refuses_a_key_on_two_nodes(store: FalkorDBStore) -> None:
    store.write("CREATE (:Topic {name: 'AI'})")
    with pytest.raises(StoreError, match="another writer"):
        store.bulk.create_nodes("Topic", [("name", pa.array(["AI", "history"]))])


def test_node_token_refuses_bad_columns() -> None:
    with pytest.raises(ValueError, match="'t' holds a NUL"):
        node_token("A", [("t", pa.array(["a\0b"]))])
    with pytest.raises(TypeError, match="unsupported type"):
        node_token("A", [("t", pa.array([{"x": 1}]))])


def test_existing_accounts_joined_read_equals_the_row_read(
        store: FalkorDBStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.write(
        "CREATE (z:Platform {name: 'zhihu'}), "
        "(:Person {person_id: 'P1'})-[:HAS_ACCOUNT]->(:Account {account_key: 'zhihu:1', "
        "platform: 'zhihu', display_name: '用户一', followers: 7, "
        "identity_hashes: ['phone:a', 'email:b']})-[:ON]->(z), "
        "(:Account {account_key: 'zhihu:2', platform: 'zhihu', display_name: '', "
        "followers: 0, identity_hashes: []})-[:ON]->(z), "
        "(:Account {account_key: 'zhihu:3', platform: 'zhihu', account_id: '3', "
        "display_name: 'x', created_at: 1700000000}), "
        "(:Person {person_id: 'P4'})-[:HAS_ACCOUNT]->(:Account {account_key: 'zhihu:4', "
        "platform: 'zhihu', display_name: 'a\x1fb', followers: 2, identity_hashes: ['u:c']})")
    monkeypatch.setattr(falkordb_writer, "KEY_SCAN", 3)  # windows; one holds a separator
    joined = ingest_writes.existing_accounts(store)
    with monkeypatch.context() as patch:
        without_node_ids(patch)
        by_row = ingest_writes.existing_accounts(store)

    def rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
        """The rows without node_id, a missing person_id (NaN or None) as None."""
        return sorted(tuple(None if v != v else v for v in r)  # only NaN differs from itself
                      for r in frame.drop(columns="node_id").itertuples(index=False))

    assert rows(joined) == rows(by_row)
    assert rows(joined) == [
        ("zhihu:1", "zhihu", "", "用户一", 7, -1, ["phone:a", "email:b"], "P1", True),
        ("zhihu:2", "zhihu", "", "", 0, -1, [], None, True),
        ("zhihu:3", "zhihu", "3", "x", 0, 1700000000, [], None, False),
        ("zhihu:4", "zhihu", "", "a\x1fb", 2, -1, ["u:c"], "P4", False)]
    persons = ingest_writes.existing_persons(store)
    assert sorted(persons["person_id"]) == ["P1", "P4"]
    ids = store.read("MATCH (a:Account) RETURN a.account_key AS k, id(a) AS i").rows
    assert dict(zip(joined["account_key"], joined["node_id"], strict=True)) == {
        r["k"]: r["i"] for r in ids}


def test_reingest_writes_only_changed_accounts_and_persons(
        store: FalkorDBStore, other_store: FalkorDBStore, cfg: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Accounts and persons whose properties a run does not change are not written again;
    changed ones are, and the graph equals a fresh load of the changed folder."""
    written: dict[str, list[int]] = {"accounts": [], "persons": []}
    accounts, persons = ingest_writes.upsert_accounts, ingest_writes.upsert_persons

    def spy_accounts(store: GraphStore, frame: pd.DataFrame, *args: object,
                     **kwargs: object) -> pd.Series:
        written["accounts"].append(len(frame))
        return accounts(store, frame, *args, **kwargs)  # type: ignore[arg-type]

    def spy_persons(store: GraphStore, frame: pd.DataFrame, absent: np.ndarray) -> pd.Series:
        written["persons"].append(len(frame))
        return persons(store, frame, absent)

    monkeypatch.setattr(ingest_writes, "upsert_accounts", spy_accounts)
    monkeypatch.setattr(ingest_writes, "upsert_persons", spy_persons)
    folder = small_world(tmp_path / "v1")
    ingest_folder(store, cfg, folder)
    ingest_folder(store, cfg, folder)
    assert written == {"accounts": [8, 0], "persons": [9, 0]}  # 3 persons of stub accounts
    changed = write(tmp_path / "v2", {
        **{name: (folder / name).read_text() for name in
           ("interactions.csv", "contents.csv", "engagements.csv", "identity_links.csv")},
        "accounts.csv": (folder / "accounts.csv").read_text()
        .replace("zhihu,1,用户1,10,", "zhihu,1,新名字,10,")  # display name
        .replace("dedao,d0,得到0,3,", "dedao,d0,得到0,3000,")  # followers: its person's name
        .replace("zhihu,3,用户3,30,,", "zhihu,3,用户3,30,1700000000,")  # created_at
        .replace("zhihu,4,用户4,40,,,", "zhihu,4,用户4,40,,13800000001,")})  # joins zhihu:1
    report = ingest_folder(store, cfg, changed)
    assert written["accounts"][-1] == 4 and report.persons_merged == 1
    ingest_folder(other_store, cfg, changed)
    assert nodes(store) == nodes(other_store)
    assert relationships(store) == relationships(other_store)


def test_large_ingest_compacts_the_servers_log(store: FalkorDBStore, cfg: Settings,
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """After an ingest that writes ``COMPACT_AFTER`` rows or more, the server rewrites its
    append-only file (a restart then loads a snapshot instead of replaying the ingest)."""
    server = store._db.connection

    def rewrites() -> int:
        deadline = time.monotonic() + 60
        while (info := server.info("persistence"))["aof_rewrite_in_progress"] or \
                info["aof_rewrite_scheduled"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        return int(info["aof_rewrites"])

    before = rewrites()
    ingest_folder(store, cfg, small_world(tmp_path / "small"))  # below the threshold
    assert rewrites() == before
    monkeypatch.setattr(ingest_writes, "COMPACT_AFTER", 1)
    ingest_folder(store, cfg, later_days(tmp_path / "later"))
    assert rewrites() == before + 1


def test_neo4j_writes_the_embedded_graph(store: FalkorDBStore, cfg: Settings, tmp_path: Path,
                                         neo4j_env: dict[str, str]) -> None:
    """The ingest writes through each store's own bulk writer (node ids and ``GRAPH.BULK``
    on the embedded database, keys on Neo4j) and both end with the same graph: a first
    load, later days (merged relationships, a late link), and the first folder again."""
    neo4j = neo4j_store(neo4j_env)
    assert isinstance(neo4j, GraphStore)
    try:
        for folder in (small_world(tmp_path / "in"), later_days(tmp_path / "later"),
                       tmp_path / "in"):
            embedded_report = ingest_folder(store, cfg, folder)
            neo4j_report = ingest_folder(neo4j, cfg, folder)
            assert neo4j_report.events_new == embedded_report.events_new
            assert neo4j_report.persons_created == embedded_report.persons_created
        assert state(neo4j) == state(store)
        assert relationships(neo4j) == relationships(store)
        assert nodes(neo4j) == nodes(store)
    finally:
        neo4j.drop_all()
        neo4j.close()
