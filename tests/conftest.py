"""Shared fixtures: real database servers started by the tests themselves.

``store`` gives each test an empty graph (schema applied) on the session's embedded FalkorDB
server. ``neo4j_env`` gives the session's one Neo4j 5.26 server (``tests/neo4j_server``,
from Maven Central) — started in a background thread as soon as the collected tests are
known to need it, so that its half-minute start overlaps the first tests — or the server
named by ``KOLGRAPH_TEST_NEO4J_URI`` when that is set before the session (the tests wipe its
database); ``any_store`` runs a test once per backend. Under ``CI`` a Neo4j server that
cannot start fails the tests; elsewhere (no Java or Maven here) they are skipped with the
reason.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from graph.config import Settings, load_settings
from graph.store import embedded
from graph.store.falkordb_store import FalkorDBStore
from tests.neo4j_server import launch
from tests.paths import ARTIFACTS


@pytest.fixture(scope="session")
def kolgraph_home() -> Iterator[Path]:
    """A short KOLGRAPH_HOME (unix socket paths are limited to 107 bytes)."""
    home = Path(tempfile.mkdtemp(prefix="kgt-"))
    yield home
    embedded.stop(home / "db")


@pytest.fixture(scope="session")
def settings(kolgraph_home: Path) -> Settings:
    return load_settings(env={"KOLGRAPH_HOME": str(kolgraph_home),
                              "KOLGRAPH_PII_SALT": "test-salt-0123456789",
                              "KOLGRAPH_SECRET_KEY": "test-secret"})


@pytest.fixture(scope="session")
def _server(settings: Settings) -> Path:
    embedded.start(settings.db_dir)
    return settings.db_dir


_graph_counter = iter(range(1, 10**9))


@pytest.fixture
def store(_server: Path) -> Iterator[FalkorDBStore]:
    """An empty graph with the schema applied, on the session's embedded server."""
    s = FalkorDBStore(_server, f"test{next(_graph_counter)}")
    s.apply_schema()
    yield s
    s.drop_all()
    s.close()


NEO4J_VARIABLES = ("KOLGRAPH_TEST_NEO4J_URI", "KOLGRAPH_TEST_NEO4J_USERNAME",
                   "KOLGRAPH_TEST_NEO4J_PASSWORD", "KOLGRAPH_TEST_NEO4J_DATABASE")


def in_ci() -> bool:
    """True when the CI variable is set (CI=true on the CI machine): nothing may be skipped
    for want of a server there."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


_neo4j_starting: list[Future[launch.Neo4jServer]] = []  # the background start, when begun


def _needs_neo4j(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return (bool({"neo4j_env", "any_store"} & set(getattr(item, "fixturenames", ())))
            or (callspec is not None and "neo4j" in callspec.id))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Begin starting the Neo4j test server in the background when a collected test needs
    it (``neo4j_env`` waits for it; a test missed here makes ``neo4j_env`` start it then)."""
    if os.environ.get("KOLGRAPH_TEST_NEO4J_URI") or session.config.option.collectonly:
        return
    if any(_needs_neo4j(item) for item in session.items):
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="neo4j-start")
        _neo4j_starting.append(pool.submit(launch.start))
        pool.shutdown(wait=False)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop a server started in the background that no test took (a session stopped early)."""
    for starting in _neo4j_starting:
        if not starting.cancelled() and starting.exception() is None:
            starting.result().stop()


@pytest.fixture(scope="session")
def neo4j_env() -> Iterator[dict[str, str]]:
    """The ``KOLGRAPH_TEST_NEO4J_*`` variables of the session's Neo4j server (also set in
    ``os.environ`` while it runs): the server given by the caller, else one started here."""
    if os.environ.get("KOLGRAPH_TEST_NEO4J_URI"):
        yield {name: os.environ[name] for name in NEO4J_VARIABLES if name in os.environ}
        return
    try:
        server = _neo4j_starting.pop().result() if _neo4j_starting else launch.start()
    except launch.Neo4jServerError as exc:
        message = f"the Neo4j test server could not start: {exc}"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    env = server.env()
    os.environ.update(env)
    try:
        yield env
    finally:
        for name in env:
            os.environ.pop(name, None)
        server.stop()


def neo4j_store(env: dict[str, str]) -> object:
    """A ``Neo4jStore`` on the test server with its database emptied and the schema applied."""
    from graph.store.neo4j_store import Neo4jStore

    s = Neo4jStore(env["KOLGRAPH_TEST_NEO4J_URI"],
                   env.get("KOLGRAPH_TEST_NEO4J_USERNAME", "neo4j"),
                   env.get("KOLGRAPH_TEST_NEO4J_PASSWORD"),
                   env.get("KOLGRAPH_TEST_NEO4J_DATABASE"))
    s.drop_all()
    s.apply_schema()
    return s


BACKENDS = ["embedded", "neo4j"]


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest) -> Iterator[object]:
    """The contract-test store, once on the embedded database and once on Neo4j."""
    if request.param == "embedded":
        yield request.getfixturevalue("store")
        return
    s = neo4j_store(request.getfixturevalue("neo4j_env"))
    yield s
    s.drop_all()
    s.close()


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests leave files for people to look at (screenshots, reports)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
