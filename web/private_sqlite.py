"""Small SQLite files of the web app that only the server's user may read (the log-in
limiter, the console history): created mode 0600 before SQLite opens them, WAL journal."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def create(path: Path, schema: str) -> None:
    """Create ``path`` (and its folder) mode 0600 if missing, switch it to WAL and run
    ``schema`` (idempotent statements)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # before SQLite opens it
    path.chmod(0o600)
    with connect(path) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript(schema)


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to ``path`` in one transaction (committed when the block ends without an
    error, rolled back otherwise), closed after it."""
    db = sqlite3.connect(path, timeout=10)
    try:
        with db:
            yield db
    finally:
        db.close()
