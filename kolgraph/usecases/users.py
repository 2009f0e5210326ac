"""The users use-case: web users, roles and API tokens, in a SQLite file outside the graph.

The CLI (``kolgraph user``) and the web app (log-in, admin page) both go through ``UserStore``.

The file is ``KOLGRAPH_HOME/web/users.sqlite3`` (analysts can read the whole graph through the
console, so credentials never go there). Passwords are stored as werkzeug scrypt hashes; API
tokens are random strings of which only the SHA-256 is stored. Log-in sessions are listed there
too (``sessions``: the SHA-256 of each session's random id, its user and its expiry): a session
ends when its user logs out, and every session of a user ends when the password changes or the
user is removed, so a cookie captured before cannot be replayed, not even after the user is
re-created under the same name.

>>> import tempfile, pathlib
>>> users = UserStore(pathlib.Path(tempfile.mkdtemp()) / "u.sqlite3")
>>> users.add("ana", "analyst", "s3cret-pass")
>>> users.check_password("ana", "s3cret-pass").role, users.check_password("ana", "nope")
('analyst', None)
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.security import check_password_hash, generate_password_hash

from graph.errors import InvalidInput
from graph.store.runs import utc_now

ROLES = ("viewer", "analyst", "admin")
ROLE_LEVEL = {role: level for level, role in enumerate(ROLES)}
MIN_PASSWORD_LENGTH = 8
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, language TEXT, timezone TEXT);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    session_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_by_name ON sessions (name);
"""


class UserError(InvalidInput):
    """A user operation was refused; ``param`` names the parameter at fault."""


#: The languages of the web UI (Babel locale names); a user without a choice gets the
#: browser's ``Accept-Language``.
LANGUAGES = ("zh_Hans", "en")
DEFAULT_TIMEZONE = "Asia/Shanghai"
_COLUMNS = "name, role, created_at, language, timezone"
_U_COLUMNS = ", ".join(f"u.{c}" for c in _COLUMNS.split(", "))


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: str = ""
    #: the UI language the user chose (one of ``LANGUAGES``), ``None`` when never chosen
    language: str | None = None
    #: the user's IANA time zone, ``None``: ``DEFAULT_TIMEZONE``
    timezone: str | None = None

    def can(self, role: str) -> bool:
        """Whether this user has at least the rights of ``role`` (viewer < analyst < admin)."""
        return ROLE_LEVEL[self.role] >= ROLE_LEVEL[role]


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError("role", f"must be one of {', '.join(ROLES)}, got {role!r}")
    return role


