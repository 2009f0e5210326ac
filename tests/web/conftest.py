"""Fixtures of the web tests (Flask test client and headless-browser tests).

``web_sample`` builds, once per test session, a loaded ``KOLGRAPH_HOME`` with its own embedded
database: a ~1,000-person sample put through the real pipeline (``kolgraph.workflow``: ingest,
analyze, train for few epochs, refresh) plus one extra person whose display name is
``XSS_NAME`` (ingested from an extra input folder) and one user per role with a known password.
``client_as(role)`` gives a logged-in Flask test client; ``live_server`` serves the app with
waitress in a thread and yields its base URL.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.config import Settings, load_settings
from graph.store import GraphStore, embedded, open_store
from tests.web import browser_support

WEB_PERSONS = 1000
WEB_SEED = 7
XSS_NAME = "<script>alert(1)</script>"
XSS_ACCOUNT = "xss_probe_account"
ROLES = ("viewer", "analyst", "admin")
PASSWORDS = {role: f"{role}-Passw0rd!" for role in ROLES}
USERS = {role: f"test_{role}" for role in ROLES}


@dataclass(frozen=True)
class WebSample:
    """What the loaded home holds, for tests to point at."""

    home: Path
    settings: Settings
    store: GraphStore
    xss_person_id: str
    top_person_id: str      # kol_rank 1 of the current analyze run
    community_id: int       # the community of ``top_person_id``
    platform: str           # a platform of the sample
    users: dict[str, str]   # role -> user name
    passwords: dict[str, str]  # role -> password


def _write_xss_input(sample_dir: Path, out_dir: Path) -> str:
    """An accounts + interactions pair adding one account named ``XSS_NAME`` that follows
    and is followed by a few sample accounts of the same platform; returns the platform."""
    with (sample_dir / "accounts.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    platform = rows[0]["platform"]
    peers = [r["account_id"] for r in rows if r["platform"] == platform][:6]
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "accounts.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform", "account_id", "display_name", "followers"])
        writer.writerow([platform, XSS_ACCOUNT, XSS_NAME, len(peers)])
    with (out_dir / "interactions.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform", "src_account", "dst_account", "type", "timestamp"])
        for i, peer in enumerate(peers):
            writer.writerow([platform, XSS_ACCOUNT, peer, "follow", 1_700_000_000 + i])
            writer.writerow([platform, peer, XSS_ACCOUNT, "follow", 1_700_000_100 + i])
            writer.writerow([platform, peer, XSS_ACCOUNT, "comment", 1_700_000_200 + i])
    return platform


def _load(store: GraphStore, settings: Settings, home: Path) -> str:
    """Sample -> ingest (sample, then the XSS folder) -> analyze -> train -> refresh, through
    the workflow of ``kolgraph demo``; the platform."""
    from kolgraph.usecases.sample import make_sample
    from kolgraph.workflow import FlowOptions, run_flow

    sample_dir = home / "input" / "sample"
    make_sample(sample_dir, persons=WEB_PERSONS, seed=WEB_SEED)
    platform = _write_xss_input(sample_dir, home / "input" / "xss")
    # The pages need a current model whatever its quality (that is tested in
    # tests/test_gnn_*.py): the flow trains one and makes it current even when it did not
    # beat the heuristics, instead of failing the whole web suite.
    run_flow(store, settings, FlowOptions(
        persons=WEB_PERSONS, seed=WEB_SEED, sample_dir=sample_dir,
        extra_inputs=(home / "input" / "xss",), train_epochs=60, k=5, device="cpu"))
    return platform


@pytest.fixture(scope="session")
def web_sample() -> Iterator[WebSample]:
    """The loaded home of the web tests (built once per session; about a minute)."""
    from kolgraph.usecases.users import UserStore

    home = Path(tempfile.mkdtemp(prefix="kgw-"))
    settings = load_settings(env={"KOLGRAPH_HOME": str(home),
                                  "KOLGRAPH_PII_SALT": "web-test-salt-0123456",
                                  "KOLGRAPH_SECRET_KEY": "web-test-secret"})
    store = open_store(settings)
    try:
        platform = _load(store, settings, home)
        users = UserStore.for_home(home)
        for role in ROLES:
            users.add(USERS[role], role, PASSWORDS[role])
        xss = store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account {account_key: $key}) "
                         "RETURN p.person_id AS id", {"key": f"{platform}:{XSS_ACCOUNT}"})
        top = store.read("MATCH (p:Person) WHERE p.kol_rank = 1 "
                         "RETURN p.person_id AS id, p.community_id AS c")
        yield WebSample(home=home, settings=settings, store=store,
                        xss_person_id=xss.rows[0]["id"], top_person_id=top.rows[0]["id"],
                        community_id=int(top.rows[0]["c"]), platform=platform,
                        users=dict(USERS), passwords=dict(PASSWORDS))
    finally:
        store.close()
        embedded.stop(settings.db_dir)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def web_app(web_sample: WebSample) -> Flask:
    """The application on the loaded home (cookies without ``Secure``: tests use http)."""
    from web.app import create_app

    app = create_app(web_sample.settings, web_sample.store, cookie_secure=False)
    app.config["LOGIN_RATE_LIMIT"] = 1000
    # a seed plan of the sample takes seconds: the tests that read a plan get it in the
    # first answer; those of its progress (test_web_seeds.py) set 0 to see the job instead
    app.config["SEEDS_WAIT_S"] = 300
    app.test_client_class = EnglishClient
    return app


class EnglishClient(FlaskClient):
    """A test client whose requests ask for English (``Accept-Language: en``) unless they
    say otherwise: the tests written before the Chinese UI assert English texts."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


_CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on the page at ``path``."""
    page = client.get(path)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, f"no csrf_token field on {path} (status {page.status_code})"
    return found.group(1)


def log_in(client: FlaskClient, user: str, password: str) -> None:
    """Log ``client`` in through the log-in form (with its CSRF token)."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": user, "password": password,
                                           "csrf_token": token})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


@pytest.fixture
def client_as(web_app: Flask, web_sample: WebSample) -> Callable[[str | None], FlaskClient]:
    """``client_as(role)``: a new test client logged in as the user of ``role``
    (``None``: not logged in)."""

    def make(role: str | None) -> FlaskClient:
        client = web_app.test_client()
        if role is not None:
            log_in(client, web_sample.users[role], web_sample.passwords[role])
        return client

    return make


@pytest.fixture(scope="session")
def live_server(web_app: Flask) -> Iterator[str]:
    """The app served by waitress in a thread on a free port; yields ``http://127.0.0.1:PORT``."""
    with browser_support.served(web_app, "waitress-live-server") as url:
        yield url
