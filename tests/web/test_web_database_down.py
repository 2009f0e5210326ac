"""The web app with its embedded database killed under it: 503 (a page in the user's words,
a JSON error for the API), never 500, and the app restarts the database itself."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from graph.config import load_settings
from graph.store import embedded, open_store
from tests.web.conftest import log_in
from web.context import WebContext

USER, PASSWORD = "down_viewer", "viewer-Passw0rd!"


@pytest.fixture
def app_home() -> Iterator[tuple[Flask, Path]]:
    from kolgraph.usecases.users import UserStore
    from tests.web.conftest import EnglishClient
    from web.app import create_app

    home = Path(tempfile.mkdtemp(prefix="kgd-"))
    settings = load_settings(env={"KOLGRAPH_HOME": str(home),
                                  "KOLGRAPH_PII_SALT": "database-down-test-salt",
                                  "KOLGRAPH_SECRET_KEY": "down-secret"})
    store = open_store(settings)
    UserStore.for_home(home).add(USER, "viewer", PASSWORD)
    app = create_app(settings, store, cookie_secure=False)
    app.test_client_class = EnglishClient  # the messages asserted are the English ones
    try:
        yield app, settings.db_dir
    finally:
        store.close()
        embedded.stop(settings.db_dir)
        shutil.rmtree(home, ignore_errors=True)


def _kill9(data_dir: Path) -> None:
    pid = embedded.status(data_dir).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    while embedded._pid_alive(pid):
        time.sleep(0.02)


def test_database_down_answers_503_and_the_app_restarts_it(app_home) -> None:
    app, data_dir = app_home
    client = app.test_client()
    log_in(client, USER, PASSWORD)
    assert client.get("/api/v1/runs").status_code == 200
    _kill9(data_dir)

    api = client.get("/api/v1/runs")
    assert api.status_code == 503, api.get_data(as_text=True)[:300]
    body = api.get_json()
    assert body["status"] == 503 and "database is not available" in body["message"]
    assert api.headers["Retry-After"]
    page = client.get("/runs")
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "database is not available right now" in text and "Traceback" not in text

    context = app.extensions["kolgraph"]
    assert isinstance(context, WebContext)
    watch = context.database
    watch.wait(300)
    assert embedded.status(data_dir).running, "the app restarted the embedded database"
    assert watch.attempts == 1, "one restart for the requests of one outage"
    deadline = time.monotonic() + 30
    while (status := client.get("/api/v1/runs").status_code) != 200:
        assert status == 503 and time.monotonic() < deadline, status
        time.sleep(0.5)
    assert client.get("/runs").status_code == 200


def test_requests_during_a_restart_get_503_without_reaching_the_database(app_home) -> None:
    """While the restart runs (the server may be replaying its log, when a command would
    make it abort), requests are answered at once."""
    import threading

    app, data_dir = app_home
    client = app.test_client()
    log_in(client, USER, PASSWORD)
    watch = app.extensions["kolgraph"].database
    release = threading.Event()
    watch._start = lambda _path: release.wait(60)  # a restart that takes its time
    _kill9(data_dir)
    assert client.get("/api/v1/runs").status_code == 503
    assert watch.restarting
    again = client.get("/api/v1/search?q=x")
    assert again.status_code == 503 and again.get_json()["error"] == "Database unavailable"
    release.set()
    watch.wait(60)
    assert not watch.restarting
    assert watch.restart_soon() is False, "at most one attempt per interval"
