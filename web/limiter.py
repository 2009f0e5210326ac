"""Log-in rate limiting: failed log-ins counted per account and per client address in a
sliding window, in a small SQLite file (WAL) that every worker process of the web app shares.

A failure counts against both the account tried and the address it came from. A success
clears only the failures of the account that logged in: logging in as one's own account
never clears the failures an address made against another one.

>>> import tempfile, pathlib
>>> limiter = LoginLimiter(pathlib.Path(tempfile.mkdtemp()) / "logins.sqlite3", window_s=60)
>>> limiter.failed(["account:ana", "address:10.0.0.1"], now=1000.0)
>>> limiter.retry_after("address:10.0.0.1", 1, now=1010.0)
50
>>> limiter.succeeded("account:ana"); limiter.retry_after("address:10.0.0.1", 1, now=1010.0)
50
>>> limiter.retry_after("account:ana", 1, now=1010.0) is None
True
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path

from web import private_sqlite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_by_key ON failures (key, at);
"""


def account_key(name: str) -> str:
    """The limiter key of the account ``name`` as typed (cut at 200 characters)."""
    return "account:" + name[:200]


def address_key(address: str) -> str:
    """The limiter key of a client address."""
    return "address:" + address


class LoginLimiter:
    """At most ``limit`` failed log-ins per key (account or address) within ``window_s``
    seconds, counted in the SQLite file ``path`` (created mode 0600, WAL)."""

    def __init__(self, path: Path, window_s: float = 300.0):
        self.path = Path(path)
        self.window_s = window_s
        private_sqlite.create(self.path, _SCHEMA)

    @classmethod
    def for_home(cls, home: Path) -> LoginLimiter:
        """The limiter of ``home/web/logins.sqlite3``."""
        return cls(Path(home) / "web" / "logins.sqlite3")

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        return private_sqlite.connect(self.path)

    def retry_after(self, key: str, limit: int, *, now: float | None = None) -> int | None:
        """Seconds until ``key`` may try again when it has ``limit`` failures or more in the
        window, else ``None``."""
        now = time.time() if now is None else now
        with self._db() as db:
            row = db.execute("SELECT at FROM failures WHERE key = ? AND at > ? "
                             "ORDER BY at DESC LIMIT 1 OFFSET ?",
                             (key, now - self.window_s, max(limit, 1) - 1)).fetchone()
        if row is None:
            return None
        return max(1, math.ceil(row[0] + self.window_s - now))

    def failed(self, keys: Iterable[str], *, now: float | None = None) -> None:
        """Count one failed log-in against each of ``keys`` (and forget failures older than
        the window)."""
        now = time.time() if now is None else now
        with self._db() as db:
            db.execute("DELETE FROM failures WHERE at <= ?", (now - self.window_s,))
            db.executemany("INSERT INTO failures (key, at) VALUES (?, ?)",
                           [(key, now) for key in keys])

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key`` (the account that just logged in)."""
        with self._db() as db:
            db.execute("DELETE FROM failures WHERE key = ?", (key,))
