"""Runs killed with ``kill -9`` part-way: readers keep seeing the previous complete run
(recommendations and embeddings alike), and the next start marks the killed run
``interrupted`` and removes what it wrote."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gnn.data.synthetic import synthetic_frames
from gnn.refresh import RefreshOptions, refresh
from gnn.train import TrainParams
from graph.config import Settings
from graph.store import gnn_io
from graph.store.falkordb_store import FalkorDBStore
from graph.store.runs import current_run, get_run, process_gone, process_identity
from kolgraph.usecases.runs import runs as list_runs

ROOT = Path(__file__).resolve().parents[1]
PERSONS = 600
EPOCHS = 5

# A child that runs one step of kolgraph and then stalls in the middle of its writes (where
# a slow run would be), printing a line, so that the test can kill it there with SIGKILL.
_REFRESH_CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from gnn.refresh import RefreshOptions, refresh
    from gnn.train import TrainParams
    from graph.store.falkordb_store import FalkorDBStore

    store = FalkorDBStore(Path(sys.argv[1]), sys.argv[2])
    def stall(batch):
        print("written", batch, flush=True)
        time.sleep(600)
    refresh(store, Path(sys.argv[3]), RefreshOptions(
        k=5, batch_persons=200, retrain=True, seed=3, device="cpu",
        train_params=TrainParams(epochs=EPOCHS, seed=3, device="cpu")), on_batch=stall)
""").replace("EPOCHS", str(EPOCHS))

_ANALYZE_CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from graph.store import analytics_io
    from graph.store.falkordb_store import FalkorDBStore
    from kolgraph.usecases import analyze

    stage = analytics_io.stage_person_values
    def stage_then_stall(*args, **kwargs):
        stage(*args, **kwargs)
        print("staged", flush=True)
        time.sleep(600)
    analytics_io.stage_person_values = stage_then_stall
    store = FalkorDBStore(Path(sys.argv[1]), sys.argv[2])
    analyze.run_analysis(store, analyze.load_weights(), analyze.AnalyzeParams())
""")


def _kill_when(script: str, args: list[str], signal_line: str) -> None:
    """Run ``script`` in a child and SIGKILL it once it prints ``signal_line``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", script, *args], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith(signal_line), child.stderr.read() if child.stderr else line
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()


@pytest.fixture(scope="module")
def graph(_server: Path) -> Iterator[FalkorDBStore]:
    store = FalkorDBStore(_server, "run_recovery")
    store.drop_all()
    store = FalkorDBStore(_server, "run_recovery")
    store.apply_schema()
    gnn_io.write_frames(store, synthetic_frames(PERSONS, seed=5))
    yield store
    store.drop_all()
    store.close()


def _running(store: FalkorDBStore, kind: str) -> list[str]:
    return [r["run_id"] for r in store.read(
        "MATCH (r:Run {kind: $kind, status: 'running'}) RETURN r.run_id AS run_id",
        {"kind": kind}).rows]


def test_a_run_records_its_process_and_a_dead_one_is_gone() -> None:
    me = process_identity()
    assert me["pid"] == os.getpid() and me["proc_start"] is not None
    assert not process_gone(me["pid"], me["host"], me["proc_start"])
    assert process_gone(me["pid"], me["host"], me["proc_start"] + 1), "a recycled pid"
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert process_gone(child.pid, me["host"], None)
    assert not process_gone(child.pid, "another-host", None), "cannot tell on another host"
    assert not process_gone(None, None, None), "runs of older versions are left alone"


