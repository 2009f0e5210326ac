"""Configuration: environment variables, overridable by a TOML file.

``load_settings()`` reads, in order of increasing precedence: built-in defaults, the
environment (``KOLGRAPH_*`` and Neo4j's own ``NEO4J_*``), and a TOML file named by
``KOLGRAPH_CONFIG`` or passed explicitly. The TOML file holds the same names in lower case
without the ``KOLGRAPH_`` prefix, e.g. ``home = "/data/kolgraph"`` or ``neo4j_uri = "..."``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tomllib
import urllib.parse
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from graph.errors import InvalidInput

DEFAULT_HOME = ".kolgraph"
GRAPH_NAME = "kolgraph"
#: The shortest accepted PII salt (characters).
MIN_SALT_LENGTH = 16


class ConfigError(InvalidInput):
    """A configuration value is missing or malformed; the message names the setting."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


@dataclass(frozen=True)
class Settings:
    """Every setting kolgraph reads; see README "Configuration"."""

    home: Path = field(default_factory=lambda: Path(DEFAULT_HOME).resolve())
    backend: str = "embedded"
    graph_name: str = GRAPH_NAME
    neo4j_uri: str | None = None
    neo4j_username: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    secret_key: str | None = None
    pii_salt: str | None = None
    query_timeout_s: float = 30.0
    query_row_cap: int = 1000
    #: How far into the future (seconds past the ingest's clock) an input row may be dated.
    future_skew_s: float = 86_400.0
    #: The "now" of the analysis (epoch seconds); ``None``: the analyze run's clock.
    as_of: float | None = None
    #: Communities with fewer persons are folded into the unassigned bucket (community 0).
    min_community_size: int = 3
    #: Smallest member overlap (Jaccard) for a community to keep the previous run's id.
    community_match: float = 0.5
    #: A TOML file of platform and topic display names adding to / overriding the packaged
    #: ones (``web/display_names.toml``); ``None``: the packaged names only.
    display_names: str | None = None
    #: Look-alike KOLs need at least this audience (``followers_total`` or ``reach``);
    #: ``None``: a tenth of the person's own audience, at least ``LOOKALIKE_MIN_FLOOR``.
    lookalike_min_audience: int | None = None
    #: Where launching a campaign posts its audience segment (http or https); ``None``: no
    #: webhook. Set by whoever runs kolgraph, never from the web UI.
    campaign_webhook_url: str | None = None
    #: Secret of the ``X-Kolgraph-Signature`` HMAC-SHA256 of each webhook body.
    campaign_webhook_secret: str | None = None

    @property
    def db_dir(self) -> Path:
        """Folder of the embedded database (socket, pid file, append-only file)."""
        return self.home / "db"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"


_ENV_NAMES = {
    "home": "KOLGRAPH_HOME",
    "backend": "KOLGRAPH_BACKEND",
    "graph_name": "KOLGRAPH_GRAPH",
    "neo4j_uri": "NEO4J_URI",
    "neo4j_username": "NEO4J_USERNAME",
    "neo4j_password": "NEO4J_PASSWORD",
    "neo4j_database": "NEO4J_DATABASE",
    "secret_key": "KOLGRAPH_SECRET_KEY",
    "pii_salt": "KOLGRAPH_PII_SALT",
    "query_timeout_s": "KOLGRAPH_QUERY_TIMEOUT",
    "query_row_cap": "KOLGRAPH_QUERY_ROW_CAP",
    "future_skew_s": "KOLGRAPH_FUTURE_SKEW",
    "as_of": "KOLGRAPH_AS_OF",
    "min_community_size": "KOLGRAPH_MIN_COMMUNITY_SIZE",
    "community_match": "KOLGRAPH_COMMUNITY_MATCH",
    "display_names": "KOLGRAPH_DISPLAY_NAMES",
    "lookalike_min_audience": "KOLGRAPH_LOOKALIKE_MIN_AUDIENCE",
    "campaign_webhook_url": "KOLGRAPH_CAMPAIGN_WEBHOOK",
    "campaign_webhook_secret": "KOLGRAPH_CAMPAIGN_WEBHOOK_SECRET",
}

BACKENDS = ("embedded", "neo4j")


def check_salt(salt: str, setting: str = "KOLGRAPH_PII_SALT") -> str:
    """``salt`` when it is usable as the PII salt: at least ``MIN_SALT_LENGTH`` characters
    and no surrounding whitespace; else ``ConfigError`` naming ``setting``.

    >>> check_salt("a")
    Traceback (most recent call last):
    ...
    graph.config.ConfigError: KOLGRAPH_PII_SALT must be at least 16 characters (got 1)
    """
    if salt != salt.strip():
        raise ConfigError(f"{setting} must not begin or end with whitespace")
    if len(salt) < MIN_SALT_LENGTH:
        raise ConfigError(f"{setting} must be at least {MIN_SALT_LENGTH} characters "
                          f"(got {len(salt)})")
    return salt


