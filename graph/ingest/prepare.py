"""Row preparation: validation and the per-row values that need no other row.

A file's rows are prepared in chunks of ``CHUNK_ROWS``: ``prepare_chunk`` validates them
(``validate``), then adds the event rows' hashes (``events.ROW_HASH``: de-duplication and
batch digests) and the accounts' identity hashes (``identity_hashes``: the pseudonyms of
their phone, email and unionid). ``preparer`` runs the chunks of a large input in worker
processes, so that every core of the machine works on them; a small input is prepared in
this process.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_all_start_methods, get_context
from typing import Any, TypeVar

import pandas as pd

from graph.ingest import events as ev
from graph.ingest.pii import identity_hashes
from graph.ingest.timestamps import TimeWindow
from graph.ingest.validate import Rejected, validate

#: Rows prepared at a time (validation copies its input a few times).
CHUNK_ROWS = 250_000
#: Input size (bytes, all files together) from which chunks go to worker processes.
PARALLEL_BYTES = 64 << 20
#: At most this many worker processes (each holds a chunk or two: memory).
MAX_WORKERS = 4
#: Columns that make two rows of a kind the same row (duplicates are dropped); for events,
#: also the columns their row hash covers.
DEDUP_KEYS: dict[str, list[str] | None] = {
    "accounts": None,
    "identity_links": ["a", "b"],
    "contents": None,
    "interactions": ["src", "dst", "type", "ts"],
    "engagements": ["account", "content", "type", "ts", "amount"],
}
IDENTITY_HASHES = "identity_hashes"
T = TypeVar("T")


def prepare_chunk(kind: str, rows: pd.DataFrame, ts_format: str | None, file_name: str,
                  salt: str | None, window: TimeWindow = TimeWindow()
                  ) -> tuple[pd.DataFrame, list[Rejected]]:
    """Validate ``rows`` (text cells of one ``kind`` file, ``file_name``; timestamps
    outside ``window`` are rejected) and return
    ``(valid typed rows, rejected rows)``; the valid rows of events get ``ROW_HASH``, those
    of accounts ``identity_hashes`` (their raw identity columns stay, for de-duplication).

    Raises ``MissingSaltError`` (naming ``file_name``) when an account row holds personal
    data and ``salt`` is empty.
    """
    good, rejected = validate(kind, rows, ts_format, window)
    if kind in ev.SOURCES:
        good[ev.ROW_HASH] = ev.row_hashes(good, DEDUP_KEYS[kind] or [])
    elif kind == "accounts":
        good[IDENTITY_HASHES] = identity_hashes(good, salt, file_name)
    return good, rejected


def chunks(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """``frame`` cut into slices of ``CHUNK_ROWS`` rows (one empty slice for an empty
    frame, so that its columns are still checked and typed)."""
    for start in range(0, max(len(frame), 1), CHUNK_ROWS):
        yield frame.iloc[start:start + CHUNK_ROWS]


def worker_count(input_bytes: int) -> int:
    """How many worker processes prepare an input of ``input_bytes``: none below
    ``PARALLEL_BYTES``, else one per core this process may use (at most ``MAX_WORKERS``;
    none on a single core)."""
    if input_bytes < PARALLEL_BYTES:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    return min(cores, MAX_WORKERS) if cores > 1 else 0


class _Inline(Executor):
    """Runs each submitted call at once, in this process (a small input)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to whoever takes the result, as a pool does
            future.set_exception(exc)  # (an interrupt goes up at once)
        return future


def _ignore_interrupt() -> None:
    # Ctrl-C reaches the whole process group: the ingest process stops the pool
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def preparer(workers: int) -> Iterator[Executor]:
    """An executor for ``prepare_chunk``: ``workers`` processes, or this process for 0.
    Leaving the block stops the workers; on an error, queued chunks are dropped.

    The workers are forked where the system can (all started at once, before the ingest
    starts threads of its own): a started ("spawn") worker would import the caller's main
    module again, and run an unguarded script's ingest a second time.
    """
    if workers <= 0:
        yield _Inline()
        return
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(workers, mp_context=get_context(method),
                               initializer=_ignore_interrupt)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
