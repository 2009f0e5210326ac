"""The console's per-user query history: the last ``KEEP`` queries each user ran (text,
library name and parameters, time, row count, duration, error kind), in its own SQLite file
``KOLGRAPH_HOME/web/console_history.sqlite3`` (WAL, mode 0600) that every worker process
shares.

Not in ``users.sqlite3``: the app re-reads the users whenever that file changes, and a
history written at every query would make it do so at every query. An entry belongs to a
user by name *and* account creation time, so a user removed and added again under the same
name does not see the old account's queries; nobody reads another user's entries.

>>> import tempfile, pathlib
>>> h = QueryHistory(pathlib.Path(tempfile.mkdtemp()) / "h.sqlite3")
>>> h.add(("ana", "t0"), cypher="RETURN 1", name=None, params={}, rows=1, duration_ms=2.0)
1
>>> [e.cypher for e in h.recent(("ana", "t0"))], h.recent(("bo", "t0")), h.get(("bo", "t0"), 1)
(['RETURN 1'], [], None)
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from web import private_sqlite

KEEP = 50
_SCHEMA = """
CREATE TABLE IF NOT EXISTS history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, at REAL NOT NULL,
  name TEXT, cypher TEXT NOT NULL, params TEXT NOT NULL, rows INTEGER,
  duration_ms REAL, error TEXT);
CREATE INDEX IF NOT EXISTS history_by_owner ON history (owner, id);
"""
#: The user an entry belongs to: (user name, the account's creation time).
Owner = tuple[str, str]


@dataclass(frozen=True)
class Entry:
    """One query a user ran: ``rows`` is ``None`` and ``error`` its kind when it failed."""

    id: int
    at: float
    name: str | None
    cypher: str
    params: dict[str, str]
    rows: int | None
    duration_ms: float | None
    error: str | None


class QueryHistory:
    """The history file ``path`` (created mode 0600 with its folder)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        private_sqlite.create(self.path, _SCHEMA)

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        return private_sqlite.connect(self.path)

    def add(self, owner: Owner, *, cypher: str, name: str | None, params: Mapping[str, str],
            rows: int | None, duration_ms: float | None, error: str | None = None) -> int:
        """Record a query of ``owner``; keeps their last ``KEEP``. Returns the entry's id."""
        key = _key(owner)
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO history (owner, at, name, cypher, params, rows, duration_ms, "
                "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, time.time(), name, cypher, json.dumps(dict(params), ensure_ascii=False),
                 rows, duration_ms, error))
            db.execute("DELETE FROM history WHERE owner = ? AND id NOT IN (SELECT id FROM "
                       "history WHERE owner = ? ORDER BY id DESC LIMIT ?)", (key, key, KEEP))
            return int(cursor.lastrowid or 0)

    def recent(self, owner: Owner, limit: int = KEEP) -> list[Entry]:
        """``owner``'s last ``limit`` queries, newest first."""
        with self._db() as db:
            rows = db.execute("SELECT id, at, name, cypher, params, rows, duration_ms, error "
                              "FROM history WHERE owner = ? ORDER BY id DESC LIMIT ?",
                              (_key(owner), limit)).fetchall()
        return [_entry(r) for r in rows]

    def get(self, owner: Owner, entry_id: int) -> Entry | None:
        """``owner``'s entry ``entry_id``; ``None`` when there is none or it is another's."""
        with self._db() as db:
            row = db.execute("SELECT id, at, name, cypher, params, rows, duration_ms, error "
                             "FROM history WHERE owner = ? AND id = ?",
                             (_key(owner), entry_id)).fetchone()
        return _entry(row) if row else None


def _key(owner: Owner) -> str:
    return json.dumps(list(owner), ensure_ascii=False)


def _entry(row: tuple[object, ...]) -> Entry:
    entry_id, at, name, cypher, params, rows, duration_ms, error = row
    return Entry(int(entry_id), float(at), name if isinstance(name, str) else None,  # type: ignore[call-overload, arg-type]
                 str(cypher), json.loads(str(params)),
                 None if rows is None else int(rows),  # type: ignore[call-overload]
                 None if duration_ms is None else float(duration_ms),  # type: ignore[arg-type]
                 error if isinstance(error, str) else None)


_OPEN: dict[Path, QueryHistory] = {}
_LOCK = threading.Lock()


def for_home(home: Path) -> QueryHistory:
    """The history of ``home`` (``home/web/console_history.sqlite3``), opened once per
    process."""
    path = Path(home) / "web" / "console_history.sqlite3"
    with _LOCK:
        if path not in _OPEN:
            _OPEN[path] = QueryHistory(path)
        return _OPEN[path]
