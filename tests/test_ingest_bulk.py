"""The FalkorDB fast path of the ingest (node ids, ``GRAPH.BULK`` relationships) writes
exactly the graph that the key-lookup path (the one Neo4j takes) writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graph.config import Settings
from graph.ingest import events as ev
from graph.ingest import pipeline
from graph.ingest.pipeline import ingest_folder
from graph.store import ingest_writes
from graph.store.base import GraphStore, StoreError
from graph.store.falkordb_bulk import edge_tokens
from graph.store.falkordb_store import FalkorDBStore
from tests import test_ingest
from tests.test_ingest import small_world, state

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


def test_bulk_path_writes_the_key_path_graph(store: FalkorDBStore, other_store: FalkorDBStore,
                                            cfg: Settings, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = small_world(tmp_path / "in")
    ingest_folder(store, cfg, folder)
    with monkeypatch.context() as patch:
        patch.setattr(ingest_writes, "node_ids_known", lambda _store: False)
        ingest_folder(other_store, cfg, folder)
    assert state(store) == state(other_store)
    fast, by_key = relationships(store), relationships(other_store)
    assert all(fast[name] for name in RELATIONSHIPS)
    assert fast == by_key
    # the same folder again changes nothing on either path
    ingest_folder(store, cfg, folder)
    assert relationships(store) == fast


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
    store.write_with_edges(edges, "MERGE (:IngestBatch {batch_key: $k})", {"k": "b1"})
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
