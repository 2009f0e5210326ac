"""Shared fixtures: a real embedded FalkorDB server started by the tests themselves.

``store`` gives each test an empty graph (schema applied) on the session's server. When
``KOLGRAPH_TEST_NEO4J_URI`` is set, ``any_store`` runs a test once per backend.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.config import Settings, load_settings
from graph.store import embedded
from graph.store.falkordb_store import FalkorDBStore

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="session")
def kolgraph_home() -> Iterator[Path]:
    """A short KOLGRAPH_HOME (unix socket paths are limited to 107 bytes)."""
    home = Path(tempfile.mkdtemp(prefix="kgt-"))
    yield home
    embedded.stop(home / "db")


@pytest.fixture(scope="session")
def settings(kolgraph_home: Path) -> Settings:
    return load_settings(env={"KOLGRAPH_HOME": str(kolgraph_home),
                              "KOLGRAPH_PII_SALT": "test-salt",
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


def _neo4j_store() -> object:
    from graph.store.neo4j_store import Neo4jStore

    s = Neo4jStore(os.environ["KOLGRAPH_TEST_NEO4J_URI"],
                   os.environ.get("KOLGRAPH_TEST_NEO4J_USERNAME", "neo4j"),
                   os.environ.get("KOLGRAPH_TEST_NEO4J_PASSWORD"),
                   os.environ.get("KOLGRAPH_TEST_NEO4J_DATABASE"))
    s.drop_all()
    s.apply_schema()
    return s


BACKENDS = ["embedded"] + (["neo4j"] if os.environ.get("KOLGRAPH_TEST_NEO4J_URI") else [])


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest) -> Iterator[object]:
    """The contract-test store: the embedded one always, Neo4j when configured."""
    if request.param == "embedded":
        yield request.getfixturevalue("store")
        return
    s = _neo4j_store()
    yield s
    s.drop_all()
    s.close()


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests leave files for people to look at (screenshots, reports)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
