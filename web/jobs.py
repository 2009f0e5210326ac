"""Runs started from the admin page: ``kolgraph analyze`` (with the form's resolution) or
``kolgraph refresh`` in a child process (so a long run never blocks a web thread), its output in
``KOLGRAPH_HOME/logs/web-jobs/<job>.log``. The run itself shows in the Runs page through its
``Run`` node; the job list adds the process view (exit status, log file)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.config import Settings
from graph.errors import Conflict, InvalidInput
from kolgraph.usecases.analyze import AnalyzeParams, check_params

JOB_COMMANDS = {"analyze": ["analyze"], "refresh": ["refresh"]}
_SETTING_ENV = {"home": "KOLGRAPH_HOME", "backend": "KOLGRAPH_BACKEND",
                "graph_name": "KOLGRAPH_GRAPH", "neo4j_uri": "NEO4J_URI",
                "neo4j_username": "NEO4J_USERNAME", "neo4j_password": "NEO4J_PASSWORD",
                "neo4j_database": "NEO4J_DATABASE", "pii_salt": "KOLGRAPH_PII_SALT",
                "as_of": "KOLGRAPH_AS_OF",
                "min_community_size": "KOLGRAPH_MIN_COMMUNITY_SIZE",
                "community_match": "KOLGRAPH_COMMUNITY_MATCH"}


@dataclass
class Job:
    job_id: str
    kind: str
    user: str
    started_at: str
    log_file: str
    process: subprocess.Popen[bytes]

    def to_dict(self) -> dict[str, Any]:
        code = self.process.poll()
        status = "running" if code is None else ("complete" if code == 0 else "failed")
        return {"job_id": self.job_id, "kind": self.kind, "user": self.user,
                "started_at": self.started_at, "status": status, "exit_code": code,
                "log_file": self.log_file}


def job_args(kind: str, options: Mapping[str, str]) -> list[str]:
    """The ``kolgraph`` arguments of a job of ``kind`` with the form's ``options``, checked
    by the use-case before any process starts: an analyze job takes ``resolution`` (empty:
    1.0). ``InvalidInput`` names the parameter at fault.

    >>> job_args("analyze", {"resolution": "2.5"})
    ['analyze', '--resolution', '2.5']
    """
    if kind not in JOB_COMMANDS:
        raise InvalidInput("kind", f"one of {', '.join(JOB_COMMANDS)}; got {kind!r}")
    args = list(JOB_COMMANDS[kind])
    if kind == "analyze":
        raw = (options.get("resolution") or "").strip() or "1.0"
        try:
            resolution = float(raw)
        except ValueError:
            raise InvalidInput("resolution", f"expected a number, got {raw!r}") from None
        check_params(AnalyzeParams(resolution=resolution))
        args += ["--resolution", repr(resolution)]
    return args


def job_env(settings: Settings) -> dict[str, str]:
    """The environment of a child ``kolgraph`` process working on the same store."""
    env = dict(os.environ)
    for name, var in _SETTING_ENV.items():
        value = getattr(settings, name)
        if value is not None:
            env[var] = str(value)
    env.pop("KOLGRAPH_CONFIG", None)
    return env


class JobRunner:
    """Starts at most one job of each kind at a time."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._jobs: list[Job] = []
        self._lock = threading.Lock()

    def start(self, kind: str, user: str, options: Mapping[str, str] | None = None) -> Job:
        """Start ``kolgraph <kind>`` with ``options`` (``job_args``); ``InvalidInput`` for an
        unknown kind or a bad option, ``Conflict`` when a job of that kind is running."""
        args = job_args(kind, options or {})
        with self._lock:
            if any(j.kind == kind and j.process.poll() is None for j in self._jobs):
                raise Conflict(f"a {kind} job is already running", param="kind")
            stamp = dt.datetime.now(dt.UTC)
            job_id = f"{kind}-{stamp:%Y%m%dT%H%M%S}-{len(self._jobs) + 1}"
            folder = self.settings.logs_dir / "web-jobs"
            folder.mkdir(parents=True, exist_ok=True)
            log_file = folder / f"{job_id}.log"
            with log_file.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-c", "from kolgraph.cli import main; main()", *args],
                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    env=job_env(self.settings), cwd=str(Path.cwd()))
            job = Job(job_id, kind, user, stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), str(log_file),
                      process)
            self._jobs.append(job)
            return job

    def list(self) -> list[dict[str, Any]]:
        """Jobs of this server process, newest first."""
        with self._lock:
            return [j.to_dict() for j in reversed(self._jobs)]
