"""Faults: a full disk under ``KOLGRAPH_HOME`` during ingest and refresh.

How the disk is made full is chosen at run time (``SmallDisk``), and each test prints which
mechanism ran (``pytest -s`` or the captured output of a failure):

- ``tmpfs``: the home is a 64 MiB tmpfs mounted for the test (root with ``CAP_SYS_ADMIN``);
  a filler file leaves only ``headroom`` bytes free, so the server's append-only file and
  kolgraph's own files really get ``ENOSPC``; space is freed by deleting the filler.
- ``rlimit``: where mounting is not permitted (a container without the capability), the
  ``kolgraph`` child processes, and the database server such a child starts, run under
  ``RLIMIT_FSIZE`` with ``SIGXFSZ`` ignored, so a write past the limit fails with
  ``EFBIG``; space is freed by restarting the server without the limit.

``KOLGRAPH_TEST_DISK_FAULT=rlimit`` forces the second mechanism where both would work.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gnn.fit import FitParams
from gnn.jobs import load_graph, train_job
from gnn.ranking import RankerParams
from gnn.registry import latest_model_id
from gnn.train import TrainParams
from graph.config import Settings
from graph.ingest.pipeline import ingest_folder
from graph.ingest.sample import generate_sample
from graph.store import embedded, gnn_io
from graph.store.base import GraphStore
from graph.store.falkordb_store import FalkorDBStore
from graph.store.faults import DiskFull
from graph.store.runs import current_run
from tests.test_ingest import state

SALT = "disk-fault-test-salt"
NO_SPACE = ("no space left on device", "file too large")


class SmallDisk:
    """A ``KOLGRAPH_HOME`` whose writes can be made to fail for lack of space."""

    def __init__(self, home: Path, mechanism: str):
        self.home = home
        self.mechanism = mechanism
        self.filler = home / "filler"
        self.limit: int | None = None

    @property
    def db_dir(self) -> Path:
        return self.home / "db"

    def fill(self, headroom: int) -> None:
        """Leave ``headroom`` bytes for what is written from now on."""
        if self.mechanism == "tmpfs":
            fs = os.statvfs(self.home)
            size = fs.f_bavail * fs.f_frsize - headroom
            fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, max(size, 1))
            finally:
                os.close(fd)
            return
        aof = self.db_dir / "aof"
        largest = max((f.stat().st_size for f in aof.iterdir()), default=0) if aof.is_dir() else 0
        self.limit = largest + headroom
        self.kill_server()  # the next kolgraph child starts it, under the limit

    def free(self) -> None:
        """Give the space back; the server runs again, able to write."""
        if self.mechanism == "tmpfs":
            self.filler.unlink(missing_ok=True)
        else:
            self.limit = None
            self.kill_server()
        embedded.start(self.db_dir)

    def kill_server(self) -> None:
        """Stop the server; one that cannot flush its log of writes refuses a polite stop."""
        try:
            embedded.stop(self.db_dir, wait_s=15)
        except embedded.EmbeddedServerError:
            for pid in servers_of(self.db_dir):
                os.kill(pid, signal.SIGKILL)
            embedded.stop(self.db_dir)

    @contextlib.contextmanager
    def this_process_limited(self, limit: int) -> Iterator[None]:
        """rlimit: this process's own writes past ``limit`` bytes fail (``EFBIG``; Python
        ignores ``SIGXFSZ``) inside the block; tmpfs: nothing to add to ``fill``."""
        if self.mechanism != "rlimit":
            yield
            return
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

    def preexec(self) -> Callable[[], None] | None:
        limit = self.limit
        if limit is None:
            return None

        def limited() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return limited

    def kolgraph(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run ``kolgraph ARGS`` on this home (under the limit, if any)."""
        env = {**os.environ, "KOLGRAPH_HOME": str(self.home), "KOLGRAPH_PII_SALT": SALT}
        env.pop("KOLGRAPH_CONFIG", None)
        return subprocess.run([sys.executable, "-m", "kolgraph", *args], env=env,
                              capture_output=True, text=True, timeout=timeout,
                              preexec_fn=self.preexec())


def servers_of(db_dir: Path) -> list[int]:
    """Pids of every redis-server serving ``db_dir`` (pid file or not)."""
    paths = embedded.ServerPaths(db_dir)
    return [int(p.name) for p in Path("/proc").iterdir()
            if p.name.isdigit() and embedded._is_our_server(int(p.name), paths)]


