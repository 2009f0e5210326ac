"""Seed plans computed in the background: the campaign seeds page and its API ask for a plan
(``kolgraph.usecases.seeds.plan_seeds``, 20-30 s on a large graph) and get, at once, either
the plan or a job that is working on it, with its stage and how far it got.

``SeedJobs.start(key, compute)`` runs ``compute(progress)`` in a worker thread: at most
``running`` plans at a time (the others wait their turn, in stage ``queued``), identical
requests (the same ``key``) share one job, and at most ``pending`` jobs are unfinished at
once (``start`` answers ``None`` beyond: the caller says "try again later"). A job ends
``done`` (with the plan) or ``error``: a use-case's ``InvalidInput`` or ``NotReady`` is kept
with the job so that asking again shows the same error without computing again; any other
exception is logged and shown as a server error, and a ``start`` of that key at least
``retry_after_s`` seconds later tries again (sooner, pollers would restart it in a loop).
The last ``kept`` finished jobs are remembered (their plans are in the data cache as well).

Jobs live in the memory of one server process: with several ``--workers`` processes each
runs its own jobs, and a request served by another process starts the plan there (the
result is correct either way, only computed twice).

>>> jobs = SeedJobs(running=1)
>>> job = jobs.start(("plan", 3), lambda progress: progress("sampling", 0.5) or {"k": 3})
>>> job.wait(5)
True
>>> status = job.status()
>>> status.state, status.stage, status.fraction, status.result
('done', 'done', 1.0, {'k': 3})
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from graph.errors import InvalidInput, NotReady

__all__ = ["STAGES", "JobStatus", "SeedJob", "SeedJobs", "stage_of"]

log = logging.getLogger("kolgraph.web")

#: A job's stages, in order: waiting for a free worker, reading the graph, then the
#: algorithm's own (``graph.analytics``: IMM's sampling and selecting, the Monte Carlo
#: simulation of every strategy, CELF when asked), and the end.
STAGES: tuple[str, ...] = ("queued", "loading", "sampling", "selecting", "simulating", "celf",
                           "done")
#: Plans computed at the same time (each keeps a CPU core busy).
RUNNING = 2
#: Unfinished jobs (running or queued) at most; beyond, ``start`` refuses a new one.
PENDING = 16
#: Finished jobs remembered (with their plan or error).
KEPT = 64
#: Seconds after an unexpected failure before a new request computes the plan again.
RETRY_AFTER_S = 30.0

Progress = Callable[[str, float], None]
Compute = Callable[[Progress], dict[str, Any]]


def stage_of(name: str) -> str:
    """The page's stage of an algorithm's progress ``name``: one of ``STAGES`` (CELF's
    several stages are one); an unknown name is kept as it is.

    >>> stage_of("celf first round"), stage_of("sampling")
    ('celf', 'sampling')
    """
    return "celf" if name.startswith("celf") else name


@dataclass(frozen=True)
class JobStatus:
    """A job as one request sees it: ``state`` (``running``, ``done``, ``error``), ``stage``
    (one of ``STAGES``), ``fraction`` of the stage done (0..1), the plan when done, the
    error when failed."""

    state: str
    stage: str
    fraction: float
    result: dict[str, Any] | None = None
    error: Exception | None = None


class SeedJob:
    """One plan being computed: its progress, then its plan or its error."""

    def __init__(self, key: Hashable, retry_after_s: float = RETRY_AFTER_S):
        self.key = key
        self.retry_after_s = retry_after_s
        self._ended = 0.0
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._stage, self._fraction = "queued", 0.0
        self._result: dict[str, Any] | None = None
        self._error: Exception | None = None

    @classmethod
    def finished(cls, key: Hashable, result: dict[str, Any]) -> SeedJob:
        """A job that is already done with ``result`` (a plan found in the cache)."""
        job = cls(key)
        job._finish(result, None)
        return job

    def progress(self, stage: str, fraction: float) -> None:
        """The ``progress(stage, fraction)`` callback the use-case calls as it goes."""
        with self._lock:
            self._stage = stage_of(stage)
            self._fraction = min(1.0, max(0.0, float(fraction)))

    def _finish(self, result: dict[str, Any] | None, error: Exception | None) -> None:
        with self._lock:
            self._result, self._error = result, error
            self._ended = time.monotonic()
            if error is None:
                self._stage, self._fraction = "done", 1.0
        self._finished.set()

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    @property
    def retry(self) -> bool:
        """Whether a new request should start this plan again: it failed unexpectedly at
        least ``retry_after_s`` seconds ago."""
        with self._lock:
            return (self._finished.is_set() and self._error is not None
                    and not isinstance(self._error, InvalidInput | NotReady)
                    and time.monotonic() - self._ended >= self.retry_after_s)

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the job to end; whether it has."""
        return self._finished.wait(max(0.0, timeout))

    def status(self) -> JobStatus:
        """The job's state now (a consistent snapshot)."""
        with self._lock:
            if not self._finished.is_set():
                return JobStatus("running", self._stage, self._fraction)
            if self._error is not None:
                return JobStatus("error", self._stage, self._fraction, error=self._error)
            return JobStatus("done", "done", 1.0, result=self._result)


class SeedJobs:
    """The seed plans of one server process: started on request, shared by identical
    requests, ``running`` at a time (thread-safe)."""

    def __init__(self, running: int = RUNNING, pending: int = PENDING, kept: int = KEPT,
                 retry_after_s: float = RETRY_AFTER_S):
        self.pending = pending
        self.kept = kept
        self.retry_after_s = retry_after_s
        self._slots = threading.BoundedSemaphore(running)
        self._lock = threading.Lock()
        self._jobs: OrderedDict[Hashable, SeedJob] = OrderedDict()

    def get(self, key: Hashable) -> SeedJob | None:
        """The job of ``key`` (running or finished), if this process has one."""
        with self._lock:
            return self._jobs.get(key)

    def start(self, key: Hashable, compute: Compute) -> SeedJob | None:
        """The job of ``key``: the one running or finished, else a new one that runs
        ``compute(progress)`` in a worker thread; ``None`` when ``pending`` jobs are already
        unfinished."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and not job.retry:
                self._jobs.move_to_end(key)
                return job
            if sum(j.running for j in self._jobs.values()) >= self.pending:
                return None
            job = SeedJob(key, self.retry_after_s)
            self._jobs[key] = job
            self._jobs.move_to_end(key)
            self._forget_old()
        threading.Thread(target=self._run, args=(job, compute), name="seed-plan",
                         daemon=True).start()
        return job

    def _forget_old(self) -> None:
        """Drop the oldest finished jobs beyond ``kept`` (caller holds the lock)."""
        finished = [k for k, j in self._jobs.items() if not j.running]
        for key in finished[:max(0, len(finished) - self.kept)]:
            del self._jobs[key]

    def _run(self, job: SeedJob, compute: Compute) -> None:
        with self._slots:
            job.progress("loading", 0.0)
            try:
                result = compute(job.progress)
            except (InvalidInput, NotReady) as exc:
                job._finish(None, exc)
            except Exception as exc:  # noqa: BLE001 - kept for the page, logged here
                log.exception("seed plan %r failed", job.key)
                job._finish(None, exc)
            else:
                job._finish(result, None)
