"""Crash safety: SIGKILL ``kolgraph ingest`` half-way through a large folder, run it again,
and get exactly the counts and property sums of one uninterrupted run in a fresh graph."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from graph.config import Settings
from graph.ingest.pipeline import ingest_folder
from graph.store.base import GraphStore
from graph.store.falkordb_store import FalkorDBStore
from tests.test_ingest import state


def test_killed_ingest_rerun_equals_uninterrupted(store: GraphStore, settings: Settings,
                                                  tmp_path: Path) -> None:
    from graph.ingest.sample import generate_sample

    folder = tmp_path / "sample"
    # large enough that its writes take seconds: the poll below sees the 20th batch long
    # before the last one, however busy the machine (5,000 persons write in about 0.5 s)
    generate_sample(folder, persons=20000, seed=11)
    env = {**os.environ, "KOLGRAPH_HOME": str(settings.home), "KOLGRAPH_GRAPH": "ingest_crash",
           "KOLGRAPH_PII_SALT": settings.pii_salt or ""}
    command = [sys.executable, "-m", "kolgraph", "ingest", str(folder), "--format", "json"]
    killed = FalkorDBStore(settings.db_dir, "ingest_crash")
    try:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if (killed.scalar("MATCH (b:IngestBatch) RETURN count(b) AS n") or 0) >= 20:
                break
            time.sleep(0.01)
        assert process.poll() is None, "ingest finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
        batches = killed.scalar("MATCH (b:IngestBatch) RETURN count(b) AS n")
        partial = state(killed)
        rerun = subprocess.run(command, env=env, capture_output=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr.decode()
        ingest_folder(store, settings, folder)
        expected = state(store)
        assert partial != expected
        assert state(killed) == expected
        assert killed.scalar("MATCH (b:IngestBatch) RETURN count(b) AS n") > batches
    finally:
        killed.drop_all()
        killed.close()
