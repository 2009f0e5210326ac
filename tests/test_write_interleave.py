"""Reads are not starved while analyze writes its results back: the write-back goes in bounded
write queries, so a reader polling the graph meanwhile sees it part-way (some persons staged,
some memberships written, some old memberships deleted) — its reads ran between the writes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gnn.data.synthetic import synthetic_frames
from graph.store import gnn_io
from graph.store.falkordb_store import FalkorDBStore
from kolgraph.usecases import analyze

PERSONS = 5000


@pytest.fixture(scope="module")
def graph(_server: Path) -> Iterator[FalkorDBStore]:
    store = FalkorDBStore(_server, "write_interleave")
    store.drop_all()
    store = FalkorDBStore(_server, "write_interleave")
    store.apply_schema()
    gnn_io.write_frames(store, synthetic_frames(PERSONS, seed=9))
    yield store
    store.drop_all()
    store.close()


_STATE = (
    "MATCH (r:Run {kind: 'analyze'}) WHERE r.status = 'running' "
    "OPTIONAL MATCH (p:Person) WHERE p.analyze_stage_run = r.run_id "
    "WITH r, count(p) AS staged "
    "OPTIONAL MATCH (c:Community {run_id: r.run_id})<-[m:IN_COMMUNITY]-() "
    "RETURN r.run_id AS run_id, staged, count(m) AS members"
)
_OLD_MEMBERS = ("MATCH (c:Community {run_id: $run_id})<-[m:IN_COMMUNITY]-() "
                "RETURN count(m) AS n")


def test_reads_interleave_with_the_analyze_write_back(graph: FalkorDBStore,
                                                      _server: Path) -> None:
    weights = analyze.load_weights()
    first, _ = analyze.run_analysis(graph, weights, analyze.AnalyzeParams())
    data = analyze.load_input(graph, lambda _m: None)
    reader = FalkorDBStore(_server, graph.graph_name)
    seen: list[tuple[int, int, int]] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            rows = reader.read(_STATE).rows
            staged, members = (rows[0]["staged"], rows[0]["members"]) if rows else (0, 0)
            old = reader.scalar(_OLD_MEMBERS, {"run_id": first}) or 0
            seen.append((int(staged), int(members), int(old)))

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        analyze.run_analysis(graph, weights, analyze.AnalyzeParams(seed=1), data=data)
    finally:
        done.set()
        thread.join(60)
        reader.close()
    assert len(seen) >= 5, "reads completed while analyze wrote"
    assert any(0 < staged < PERSONS for staged, _m, _o in seen), \
        "a read ran between two batches of staged person values"
    assert any(0 < members < PERSONS for _s, members, _o in seen), \
        "a read ran between two batches of memberships"
    assert any(0 < old < PERSONS for _s, _m, old in seen), \
        "a read ran between two batches deleting the previous run's memberships"
    assert (graph.scalar(_OLD_MEMBERS, {"run_id": first}) or 0) == 0
