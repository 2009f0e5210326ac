"""``kolgraph analyze --engine gds``: Leiden and PageRank inside Neo4j with the Graph Data
Science library that the test server carries (tests/neo4j_server), on a 1,000-person sample
ingested into the session's Neo4j server, against the Python engine on the same data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.analytics.weights import load_weights
from graph.config import Settings
from graph.errors import InvalidInput
from graph.ingest.pipeline import ingest_folder
from graph.ingest.sample import generate_sample
from graph.store import gds_io
from graph.store.runs import current_run, get_run
from kolgraph.usecases.analyze import AnalyzeParams, run_analysis
from tests.conftest import neo4j_store


@pytest.fixture(scope="module")
def gds_store(neo4j_env: dict[str, str], settings: Settings,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    sample = tmp_path_factory.mktemp("gds") / "sample"
    generate_sample(sample, 1000, seed=3)
    store = neo4j_store(neo4j_env)
    ingest_folder(store, settings, sample)
    yield store
    store.drop_all()
    store.close()


def test_the_test_server_carries_gds(gds_store) -> None:
    assert gds_io.gds_version(gds_store) == "2.13.9"


def test_gds_engine_writes_the_same_properties_under_the_same_run_rules(gds_store) -> None:
    weights = load_weights()
    py_run, py = run_analysis(gds_store, weights, AnalyzeParams(seed=3))
    gds_run, gds = run_analysis(gds_store, weights, AnalyzeParams(seed=3, engine="gds"))
    assert current_run(gds_store, "analyze")["run_id"] == gds_run
    assert get_run(gds_store, gds_run)["params"]["engine"] == "gds"
    persons = gds_store.node_counts()["Person"]
    # every person carries the new run's community and PageRank; the old run's are gone
    rows = gds_store.read("MATCH (p:Person)-[:IN_COMMUNITY {run_id: $run}]->(c:Community) "
                          "WHERE p.community_id = c.community_id AND p.pagerank > 0 "
                          "RETURN count(p) AS n", {"run": gds_run}).rows
    assert rows[0]["n"] == persons
    assert gds_store.scalar("MATCH (c:Community) WHERE c.run_id = $run RETURN count(c) AS n",
                            {"run": py_run}) == 0
    assert gds.metrics["engine"] == "gds" and py.metrics["engine"] == "python"
    assert gds.partition.count > 1
    assert gds.persons["pagerank"].sum() == pytest.approx(1.0)
    # GDS optimises a simpler weighting (tie counts), scored here on the Python projection
    assert gds.partition.modularity > 0.5 * py.partition.modularity > 0
    # the KOLs everybody knows are found by both: the top 10 by PageRank overlap
    top_py = set(py.persons.nlargest(10, "pagerank")["person_id"])
    top_gds = set(gds.persons.nlargest(10, "pagerank")["person_id"])
    assert len(top_py & top_gds) >= 5


def test_gds_engine_needs_neo4j(store, settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="engine: gds needs the Neo4j backend"):
        run_analysis(store, load_weights(), AnalyzeParams(engine="gds"))
    assert current_run(store, "analyze") is None
