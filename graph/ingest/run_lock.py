"""One ingest at a time into a graph: an exclusive lock file in ``KOLGRAPH_HOME``.

The ingest decides which nodes to create from its own read of the graph at the start, and
FalkorDB's bulk path checks no unique constraint, so a second ingest into the same graph
at the same time could create a key twice. The lock (``flock``, released by the kernel when
the process dies, even by ``kill -9``) stops the second ingest before it reads anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from graph.errors import Conflict


class IngestBusyError(Conflict, RuntimeError):
    """Another ingest into the same graph is running."""


@contextlib.contextmanager
def ingest_lock(home: Path, graph_name: str) -> Iterator[None]:
    """Hold ``<home>/ingest-<graph_name>.lock`` while the block runs; raise
    ``IngestBusyError`` (naming the lock file and the holder's pid) at once when another
    process holds it."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / f"ingest-{graph_name}.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise IngestBusyError(
                f"another ingest into graph {graph_name!r} is running (pid {holder}, lock "
                f"{path}); wait for it to finish") from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
