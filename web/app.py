"""The Flask application factory.

``create_app(settings=None, store=None)`` builds the app on the configured (or given) store;
``flask --app web.app:create_app run --debug`` serves it for development only, ``kolgraph
serve`` with waitress for everything else.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from graph.config import Settings, load_settings
from graph.store import GraphStore, open_store
from web import errors, security
from web.cache import RunCache
from web.html import select_options, why_cell
from web.jobs import JobRunner
from web.params import page_url
from web.users import UserStore


@dataclass
class WebContext:
    """What every request needs: settings, the shared store (thread-safe connection pool),
    the users file, the per-run cache, the log-in limiter and background jobs."""

    settings: Settings
    store: GraphStore
    users: UserStore
    cache: RunCache
    jobs: JobRunner
    orderings: RunCache = field(default_factory=lambda: RunCache(16))
    pages: RunCache = field(default_factory=lambda: RunCache(512))
    limiter: security.LoginLimiter = field(default_factory=security.LoginLimiter)


def _env_flag(name: str) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


def create_app(settings: Settings | None = None, store: GraphStore | None = None, *,
               cookie_secure: bool | None = None) -> Flask:
    """The kolgraph web app on ``store`` (default: the store ``settings`` select; settings
    default to the environment). ``cookie_secure`` sets the ``Secure`` flag of the session
    cookie (default: environment ``KOLGRAPH_COOKIE_SECURE``, else on)."""
    settings = settings or load_settings()
    store = store or open_store(settings)
    if cookie_secure is None:
        cookie_secure = _env_flag("KOLGRAPH_COOKIE_SECURE")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=security.secret_key(settings.secret_key, settings.home),
        SESSION_COOKIE_NAME="kolgraph_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True if cookie_secure is None else cookie_secure,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        MAX_CONTENT_LENGTH=1 << 20,
        LOGIN_RATE_LIMIT=10,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["kolgraph"] = WebContext(
        settings=settings, store=store, users=UserStore.for_home(settings.home),
        cache=RunCache(), jobs=JobRunner(settings))
    security.install(app)
    errors.install(app)
    app.jinja_env.filters["num"] = _num
    app.jinja_env.filters["percent"] = _percent
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["select_options"] = select_options
    app.jinja_env.globals["why_cell"] = why_cell
    from web.data import person_url

    app.jinja_env.globals["person_url"] = person_url
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from web.admin import bp as admin_bp
    from web.api import bp as api_bp
    from web.auth import bp as auth_bp
    from web.console import bp as console_bp
    from web.pages import bp as pages_bp

    for blueprint in (auth_bp, pages_bp, console_bp, admin_bp, api_bp):
        app.register_blueprint(blueprint)


def _num(value: Any, digits: int = 4) -> str:
    """A number for a table cell: integers with thousands separators, floats rounded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}g}" if abs(value) < 1e-3 and value else f"{value:,.{digits}f}"
    return str(value)


def _percent(value: Any) -> str:
    """A probability as a percentage for a table cell: ``4.8%``, ``0.03%``, ``<0.01%``."""
    if value is None or value != value:
        return ""
    pct = float(value) * 100.0
    if pct == 0.0 or pct >= 0.01:
        return f"{pct:.2f}%" if pct < 1 else f"{pct:.1f}%"
    return "<0.01%"


def current(kind: str) -> dict[str, Any] | None:
    """The current complete run of ``kind`` (``graph.store.runs.current_run``), looked up
    once per request."""
    from flask import g, has_request_context

    from graph.store.runs import current_run

    if not has_request_context():
        return current_run(context().store, kind)
    runs = g.setdefault("current_runs", {})
    if kind not in runs:
        runs[kind] = current_run(context().store, kind)
    return runs[kind]


def current_id(kind: str) -> str | None:
    """The id of the current complete run of ``kind`` (ingest, analyze or refresh); the
    three are read in one query, once per request."""
    from flask import g, has_request_context

    from graph.store.web_reads import current_run_ids

    if not has_request_context():
        return current_run_ids(context().store).get(kind)
    if "current_run_ids" not in g:
        g.current_run_ids = current_run_ids(context().store)
    return g.current_run_ids.get(kind)


def context() -> WebContext:
    """The ``WebContext`` of the current app."""
    from flask import current_app

    return current_app.extensions["kolgraph"]
