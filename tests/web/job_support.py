"""A small home for the tests that start real jobs from the admin page: a 1,000-person sample
ingested (not analyzed) into its own embedded database, one admin user, and the web app on it.
Jobs started there (analyze, refresh) change only this home, never the shared ``web_sample``.
Import the fixture into a test module with ``from tests.web.job_support import job_home``."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from graph.config import Settings, load_settings
from graph.store import GraphStore, embedded, open_store

JOB_PERSONS = 1000  # the sample's smallest size
ADMIN, PASSWORD = "job_admin", "job-admin-Passw0rd!"


@dataclass(frozen=True)
class JobHome:
    home: Path
    settings: Settings
    store: GraphStore
    app: Flask


@pytest.fixture(scope="module")
def job_home() -> Iterator[JobHome]:
    """The small ingested home and its app (cookies without ``Secure``)."""
    from kolgraph.usecases.ingest import ingest
    from kolgraph.usecases.sample import make_sample
    from kolgraph.usecases.users import UserStore
    from tests.web.conftest import EnglishClient
    from web.app import create_app

    home = Path(tempfile.mkdtemp(prefix="kgj-"))
    settings = load_settings(env={"KOLGRAPH_HOME": str(home),
                                  "KOLGRAPH_PII_SALT": "job-test-salt-0123456",
                                  "KOLGRAPH_SECRET_KEY": "job-test-secret"})
    store = open_store(settings)
    try:
        make_sample(home / "input", persons=JOB_PERSONS, seed=11)
        ingest(store, settings, home / "input")
        UserStore.for_home(home).add(ADMIN, "admin", PASSWORD)
        app = create_app(settings, store, cookie_secure=False)
        app.config["LOGIN_RATE_LIMIT"] = 1000
        app.test_client_class = EnglishClient
        yield JobHome(home, settings, store, app)
    finally:
        store.close()
        embedded.stop(settings.db_dir)
        shutil.rmtree(home, ignore_errors=True)