def _coerce(name: str, raw: Any, source: str) -> Any:
    kinds = {f.name: f.type for f in fields(Settings)}
    kind = kinds[name]
    if name == "pii_salt":
        return check_salt(str(raw), _ENV_NAMES[name] if source.startswith("environment")
                          else f"{source}: {name}")
    if name == "as_of":
        return parse_as_of(raw, source)
    if name == "lookalike_min_audience":
        return parse_min_audience(raw, source)
    if name == "campaign_webhook_url":
        return parse_webhook_url(raw, source)
    try:
        if name == "home":
            return Path(str(raw)).expanduser().resolve()
        if name == "future_skew_s" and not float(raw) >= 0:
            raise ValueError(raw)
        if kind == "float":
            return float(raw)
        if kind == "int":
            return int(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {name} must be a {kind}, got {raw!r}") from exc
    return None if raw == "" else str(raw)


def parse_webhook_url(raw: Any, source: str) -> str | None:
    """A ``campaign_webhook_url``: an http or https URL with a host, ``None`` for empty.

    >>> parse_webhook_url("ftp://x/y", "KOLGRAPH_CAMPAIGN_WEBHOOK")
    Traceback (most recent call last):
    graph.config.ConfigError: KOLGRAPH_CAMPAIGN_WEBHOOK: not an http or https URL: 'ftp://x/y'
    """
    text = str(raw).strip()
    if not text:
        return None
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{source}: not an http or https URL: {text!r}")
    return text


def parse_min_audience(raw: Any, source: str) -> int | None:
    """A ``lookalike_min_audience`` value: a whole number >= 0, or ``None`` for empty (the
    default relative to the person); ``ConfigError`` naming ``source`` otherwise.

    >>> parse_min_audience("500", "KOLGRAPH_LOOKALIKE_MIN_AUDIENCE")
    500
    """
    if raw in ("", None):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise ConfigError(f"{source}: lookalike_min_audience must be a whole number >= 0, "
                          f"got {raw!r}") from exc
    if value < 0:
        raise ConfigError(f"{source}: lookalike_min_audience must be a whole number >= 0, "
                          f"got {raw!r}")
    return value


def parse_as_of(raw: Any, source: str) -> float | None:
    """An ``as_of`` value (``None`` for empty): epoch seconds, or an ISO-8601 date/time
    (naive: UTC); ``ConfigError`` naming ``source`` otherwise.

    >>> parse_as_of("2025-07-01T00:00:00Z", "--as-of")
    1751328000.0
    """
    if raw in ("", None):
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, dt.datetime):
        return (raw if raw.tzinfo else raw.replace(tzinfo=dt.UTC)).timestamp()
    text = str(raw).strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number):
            raise ConfigError(f"{source}: must be a finite epoch time, got {raw!r}")
        return number
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"{source}: must be epoch seconds or an ISO-8601 date/time, "
                          f"got {raw!r}") from exc
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)).timestamp()


def load_settings(
    config_file: str | Path | None = None, env: dict[str, str] | None = None
) -> Settings:
    """Build the settings from ``env`` (default ``os.environ``) and an optional TOML file.

    >>> load_settings(env={"KOLGRAPH_HOME": "/tmp/k"}).home
    PosixPath('/tmp/k')
    """
    env = dict(os.environ if env is None else env)
    values: dict[str, Any] = {}
    for name, var in _ENV_NAMES.items():
        if env.get(var):
            values[name] = _coerce(name, env[var], f"environment variable {var}")
    if "backend" not in values and values.get("neo4j_uri"):
        values["backend"] = "neo4j"
    config_file = config_file or env.get("KOLGRAPH_CONFIG")
    if config_file:
        path = Path(config_file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: configuration file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        for key, raw in data.get("kolgraph", data).items():
            if key not in _ENV_NAMES:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(key, raw, str(path))
    settings = replace(Settings(), **values)
    if settings.backend not in BACKENDS:
        raise ConfigError(
            f"KOLGRAPH_BACKEND must be one of {', '.join(BACKENDS)}, got {settings.backend!r}"
        )
    if settings.backend == "neo4j" and not settings.neo4j_uri:
        raise ConfigError("KOLGRAPH_BACKEND=neo4j needs NEO4J_URI")
    return settings