def _mount(home: Path) -> bool:
    if os.environ.get("KOLGRAPH_TEST_DISK_FAULT") == "rlimit":
        return False
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs",
                              str(home)], capture_output=True)
    return mounted.returncode == 0


@pytest.fixture
def disk() -> Iterator[SmallDisk]:
    home = Path(tempfile.mkdtemp(prefix="kgd-"))
    small = SmallDisk(home, "tmpfs" if _mount(home) else "rlimit")
    print(f"full disk made by: {small.mechanism}")
    try:
        yield small
    finally:
        small.filler.unlink(missing_ok=True)
        with contextlib.suppress(Exception):
            small.limit = None
            small.kill_server()
        for pid in servers_of(small.db_dir):
            os.kill(pid, signal.SIGKILL)
        if small.mechanism == "tmpfs":
            subprocess.run(["umount", "-l", str(home)], check=False)
        shutil.rmtree(home, ignore_errors=True)


def assert_one_line_no_space(result: subprocess.CompletedProcess[str], where: Path) -> None:
    """Failed, with one ``error:`` line, the last (progress lines may come before it),
    naming the lack of space and a path under ``where``, and no traceback."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert errors == lines[-1:], result.stderr
    assert any(words in errors[0] for words in NO_SPACE), errors[0]
    assert str(where) in errors[0], errors[0]


def assert_answers(result: subprocess.CompletedProcess[str]) -> None:
    """Succeeded, or failed with one ``error:`` line (no traceback)."""
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode not in (0, 3):
        assert result.returncode == 1, (result.returncode, result.stderr)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, result.stderr


def test_commands_answer_while_the_database_cannot_write(disk: SmallDisk) -> None:
    """Once the server could not write its log of writes it refuses writes (and PING) with
    ``MISCONF``: the store raises ``DiskFull`` naming the folder, ``db status`` says so in
    one line, ``db counts`` and ``query`` still read; freed space ends the fault."""
    embedded.start(disk.db_dir)
    disk.fill(headroom=300 * 1024)
    assert disk.kolgraph("db", "start").returncode == 0  # rlimit: now under the limit
    graph = FalkorDBStore(disk.db_dir, "kolgraph")
    try:
        graph.write("CREATE (:Blob {i: 1})")
        with pytest.raises(DiskFull) as refused:  # the first big write is answered before
            for i in range(2, 5):                  # the server writes it to its log
                graph.write("CREATE (:Blob {i: $i, s: $s})", {"i": i, "s": "x" * 2**20})
        counts = disk.kolgraph("db", "counts", "--format", "csv")
        assert counts.returncode == 0 and "Person,0" in counts.stdout, counts.stderr
        query = disk.kolgraph("query", "MATCH (b:Blob) RETURN count(b) AS n", "--format",
                              "json")
        assert query.returncode == 0 and '"n"' in query.stdout, query.stderr
        assert_one_line_no_space(disk.kolgraph("db", "status"), disk.db_dir)
        assert str(disk.db_dir) in str(refused.value)

        disk.free()
        graph.close()
        graph = FalkorDBStore(disk.db_dir, "kolgraph")
        graph.write("CREATE (:Blob {i: 9})")
        assert disk.kolgraph("db", "status").returncode == 0
    finally:
        graph.close()


def test_full_disk_during_ingest_then_exact_rerun(disk: SmallDisk, store: GraphStore,
                                                   settings: Settings, tmp_path: Path) -> None:
    """Ingest on a disk that fills part-way: a one-line error naming the database folder,
    the other commands answer meanwhile, the database loads after space is freed, and a
    re-run gives exactly the graph of an ingest that never failed."""
    folder = tmp_path / "sample"
    generate_sample(folder, persons=2000, seed=11)
    embedded.start(disk.db_dir)
    disk.fill(headroom=600 * 1024)  # about half of what the ingest writes

    failed = disk.kolgraph("ingest", str(folder))
    assert_one_line_no_space(failed, disk.home)

    for command in (["db", "status"], ["db", "counts"],
                    ["query", "MATCH (p:Person) RETURN count(p) AS n"]):
        assert_answers(disk.kolgraph(*command))
    if disk.mechanism == "tmpfs":
        status = disk.kolgraph("db", "status")
        assert_one_line_no_space(status, disk.db_dir)

    disk.free()
    disk.kill_server()
    assert embedded.start(disk.db_dir).running, "the database loads after the fault"
    rerun = disk.kolgraph("ingest", str(folder))
    assert rerun.returncode == 0, rerun.stderr

    ingest_folder(store, settings, folder)
    graph = FalkorDBStore(disk.db_dir, settings.graph_name)
    try:
        assert state(graph) == state(store)
    finally:
        graph.close()


def test_start_on_a_full_disk_refuses_and_leaves_no_server(disk: SmallDisk) -> None:
    """``db start`` where nothing more fits: one line naming the folder, and no server left
    running without a pid file (a second start would run another beside it)."""
    embedded.start(disk.db_dir)
    disk.kill_server()
    disk.fill(headroom=0)
    for _ in range(2):
        started = disk.kolgraph("db", "start", timeout=120)
        assert_one_line_no_space(started, disk.db_dir)
        assert servers_of(disk.db_dir) == []
    disk.free()
    assert len(servers_of(disk.db_dir)) == 1


REFRESH = ("refresh", "--k", "3", "--batch-persons", "250", "--device", "cpu")
#: A small, quick training: what is tested is where its files go.
TRAIN = FitParams(gnn=TrainParams(hidden=8, epochs=2, eval_every=1, device="cpu"),
                  ranker=RankerParams(rounds=10, early_stopping=5, max_persons=200),
                  eval_persons=200, refit=False)


def _current_recommendations(db_dir: Path) -> tuple[str, list[tuple[object, ...]]]:
    """The current refresh run and its recommendations, without run ids."""
    graph = FalkorDBStore(db_dir, "kolgraph")
    try:
        run = current_run(graph, "refresh")
        assert run is not None
        rows = [r for batch in gnn_io.stream_recommendations(graph, run["run_id"])
                for r in batch]
        return run["run_id"], sorted((r["person_id"], r["kind"], r["rank"], r["target_id"],
                                      round(r["score"], 6)) for r in rows)
    finally:
        graph.close()


def _train(disk: SmallDisk) -> None:
    """Save a model on a full disk (refused: no half-saved model, its run failed), then
    with room (the model the refreshes below use)."""
    models = disk.home / "models"
    graph = FalkorDBStore(disk.db_dir, "kolgraph")
    data = load_graph(graph)
    if disk.mechanism == "tmpfs":
        disk.fill(headroom=100 * 1024)  # the model files do not fit
    with disk.this_process_limited(16 * 1024), pytest.raises(DiskFull) as refused:
        train_job(graph, models, data, TRAIN)
    assert str(models) in str(refused.value)
    assert latest_model_id(models) is None
    assert not [p for p in models.iterdir() if p.name.startswith(".partial")]
    if disk.mechanism == "tmpfs":
        disk.free()
    assert [r["status"] for r in graph.read(
        "MATCH (r:Run {kind: 'train'}) RETURN r.status AS status").rows] == ["failed"]
    assert train_job(graph, models, data, TRAIN).model_id == latest_model_id(models)
    graph.close()


def test_full_disk_during_refresh_then_exact_rerun(disk: SmallDisk, tmp_path: Path) -> None:
    """A full disk while saving a trained model (``_train``) and while a refresh writes
    embeddings and recommendations: one line naming the folder, readers keep the last
    complete run; after space is freed the database loads and the re-run writes exactly
    the recommendations of a refresh that never failed."""
    folder = tmp_path / "sample"
    generate_sample(folder, persons=1000, seed=5)
    assert disk.kolgraph("ingest", str(folder)).returncode == 0
    _train(disk)

    assert disk.kolgraph(*REFRESH).returncode == 0  # the refresh that never failed
    baseline_run, baseline = _current_recommendations(disk.db_dir)
    assert baseline

    disk.fill(headroom=400 * 1024)  # about a fifth of what the refresh writes
    assert_one_line_no_space(disk.kolgraph(*REFRESH), disk.home)
    assert _current_recommendations(disk.db_dir) == (baseline_run, baseline)

    disk.free()
    disk.kill_server()
    assert embedded.start(disk.db_dir).running, "the database loads after the fault"
    rerun = disk.kolgraph(*REFRESH)
    assert rerun.returncode == 0, rerun.stderr
    assert "resuming refresh" in rerun.stderr + rerun.stdout
    run, recommendations = _current_recommendations(disk.db_dir)
    assert run != baseline_run
    assert recommendations == baseline