def test_killed_refresh_leaves_the_previous_run_whole_for_readers(graph: FalkorDBStore,
                                                                  tmp_path: Path) -> None:
    """A refresh with a newly trained model killed after writing all its embeddings and a
    first batch of recommendations: look-alikes and recommendations both still come from the
    previous run; the next start marks it interrupted and removes its leftovers."""
    home = tmp_path / "home"
    first = refresh(graph, home, RefreshOptions(
        k=5, batch_persons=200, seed=0, device="cpu",
        train_params=TrainParams(epochs=EPOCHS, seed=0, device="cpu")))
    persons = [r["person_id"] for r in graph.read(
        "MATCH (p:Person) RETURN p.person_id AS person_id ORDER BY person_id LIMIT 5").rows]
    before = {p: gnn_io.similar_persons(graph, p, 5) for p in persons}
    vectors = {p: gnn_io.person_embedding(graph, p) for p in persons}

    _kill_when(_REFRESH_CHILD, [str(graph.data_dir), graph.graph_name, str(home)], "written")
    [killed] = _running(graph, "refresh")
    staged = graph.scalar("MATCH ()-[r:RECOMMENDED]->() WHERE r.run_id = $r RETURN count(r)",
                          {"r": killed})
    assert staged > 0, "the killed refresh had written recommendations"

    assert current_run(graph, "refresh")["run_id"] == first.run_id
    assert graph.scalar("MATCH (p:Person) WHERE p.refresh_run_id = $r RETURN count(p)",
                        {"r": killed}) == 0, "no embedding of the killed run is live"
    assert graph.scalar("MATCH (p:Person) WHERE p.refresh_run_id = $r RETURN count(p)",
                        {"r": first.run_id}) == PERSONS
    assert {p: gnn_io.person_embedding(graph, p) for p in persons} == vectors
    assert {p: gnn_io.similar_persons(graph, p, 5) for p in persons} == before

    assert killed in [r["run_id"] for r in list_runs(graph, "refresh")
                      if r["status"] == "interrupted"]
    assert get_run(graph, killed)["status"] == "interrupted"
    assert graph.scalar("MATCH ()-[r:RECOMMENDED]->() WHERE r.run_id = $r RETURN count(r)",
                        {"r": killed}) == 0
    assert graph.scalar("MATCH (p:Person) WHERE p.embedding_stage_run IS NOT NULL "
                        "RETURN count(p)") == 0
    assert current_run(graph, "refresh")["run_id"] == first.run_id


def test_killed_analyze_is_interrupted_and_its_memberships_removed_at_once(
        graph: FalkorDBStore, settings: Settings) -> None:
    from kolgraph.usecases import analyze

    done, _result = analyze.run_analysis(graph, analyze.load_weights(), analyze.AnalyzeParams())
    published = graph.scalar("MATCH (p:Person) WHERE p.analyze_run_id = $r RETURN count(p)",
                             {"r": done})
    _kill_when(_ANALYZE_CHILD, [str(graph.data_dir), graph.graph_name], "staged")
    [killed] = _running(graph, "analyze")
    assert graph.scalar("MATCH (c:Community {run_id: $r}) RETURN count(c)", {"r": killed}) > 0

    env = {**os.environ, "PYTHONPATH": str(ROOT), "KOLGRAPH_HOME": str(settings.home),
           "KOLGRAPH_GRAPH": graph.graph_name}
    shown = subprocess.run([sys.executable, "-m", "kolgraph", "runs", "--kind", "analyze",
                            "--format", "json"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert shown.returncode == 0, shown.stderr
    statuses = {r["run_id"]: r["status"] for r in json.loads(shown.stdout)}
    assert statuses[killed] == "interrupted"
    assert statuses[done] == "complete"
    assert graph.scalar("MATCH (c:Community {run_id: $r}) RETURN count(c)", {"r": killed}) == 0
    assert graph.scalar("MATCH ()-[m:IN_COMMUNITY {run_id: $r}]->() RETURN count(m)",
                        {"r": killed}) == 0
    assert graph.scalar("MATCH (p:Person) WHERE p.analyze_stage_run IS NOT NULL "
                        "RETURN count(p)") == 0
    assert graph.scalar("MATCH (p:Person) WHERE p.analyze_run_id = $r RETURN count(p)",
                        {"r": done}) == published


def test_a_new_run_marks_a_killed_one_interrupted(graph: FalkorDBStore) -> None:
    """At the start of the next run of any kind (here an ingest-kind run), not only when runs
    are listed."""
    from graph.store.runs import finish_run, start_run

    _kill_when(_ANALYZE_CHILD, [str(graph.data_dir), graph.graph_name], "staged")
    [killed] = _running(graph, "analyze")
    time.sleep(0.1)
    mine = start_run(graph, "ingest", {"test": True})
    assert get_run(graph, killed)["status"] == "interrupted"
    assert get_run(graph, mine)["status"] == "running", "this process is alive"
    finish_run(graph, mine)
    assert graph.scalar("MATCH (c:Community {run_id: $r}) RETURN count(c)", {"r": killed}) == 0
