"""Run visibility and recovery at the store level, on both backends: staged refresh embeddings
are invisible until the run completes and then published with it; a run whose process is
gone is marked interrupted and what it wrote removed."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from graph.store import analytics_io, gnn_io, web_reads
from graph.store.base import GraphStore
from graph.store.runs import current_run, finish_run, get_run, recover_interrupted, start_run

PERSONS = [f"p{i}" for i in range(30)]
DIM = 4


def _vector(i: int, shift: float) -> list[float]:
    return [1.0 + shift, float(i % 3), float(i % 5) + shift, 0.5]


def _persons(store: GraphStore) -> None:
    store.upsert_nodes("Person", "person_id",
                       [{"person_id": p, "display_name": p} for p in PERSONS])
    gnn_io.ensure_vector_index(store, DIM)


def _orphan(store: GraphStore, run_id: str) -> None:
    """Record a finished process as the writer of ``run_id`` (as a ``kill -9`` leaves it)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    store.write("MATCH (r:Run {run_id: $run_id}) SET r.pid = $pid, r.proc_start = null",
                {"run_id": run_id, "pid": child.pid})


def _count(store: GraphStore, query: str, **params: object) -> int:
    return int(store.scalar(query, params) or 0)


def test_refresh_embeddings_are_published_with_their_run_and_leftovers_removed(
        any_store: GraphStore) -> None:
    store = any_store
    _persons(store)
    first = start_run(store, "refresh")
    gnn_io.write_embeddings(store, [{"person_id": p, "embedding": _vector(i, 0.0)}
                                    for i, p in enumerate(PERSONS)], first)
    assert gnn_io.person_embedding(store, "p1") is None, "staged, not yet visible"
    assert gnn_io.complete_refresh_run(store, first, {"persons": len(PERSONS)}) == len(PERSONS)
    assert get_run(store, first)["status"] == "complete"
    published = gnn_io.person_embedding(store, "p1")
    assert published is not None and len(published) == DIM
    assert len(gnn_io.similar_persons(store, "p1", 3)) == 3

    killed = start_run(store, "refresh")
    gnn_io.write_embeddings(store, [{"person_id": p, "embedding": _vector(i, 9.0)}
                                    for i, p in enumerate(PERSONS[:10])], killed)
    gnn_io.write_recommendations(store, [{"person_id": "p1", "target_id": "p2", "score": 1.0,
                                          "rank": 1, "reason": "r", "evidence": "{}"}],
                                 killed, "people")
    assert gnn_io.person_embedding(store, "p1") == published
    _orphan(store, killed)
    assert recover_interrupted(store) == [killed]
    assert get_run(store, killed)["status"] == "interrupted"
    assert _count(store, "MATCH ()-[r:RECOMMENDED]->() WHERE r.run_id = $r RETURN count(r)",
                  r=killed) == 0
    assert _count(store, "MATCH (p:Person) WHERE p.embedding_stage_run IS NOT NULL "
                         "RETURN count(p)") == 0
    assert gnn_io.person_embedding(store, "p1") == published
    assert _count(store, "MATCH (p:Person) WHERE p.refresh_run_id = $r RETURN count(p)",
                  r=first) == len(PERSONS)
    assert recover_interrupted(store) == [], "marked once"


def test_killed_analyze_leftovers_removed_on_recovery(any_store: GraphStore) -> None:
    store = any_store
    _persons(store)
    run_id = start_run(store, "analyze")
    profiles = pd.DataFrame([{name: 0 for name in analytics_io.COMMUNITY_PROPERTIES}
                             | {"community_id": c, "label": f"c{c}", "top_platform": "x",
                                "topics": "[]", "platform_mix": "{}", "top_kols": "[]",
                                "links": "[]"} for c in range(3)])
    memberships = pd.DataFrame({"person_id": PERSONS,
                                "community_id": [i % 3 for i in range(len(PERSONS))]})
    analytics_io.write_communities(store, run_id, profiles, memberships, batch_size=7)
    values = pd.DataFrame({"person_id": PERSONS,
                           **{name: [1.0] * len(PERSONS)
                              for name in analytics_io.PERSON_VALUES}})
    analytics_io.stage_person_values(store, run_id, values, batch_size=7)
    _orphan(store, run_id)
    assert recover_interrupted(store) == [run_id]
    assert get_run(store, run_id)["status"] == "interrupted"
    assert _count(store, "MATCH (c:Community {run_id: $r}) RETURN count(c)", r=run_id) == 0
    assert _count(store, "MATCH ()-[m:IN_COMMUNITY]->() RETURN count(m)") == 0
    assert _count(store, "MATCH (p:Person) WHERE p.analyze_stage_run IS NOT NULL "
                         "RETURN count(p)") == 0


