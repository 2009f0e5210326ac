"""The per-app context of the web app and its typed accessors (Flask's ``get_db()`` pattern).

``create_app`` builds one ``WebContext`` and ``install``s it on the app; blueprints and the
modules they use read it through ``get_context()``, ``get_store()`` and ``get_settings()``,
and the current runs through ``current_run()`` / ``current_run_id()`` (looked up once per
request). This module imports no blueprint and not ``web.app``, so any module of ``web/`` can
import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app, g, has_request_context

from graph.config import Settings
from graph.store import GraphStore, web_reads
from graph.store.base import Row
from graph.store.runs import current_run as _stored_current_run
from graph.store.runs import get_run
from web.cache import RunCache
from web.dbwatch import DatabaseWatch
from web.display_names import DisplayNames
from web.jobs import JobRunner
from web.limiter import LoginLimiter
from web.seed_jobs import SeedJobs
from web.users import UserStore

EXTENSION = "kolgraph"
CURRENT_KINDS = ("ingest", "analyze", "refresh")  # the runs the pages show


@dataclass
class WebContext:
    """What every request needs: settings, the shared store (thread-safe connection pool),
    the users file, the per-run caches (``lookalikes`` holds the KOLs' embeddings of
    ``web.lookalikes``), the log-in limiter, background jobs (the admin's
    runs, and the seed plans of ``web.seed_jobs``), the watch that restarts the embedded
    database when it is found down, and the display names of platforms and topics."""

    settings: Settings
    store: GraphStore
    users: UserStore
    jobs: JobRunner
    limiter: LoginLimiter
    names: DisplayNames = field(default_factory=DisplayNames.load)
    cache: RunCache = field(default_factory=RunCache)
    orderings: RunCache = field(default_factory=lambda: RunCache(16))
    pages: RunCache = field(default_factory=lambda: RunCache(512))
    lookalikes: RunCache = field(default_factory=lambda: RunCache(2))
    person_rows: RunCache = field(default_factory=lambda: RunCache(2))
    urls: dict[tuple[str, str, str | None], str] = field(default_factory=dict)
    database: DatabaseWatch = field(default_factory=lambda: DatabaseWatch(None))
    seed_jobs: SeedJobs = field(default_factory=SeedJobs)

    @classmethod
    def for_store(cls, settings: Settings, store: GraphStore) -> WebContext:
        """The context of an app on ``store``: the users file and the log-in limiter's file
        of ``settings.home``, empty caches, no jobs, a database watch that restarts the
        embedded database (none for Neo4j), and the display names (packaged, plus the
        ``display_names`` file of the settings)."""
        data_dir = settings.db_dir if store.dialect == "falkordb" else None
        return cls(settings=settings, store=store, users=UserStore.for_home(settings.home),
                   jobs=JobRunner(settings), limiter=LoginLimiter.for_home(settings.home),
                   database=DatabaseWatch(data_dir),
                   names=DisplayNames.load(settings.display_names))


def install(app: Flask, context: WebContext) -> None:
    """Make ``context`` the context of ``app``."""
    app.extensions[EXTENSION] = context


def get_context() -> WebContext:
    """The ``WebContext`` of the current app (inside an app or request context)."""
    context = current_app.extensions[EXTENSION]
    assert isinstance(context, WebContext)
    return context


def get_store() -> GraphStore:
    """The store of the current app."""
    return get_context().store


def get_settings() -> Settings:
    """The settings of the current app."""
    return get_context().settings


def current_run(kind: str) -> Row | None:
    """The current complete run of ``kind`` (``graph.store.runs.current_run``): in a request,
    the run of ``current_run_id`` read once per run id (a complete run does not change; do
    not change the row)."""
    if not has_request_context():
        return _stored_current_run(get_store(), kind)
    run_id = current_run_id(kind)
    if run_id is None:
        return None
    return get_context().cache.get(("run", run_id), lambda: get_run(get_store(), run_id))


def current_runs() -> dict[str, tuple[str, int]]:
    """``kind -> (run_id, names_version)`` of the current runs (``web_reads.current_runs``),
    read once per request."""
    if not has_request_context():
        return web_reads.current_runs(get_store(), CURRENT_KINDS)
    if "current_runs_state" not in g:
        g.current_runs_state = web_reads.current_runs(get_store(), CURRENT_KINDS)
    runs: dict[str, tuple[str, int]] = g.current_runs_state
    return runs


def current_run_id(kind: str) -> str | None:
    """The id of the current complete run of ``kind`` (ingest, analyze or refresh); the
    three are read in one query, once per request."""
    found = current_runs().get(kind)
    return found[0] if found else None


def names_version() -> int:
    """How many times the communities of the current analyze run were renamed (0 without a
    run): what is cached with community names depends on it."""
    found = current_runs().get("analyze")
    return found[1] if found else 0
