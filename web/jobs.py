"""Runs started from the admin page: ``kolgraph analyze``, ``refresh`` or ``train`` with the
form's parameters (``web.job_params``) in a child process (so a long run never blocks a web
thread). Each job keeps two files in ``KOLGRAPH_HOME/logs/web-jobs/``: ``<job>.log`` (the
command's output) and ``<job>.json`` (kind, user, parameters, process id, and once it ended
its exit status and end time), so that any server process — another ``--workers`` process, or
this one after a restart — lists the job and serves its log by id. The run itself shows in
the Runs page through its ``Run`` node."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.config import Settings
from graph.errors import Conflict, InvalidInput, NotFound
from graph.store.runs import process_gone, process_start
from web.job_params import JOB_KINDS, command_args, job_args, job_params

__all__ = ["JOB_KINDS", "Job", "JobRunner", "LogChunk", "job_args", "job_env"]

_SETTING_ENV = {"home": "KOLGRAPH_HOME", "backend": "KOLGRAPH_BACKEND",
                "graph_name": "KOLGRAPH_GRAPH", "neo4j_uri": "NEO4J_URI",
                "neo4j_username": "NEO4J_USERNAME", "neo4j_password": "NEO4J_PASSWORD",
                "neo4j_database": "NEO4J_DATABASE", "pii_salt": "KOLGRAPH_PII_SALT",
                "as_of": "KOLGRAPH_AS_OF",
                "min_community_size": "KOLGRAPH_MIN_COMMUNITY_SIZE",
                "community_match": "KOLGRAPH_COMMUNITY_MATCH"}
JOB_ID = re.compile(r"^(?:" + "|".join(JOB_KINDS) + r")-\d{8}T\d{6}-[0-9a-f]{6}$")
#: Most log bytes one read returns (the page asks again for the rest).
LOG_CHUNK = 64 * 1024
LISTED_JOBS = 20


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Job:
    job_id: str
    kind: str
    user: str
    started_at: str
    log_file: str
    process: subprocess.Popen[bytes]
    params: dict[str, Any]


@dataclass(frozen=True)
class LogChunk:
    """Log text from byte ``offset`` up to ``next_offset`` (whole lines while the job runs),
    and the job's state when it was read; ``done`` once it ended and the log is read to its
    end."""

    job_id: str
    text: str
    offset: int
    next_offset: int
    status: str
    exit_code: int | None
    done: bool

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "text": self.text, "offset": self.offset,
                "next_offset": self.next_offset, "status": self.status,
                "exit_code": self.exit_code, "done": self.done}


def job_env(settings: Settings) -> dict[str, str]:
    """The environment of a child ``kolgraph`` process working on the same store."""
    env = dict(os.environ)
    for name, var in _SETTING_ENV.items():
        value = getattr(settings, name)
        if value is not None:
            env[var] = str(value)
    env.pop("KOLGRAPH_CONFIG", None)
    env["PYTHONUNBUFFERED"] = "1"  # the log shows each line when it is written
    return env


def _status(meta: Mapping[str, Any]) -> str:
    """``running``, ``complete``, ``failed``, or ``interrupted`` (the process is gone without
    an exit status recorded: its server stopped while it ran)."""
    code = meta.get("exit_code")
    if code is not None:
        return "complete" if code == 0 else "failed"
    if process_gone(meta.get("pid"), meta.get("host"), meta.get("proc_start")):
        return "interrupted"
    return "running"


class JobRunner:
    """Starts at most one job of each kind at a time, across the server's processes."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        return self.settings.logs_dir / "web-jobs"

    def _meta_path(self, job_id: str) -> Path:
        return self.folder / f"{job_id}.json"

    def _write_meta(self, meta: Mapping[str, Any]) -> None:
        path = self._meta_path(str(meta["job_id"]))
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    def start(self, kind: str, user: str, options: Mapping[str, str] | None = None) -> Job:
        """Start ``kolgraph <kind>`` with the form's ``options`` (``job_params``);
        ``InvalidInput`` for an unknown kind or a bad option, ``Conflict`` when a job of that
        kind is running."""
        params = job_params(kind, options or {})
        args = command_args(kind, params)
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock, self._starting():
            if any(j.kind == kind and j.process.poll() is None for j in self._jobs.values()) \
                    or self._running_elsewhere(kind):
                raise Conflict(f"a {kind} job is already running", param="kind")
            stamp = dt.datetime.now(dt.UTC)
            job_id = f"{kind}-{stamp:%Y%m%dT%H%M%S}-{os.urandom(3).hex()}"
            log_file = self.folder / f"{job_id}.log"
            with log_file.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-c", "from kolgraph.cli import main; main()", *args],
                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    env=job_env(self.settings), cwd=str(Path.cwd()))
            job = Job(job_id, kind, user, stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), str(log_file),
                      process, params)
            meta = {"job_id": job_id, "kind": kind, "user": user, "started_at": job.started_at,
                    "params": params, "args": args, "pid": process.pid,
                    "host": socket.gethostname(), "proc_start": process_start(process.pid),
                    "exit_code": None, "finished_at": None}
            self._write_meta(meta)
            self._jobs[job_id] = job
        threading.Thread(target=self._wait, args=(job, meta), name=f"job-{job_id}",
                         daemon=True).start()
        return job

    @contextlib.contextmanager
    def _starting(self) -> Iterator[None]:
        """Held while a job is checked and started, across the server's processes
        (``--workers``): two of them never both start a job of one kind."""
        with open(self.folder / ".start.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _running_elsewhere(self, kind: str) -> bool:
        """Whether a job of ``kind`` started by another server process still runs."""
        for path in self.folder.glob(f"{kind}-*.json"):
            if path.stem in self._jobs or not JOB_ID.match(path.stem):
                continue
            try:
                meta = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if _status(meta) == "running":
                return True
        return False

    def _wait(self, job: Job, meta: dict[str, Any]) -> None:
        code = job.process.wait()
        self._write_meta({**meta, "exit_code": code, "finished_at": _now()})

    def _read_meta(self, job_id: str) -> dict[str, Any]:
        """The job's record; ``NotFound`` for an id that is not a job's (never a path: the id
        must have the job-id shape before any file is named after it)."""
        if not JOB_ID.match(job_id):
            raise NotFound(f"no job {job_id!r}", param="job_id")
        job = self._jobs.get(job_id)
        try:
            meta = json.loads(self._meta_path(job_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise NotFound(f"no job {job_id!r}", param="job_id") from None
        if meta.get("exit_code") is None:
            meta = self._settle_exit(job_id, job, meta)
        return dict(meta)

    def _settle_exit(self, job_id: str, job: Job | None,
                     meta: dict[str, Any]) -> dict[str, Any]:
        """``meta`` with the exit status of a job that ended before its waiter recorded it.
        A job is read as gone (``interrupted``) only once its process was reaped, and its
        waiter writes the exit status just after reaping it: ``poll`` answers nothing while
        this process's waiter reaps, so that one is waited for, and another process's job is
        read again."""
        if job is not None:
            code = job.process.poll()
            if code is None and process_gone(meta.get("pid"), meta.get("host"),
                                             meta.get("proc_start")):
                try:
                    code = job.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    code = None
            return {**meta, "exit_code": code}
        if process_gone(meta.get("pid"), meta.get("host"), meta.get("proc_start")):
            try:
                return dict(json.loads(self._meta_path(job_id).read_text(encoding="utf-8")))
            except (OSError, ValueError):
                return meta
        return meta

    def _row(self, meta: Mapping[str, Any]) -> dict[str, Any]:
        return {"job_id": meta["job_id"], "kind": meta.get("kind"), "user": meta.get("user"),
                "started_at": meta.get("started_at"), "finished_at": meta.get("finished_at"),
                "status": _status(meta), "exit_code": meta.get("exit_code"),
                "params": meta.get("params") or {},
                "log_file": str(self.folder / f"{meta['job_id']}.log")}

    def get(self, job_id: str) -> dict[str, Any]:
        """One job as ``list`` shows it; ``NotFound`` for an unknown id."""
        return self._row(self._read_meta(job_id))

    def list(self, limit: int = LISTED_JOBS) -> list[dict[str, Any]]:
        """The ``limit`` newest jobs started from the admin page by any server process:
        ``job_id, kind, user, started_at, finished_at, status, exit_code, params``."""
        if not self.folder.is_dir():
            return []
        ids = sorted((p.stem for p in self.folder.glob("*.json") if JOB_ID.match(p.stem)),
                     key=lambda i: (i.split("-")[1], i), reverse=True)
        rows = []
        for job_id in ids[:limit]:
            try:
                rows.append(self.get(job_id))
            except NotFound:
                continue
        return rows

    def read_log(self, job_id: str, offset: int = 0, limit: int = LOG_CHUNK) -> LogChunk:
        """The job's log from byte ``offset``: at most ``limit`` bytes, cut after the last
        complete line while the job runs (UTF-8, undecodable bytes replaced). ``NotFound``
        for an unknown id, ``InvalidInput`` for a negative offset."""
        if offset < 0:
            raise InvalidInput("offset", f"must be at least 0, got {offset}")
        meta = self._read_meta(job_id)
        status = _status(meta)
        ended = status != "running"
        path = self.folder / f"{job_id}.log"
        try:
            with path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                offset = min(offset, size)
                f.seek(offset)
                raw = f.read(limit)
        except OSError:
            raw, size = b"", offset
        if not ended:
            cut = raw.rfind(b"\n")
            if cut >= 0:
                raw = raw[:cut + 1]
            elif len(raw) < limit:
                raw = b""
        next_offset = offset + len(raw)
        return LogChunk(job_id, raw.decode("utf-8", errors="replace"), offset, next_offset,
                        status, meta.get("exit_code"), ended and next_offset >= size)