def test_the_later_of_two_runs_finished_in_the_same_second_is_current(
        any_store: GraphStore) -> None:
    """``finished_at`` has whole seconds: a quick run (an ingest that finds everything loaded)
    can finish in the second its predecessor finished; the run started later is current, for
    ``current_run`` and for the web's one-query ``current_run_ids``, every time."""
    for kind in ("ingest", "analyze", "refresh"):
        for _ in range(8):
            first = start_run(any_store, kind)
            finish_run(any_store, first)
            second = start_run(any_store, kind)
            finish_run(any_store, second)
            any_store.write("MATCH (r:Run) WHERE r.run_id IN $ids "
                            "SET r.finished_at = '2026-12-04T12:00:00Z'",
                            {"ids": [first, second]})
            current = current_run(any_store, kind)
            assert current is not None and current["run_id"] == second, (first, second)
            assert web_reads.current_run_ids(any_store, [kind])[kind] == second


def test_a_recommendation_table_stores_what_the_rows_store(any_store: GraphStore) -> None:
    """``write_recommendation_table`` (the refresh's path: one ``Table`` parameter) stores
    the same relationships as ``write_recommendations`` (a list of maps), on both backends;
    written twice, it leaves one relationship per row."""
    store = any_store
    _persons(store)
    store.upsert_nodes("Content", "content_key", [{"content_key": "xmly:c1"}])
    frame = pd.DataFrame({
        "person_id": ["p1", "p1", "p2"], "target_id": ["p2", "p3", "p1"],
        "score": [0.123456, 1.0, 1e-06], "rank": [1, 2, 1],
        "reason": ['3 contacts in common: 张三, "李四", a\\b', "well connected: 1 contact", ""],
        "evidence": ['{"names": ["张三", "\\"李四\\""]}', "{}", '{"contacts": 1}']})
    content = pd.DataFrame({"person_id": ["p1"], "target_id": ["xmly:c1"], "score": [0.5],
                            "rank": [1], "reason": ["popular"], "evidence": ["{}"]})
    by_table, by_rows = start_run(store, "refresh"), start_run(store, "refresh")
    for _ in range(2):
        assert gnn_io.write_recommendation_table(store, frame, by_table, "people") == 3
        assert gnn_io.write_recommendation_table(store, content, by_table, "content") == 1
    assert gnn_io.write_recommendation_table(store, frame.iloc[:0], by_table, "people") == 0
    gnn_io.write_recommendations(store, frame.to_dict("records"), by_rows, "people")
    gnn_io.write_recommendations(store, content.to_dict("records"), by_rows, "content")

    def stored(run_id: str) -> list[dict[str, object]]:
        return store.read(
            "MATCH (p:Person)-[r:RECOMMENDED]->(t) WHERE r.run_id = $run_id "
            "RETURN p.person_id AS p, coalesce(t.person_id, t.content_key) AS t, r.kind AS "
            "kind, r.rank AS rank, r.score AS score, r.reason AS reason, "
            "r.evidence AS evidence ORDER BY p, kind, rank", {"run_id": run_id}).rows

    assert stored(by_table) == stored(by_rows)
    assert len(stored(by_table)) == 4
    first = next(r for r in stored(by_table) if r["kind"] == "people" and r["p"] == "p1")
    assert (first["rank"], first["score"], first["reason"], first["evidence"]) == (
        1, 0.123456, '3 contacts in common: 张三, "李四", a\\b',
        '{"names": ["张三", "\\"李四\\""]}')