def check_name(name: str) -> str:
    if not name or len(name) > 64 or not set(name) <= _NAME_CHARS:
        raise UserError("name", f"1-64 characters of letters, digits, _ . - @; got {name!r}")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password", f"at least {MIN_PASSWORD_LENGTH} characters")
    return password


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise UserError("language", f"must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def check_timezone(timezone: str) -> str:
    """``timezone`` when it is an IANA time zone name (``Asia/Shanghai``)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("timezone", f"not a known time zone, got {timezone!r} "
                                    "(an IANA name such as Asia/Shanghai)") from None
    return timezone


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class UserStore:
    """The users file of one home; every method opens its own short connection."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._seen: dict[tuple[str, str], User | None] = {}
        self._stamp: tuple[int, int, bytes] | None = None
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)
            have = {row[1] for row in db.execute("PRAGMA table_info(users)")}
            for column in ("language", "timezone"):  # files written before the preferences
                if column not in have:
                    db.execute(f"ALTER TABLE users ADD COLUMN {column} TEXT")
        self.path.chmod(0o600)

    @classmethod
    def for_home(cls, home: Path) -> UserStore:
        """The store at ``home/web/users.sqlite3``."""
        return cls(Path(home) / "web" / "users.sqlite3")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            with db:
                yield db
        finally:
            db.close()

    def add(self, name: str, role: str, password: str) -> None:
        """Create user ``name`` or, when it exists, set its role and password (which ends
        every session of ``name``)."""
        check_name(name), check_role(role), check_password(password)
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))
            db.execute(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET role = excluded.role, "
                "password_hash = excluded.password_hash",
                (name, role, generate_password_hash(password), utc_now()))

    def exists(self, name: str) -> bool:
        return self.get(name) is not None

    def _remembered(self, kind: str, key: str, load: Callable[[], User | None]) -> User | None:
        """``load()`` remembered until the file changes (any write, from this process or
        ``kolgraph user`` in another, bumps SQLite's file change counter): the web app looks
        the user up on every request without opening a database connection each time."""
        stamp = self._file_stamp()
        with self._lock:
            if stamp != self._stamp:
                self._seen, self._stamp = {}, stamp
            if (kind, key) in self._seen:
                return self._seen[(kind, key)]
        value = load()
        with self._lock:
            if stamp == self._stamp and len(self._seen) < 10_000:
                self._seen[(kind, key)] = value
        return value

    def _file_stamp(self) -> tuple[int, int, bytes]:
        """Modification time, size and the file change counter (header bytes 24-27, bumped
        by every committed write) of the users file."""
        with self.path.open("rb") as fh:
            header = fh.read(28)
            stat = os.fstat(fh.fileno())
        return stat.st_mtime_ns, stat.st_size, header[24:28]

    def get(self, name: str) -> User | None:
        """User ``name``, or ``None``."""
        return self._remembered("name", name, lambda: self._get(name))

    def _get(self, name: str) -> User | None:
        with self._db() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?",
                             (name,)).fetchone()
        return User(*row) if row else None

    def set_role(self, name: str, role: str, *, by: str | None = None) -> None:
        """Give ``name`` the role ``role``; ``by``, the user asking, may not change their own."""
        check_role(role)
        if by is not None and name == by:
            raise UserError("name", "you cannot change your own role")
        with self._db() as db:
            if db.execute("UPDATE users SET role = ? WHERE name = ?", (role, name)).rowcount == 0:
                raise UserError("name", f"no user {name!r}")

    def set_preferences(self, name: str, *, language: str | None = None,
                        timezone: str | None = None) -> None:
        """Keep ``name``'s UI ``language`` (one of ``LANGUAGES``) and/or ``timezone`` (IANA);
        an argument left ``None`` is not changed. ``UserError`` naming the bad one."""
        if language is not None:
            check_language(language)
        if timezone is not None:
            check_timezone(timezone)
        with self._db() as db:
            if db.execute("UPDATE users SET language = COALESCE(?, language), "
                          "timezone = COALESCE(?, timezone) WHERE name = ?",
                          (language, timezone, name)).rowcount == 0:
                raise UserError("name", f"no user {name!r}")

    def remove(self, name: str, *, by: str | None = None) -> None:
        """Delete ``name``, its tokens and its sessions; ``UserError`` when there is no such
        user or when ``by``, the user asking, is ``name``."""
        if by is not None and name == by:
            raise UserError("name", "you cannot remove yourself")
        with self._db() as db:
            db.execute("DELETE FROM tokens WHERE name = ?", (name,))
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))
            if db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise UserError("name", f"no user {name!r}")

    def list(self) -> list[User]:
        with self._db() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name").fetchall()
        return [User(*row) for row in rows]

    def check_password(self, name: str, password: str) -> User | None:
        """The user when ``password`` is right, else ``None`` (same cost for unknown names)."""
        with self._db() as db:
            row = db.execute(f"SELECT {_COLUMNS}, password_hash FROM users "
                             "WHERE name = ?", (name,)).fetchone()
        if row is None:
            check_password_hash(_dummy_hash(), password)
            return None
        return User(*row[:5]) if check_password_hash(row[5], password) else None

    def new_token(self, name: str) -> str:
        """A new API token for ``name`` (printed once; only its hash is kept)."""
        if not self.exists(name):
            raise UserError("name", f"no user {name!r}")
        token = "kgt_" + secrets.token_urlsafe(32)
        with self._db() as db:
            db.execute("INSERT INTO tokens (token_hash, name, created_at) VALUES (?, ?, ?)",
                       (_token_hash(token), name, utc_now()))
        return token

    def revoke_tokens(self, name: str) -> int:
        """Delete every API token of ``name``; how many there were."""
        if not self.exists(name):
            raise UserError("name", f"no user {name!r}")
        with self._db() as db:
            return db.execute("DELETE FROM tokens WHERE name = ?", (name,)).rowcount

    def user_for_token(self, token: str) -> User | None:
        """The owner of ``token``, or ``None``."""
        return self._remembered("token", _token_hash(token),
                                lambda: self._user_for_token(token))

    def _user_for_token(self, token: str) -> User | None:
        with self._db() as db:
            row = db.execute(
                f"SELECT {_U_COLUMNS} FROM tokens t JOIN users u "
                "ON u.name = t.name WHERE t.token_hash = ?", (_token_hash(token),)).fetchone()
        return User(*row) if row else None

    # ------------------------------------------------------------------- log-in sessions
    def open_session(self, name: str, lifetime_s: float) -> str:
        """A new session id for ``name``, valid ``lifetime_s`` seconds unless ended before
        (only its hash is kept); expired sessions of every user are deleted on the way."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))
            db.execute("INSERT INTO sessions (session_hash, name, created_at, expires_at) "
                       "VALUES (?, ?, ?, ?)",
                       (_token_hash(session_id), name, utc_now(), now + lifetime_s))
        return session_id

    def user_for_session(self, session_id: str) -> User | None:
        """The user of the live session ``session_id``; ``None`` when it was ended (log-out,
        password change, user removed) or has expired."""
        return self._remembered("session", _token_hash(session_id),
                                lambda: self._user_for_session(session_id))

    def _user_for_session(self, session_id: str) -> User | None:
        with self._db() as db:
            row = db.execute(
                f"SELECT {_U_COLUMNS} FROM sessions s JOIN users u "
                "ON u.name = s.name WHERE s.session_hash = ? AND s.expires_at > ?",
                (_token_hash(session_id), time.time())).fetchone()
        return User(*row) if row else None

    def end_session(self, session_id: str) -> None:
        """End session ``session_id`` (log-out); nothing when it is not live."""
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE session_hash = ?",
                       (_token_hash(session_id),))

    def end_sessions(self, name: str) -> int:
        """End every session of ``name``; how many there were."""
        with self._db() as db:
            return db.execute("DELETE FROM sessions WHERE name = ?", (name,)).rowcount


@functools.cache
def _dummy_hash() -> str:
    """A hash to check an unknown user's password against, so that the answer takes as long
    as for a known one (made on first use: scrypt costs ~0.1 s, too much for every import)."""
    return generate_password_hash("kolgraph-no-such-user")
