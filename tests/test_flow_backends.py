"""One end-to-end flow, the same on both backends, through the CLI and the web app:

``kolgraph sample`` (1,000 persons) -> ``kolgraph ingest`` (identity resolution) -> the same
ingest again (nothing changes) -> ``kolgraph analyze`` -> ``kolgraph train`` (the model made
current by hand when it did not beat the heuristics) -> ``kolgraph refresh`` (embeddings,
the vector index, recommendations) -> ``kolgraph similar`` / ``recommend`` -> ``kolgraph
export`` (persons, communities, recommendations: the streaming export) -> the web pages and
the JSON API, read through the store. The embedded FalkorDB and the session's Neo4j
server (tests/conftest.py) must give the same counts and results.

Refresh outcomes are asserted as a user sees them (every person embedded, look-alikes found
through the vector index, recommendations written for persons, equal counts on both
backends), not as exact scores, which belong to the recommender's own tests.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from graph.config import Settings, load_settings
from graph.store import GraphStore, embedded, gnn_io, open_store
from kolgraph.cli import cli
from tests.conftest import neo4j_store
from tests.web.conftest import csrf_token, log_in

PERSONS = 1000
SEED = 7
K = 5
SALT = "flow-test-salt-01234"
ADMIN, PASSWORD = "flow_admin", "flow-Passw0rd!"


@dataclass
class Flow:
    """What one backend's run of the flow printed and left in its store."""

    backend: str
    settings: Settings
    store: GraphStore
    ingest: dict[str, Any] = field(default_factory=dict)
    reingest: dict[str, Any] = field(default_factory=dict)
    counts_after_ingest: dict[str, int] = field(default_factory=dict)
    counts_after_reingest: dict[str, int] = field(default_factory=dict)
    analyze: dict[str, Any] = field(default_factory=dict)
    train_line: str = ""
    refresh_line: str = ""
    counts_final: dict[str, int] = field(default_factory=dict)
    similar: list[dict[str, Any]] = field(default_factory=list)
    recommend: list[dict[str, Any]] = field(default_factory=list)
    exports: dict[str, pd.DataFrame] = field(default_factory=dict)


def kolgraph(env: dict[str, str | None], *args: str) -> str:
    """Run one ``kolgraph`` command in-process with ``env``; its stdout (exit 0 asserted)."""
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, f"kolgraph {' '.join(args)}:\n{result.output}"
    return result.stdout


def _counts(store: GraphStore) -> dict[str, int]:
    return {**store.node_counts(), **store.relationship_counts()}


def _run_flow(backend: str, env: dict[str, str | None], sample: Path,
              store: GraphStore) -> Flow:
    flow = Flow(backend, load_settings(env={k: v for k, v in env.items() if v is not None}),
                store)
    flow.ingest = json.loads(kolgraph(env, "ingest", str(sample), "--format", "json"))
    flow.counts_after_ingest = _counts(store)
    flow.reingest = json.loads(kolgraph(env, "ingest", str(sample), "--format", "json"))
    flow.counts_after_reingest = _counts(store)
    flow.analyze = json.loads(kolgraph(env, "analyze", "--seed", str(SEED), "--format",
                                       "json"))
    # What an operator does: train; when the model did not beat the heuristics (its quality is
    # the recommender's tests' business), make it current by hand; then refresh.
    flow.train_line = kolgraph(env, "train", "--epochs", "40", "--seed", str(SEED),
                               "--device", "cpu").strip().splitlines()[-1]
    models = json.loads(kolgraph(env, "models", "--format", "json"))
    if not any(m["current"] for m in models):
        kolgraph(env, "models", "--promote", models[0]["model_id"])
    flow.refresh_line = kolgraph(env, "refresh", "--k", str(K), "--seed", str(SEED),
                                 "--device", "cpu", "--epochs", "40").strip().splitlines()[-1]
    flow.counts_final = _counts(store)
    top = flow.analyze["top_kols"][0]["person_id"]
    flow.similar = json.loads(kolgraph(env, "similar", top, "--k", str(K), "--format", "json"))
    flow.recommend = json.loads(kolgraph(env, "recommend", top, "--k", str(K),
                                         "--format", "json"))
    out = flow.settings.home / "exports"
    out.mkdir()
    for what in ("persons", "communities", "recommendations"):
        kolgraph(env, "export", what, "--out", str(out / f"{what}.csv"))
        flow.exports[what] = pd.read_csv(out / f"{what}.csv", keep_default_na=False)
    return flow


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kolgraph sample --persons 1000 --seed 7``, shared by both flows."""
    out = tmp_path_factory.mktemp("flow") / "sample"
    kolgraph({}, "sample", "--out", str(out), "--persons", str(PERSONS), "--seed", str(SEED))
    return out


@pytest.fixture(scope="module")
def flows(sample: Path, neo4j_env: dict[str, str]) -> Iterator[dict[str, Flow]]:
    """The flow run on the embedded database (a home of its own) and on Neo4j."""
    homes = {b: Path(tempfile.mkdtemp(prefix=f"kgf{b[0]}-")) for b in ("embedded", "neo4j")}
    # one "now" for both analyses: the recency weights then match to the last digit
    base = {"KOLGRAPH_PII_SALT": SALT, "KOLGRAPH_SECRET_KEY": "flow-secret",
            "KOLGRAPH_CONFIG": None, "KOLGRAPH_AS_OF": str(int(time.time()))}
    envs: dict[str, dict[str, str | None]] = {
        "embedded": {**base, "KOLGRAPH_HOME": str(homes["embedded"]),
                     "KOLGRAPH_BACKEND": "embedded", "NEO4J_URI": None},
        "neo4j": {**base, "KOLGRAPH_HOME": str(homes["neo4j"]), "KOLGRAPH_BACKEND": "neo4j",
                  "NEO4J_URI": neo4j_env["KOLGRAPH_TEST_NEO4J_URI"],
                  "NEO4J_USERNAME": neo4j_env["KOLGRAPH_TEST_NEO4J_USERNAME"],
                  "NEO4J_PASSWORD": neo4j_env["KOLGRAPH_TEST_NEO4J_PASSWORD"],
                  "NEO4J_DATABASE": neo4j_env["KOLGRAPH_TEST_NEO4J_DATABASE"]},
    }
    neo4j_store(neo4j_env).close()  # an empty database with the schema
    stores: dict[str, GraphStore] = {}
    try:
        for backend, env in envs.items():
            settings = load_settings(env={k: v for k, v in env.items() if v is not None})
            stores[backend] = open_store(settings)
            assert stores[backend].dialect == ("neo4j" if backend == "neo4j" else "falkordb")
        yield {b: _run_flow(b, envs[b], sample, stores[b]) for b in envs}
    finally:
        for store in stores.values():
            store.close()
        embedded.stop(homes["embedded"] / "db")
        for home in homes.values():
            shutil.rmtree(home, ignore_errors=True)


INGEST_KEYS = ("accounts", "accounts_created_from_events", "persons", "persons_created",
               "persons_merged", "accounts_merged_into_persons", "contents", "events_new",
               "events_already_loaded", "totals")


def test_ingest_resolves_identities_the_same_on_both(flows: dict[str, Flow]) -> None:
    e, n = flows["embedded"], flows["neo4j"]
    assert {k: n.ingest[k] for k in INGEST_KEYS} == {k: e.ingest[k] for k in INGEST_KEYS}
    assert n.ingest["accounts_merged_into_persons"] > 0  # identity resolution merged some
    assert n.ingest["persons"] < n.ingest["accounts"]
    assert n.counts_after_ingest == e.counts_after_ingest
    assert n.counts_after_ingest["Person"] == n.ingest["persons"]
    assert n.counts_after_ingest["INTERACTED"] > 0 and n.counts_after_ingest["ENGAGED"] > 0


@pytest.mark.parametrize("backend", ["embedded", "neo4j"])
def test_reingest_changes_nothing(flows: dict[str, Flow], backend: str) -> None:
    flow = flows[backend]
    assert flow.reingest["events_new"] == 0
    assert flow.reingest["events_already_loaded"] == flow.ingest["events_new"] > 0
    assert flow.reingest["persons_created"] == 0 and flow.reingest["persons_merged"] == 0
    # the second ingest records a Run of its own, and changes nothing else
    after = dict(flow.counts_after_reingest)
    assert after.pop("Run") == flow.counts_after_ingest["Run"] + 1
    assert after == {k: v for k, v in flow.counts_after_ingest.items() if k != "Run"}


def test_analysis_is_the_same_on_both(flows: dict[str, Flow]) -> None:
    e, n = flows["embedded"], flows["neo4j"]
    assert n.analyze["metrics"]["communities"] == e.analyze["metrics"]["communities"] > 1
    assert n.analyze["metrics"]["modularity"] == pytest.approx(e.analyze["metrics"]["modularity"])
    strip = [{k: v for k, v in kol.items() if k not in ("kol_score", "pagerank")}
             for kol in n.analyze["top_kols"]]
    assert strip == [{k: v for k, v in kol.items() if k not in ("kol_score", "pagerank")}
                     for kol in e.analyze["top_kols"]]
    for kn, ke in zip(n.analyze["top_kols"], e.analyze["top_kols"], strict=True):
        assert kn["kol_score"] == pytest.approx(ke["kol_score"])
        assert kn["pagerank"] == pytest.approx(ke["pagerank"])
    assert n.analyze["communities"] == e.analyze["communities"]
    persons = n.counts_final["Person"]
    assert n.store.scalar("MATCH (p:Person) WHERE p.community_id IS NOT NULL "
                          "AND p.pagerank IS NOT NULL RETURN count(p) AS n") == persons


def _vector_index_exists(store: GraphStore) -> bool:
    if store.dialect == "neo4j":
        rows = store.read("SHOW VECTOR INDEXES YIELD name, labelsOrTypes, properties, state "
                          "RETURN name, labelsOrTypes, properties, state").rows
        return any(r["labelsOrTypes"] == ["Person"] and r["properties"] == ["embedding"]
                   and r["state"] == "ONLINE" for r in rows)
    rows = store.read("CALL db.indexes() YIELD label, types RETURN label, types").rows
    return any(r["label"] == "Person" and "VECTOR" in (r["types"] or {}).get("embedding", [])
               for r in rows)


@pytest.mark.parametrize("backend", ["embedded", "neo4j"])
def test_refresh_embeds_indexes_and_recommends(flows: dict[str, Flow], backend: str) -> None:
    flow = flows[backend]
    persons = flow.counts_final["Person"]
    store = flow.store
    assert store.scalar("MATCH (p:Person) WHERE p.embedding IS NOT NULL "
                        "RETURN count(p) AS n") == persons
    assert _vector_index_exists(store)
    assert len(flow.similar) == K
    top = flow.analyze["top_kols"][0]["person_id"]
    assert top not in {r["person_id"] for r in flow.similar}
    # the similarity shown is the cosine of the two stored embeddings on either backend
    # (Neo4j's index scores (1 + cosine) / 2)
    mine = np.array(gnn_io.person_embedding(store, top))
    for row in flow.similar:
        other = np.array(gnn_io.person_embedding(store, row["person_id"]))
        cosine = float(mine @ other / (np.linalg.norm(mine) * np.linalg.norm(other)))
        assert row["similarity"] == pytest.approx(cosine, abs=1e-3), row
    assert flow.counts_final["RECOMMENDED"] > 0
    recommended = store.scalar("MATCH (p:Person)-[r:RECOMMENDED {kind: 'people'}]->(:Person) "
                               "RETURN count(DISTINCT p) AS n")
    assert recommended == persons
    assert 0 < len(flow.recommend) <= K


def test_refresh_counts_are_the_same_on_both(flows: dict[str, Flow]) -> None:
    e, n = flows["embedded"], flows["neo4j"]
    assert n.counts_final == e.counts_final
    # "refresh RUN: N persons, R recommendations (people by model:M:learned_ranker, ...)":
    # the same N, R and recommenders (the model ids are each backend's own train runs)
    def summary(line: str) -> str:
        return re.sub(r"model:train-[^:]+:", "model:", line.split(": ", 1)[1])

    assert summary(n.refresh_line) == summary(e.refresh_line)
    assert [r["person_id"] for r in n.similar] == [r["person_id"] for r in e.similar]
    assert [r["similarity"] for r in n.similar] == pytest.approx(
        [r["similarity"] for r in e.similar], abs=1e-4)


def test_exports_stream_the_same_rows_out_of_both(flows: dict[str, Flow]) -> None:
    e, n = flows["embedded"], flows["neo4j"]
    persons = n.exports["persons"]
    assert len(persons) == n.counts_final["Person"]
    pd.testing.assert_frame_equal(persons, e.exports["persons"], check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(n.exports["communities"].drop(columns="run_id"),
                                  e.exports["communities"].drop(columns="run_id"),
                                  check_exact=False, rtol=1e-9)
    recs = n.exports["recommendations"]
    assert len(recs) == n.counts_final["RECOMMENDED"] == len(e.exports["recommendations"])
    per_person = recs.groupby(["person_id", "kind"]).size()
    assert per_person.max() == K
    assert per_person.equals(e.exports["recommendations"].groupby(["person_id", "kind"]).size())


# ------------------------------------------------------------------- web app
def _client(flow: Flow) -> Any:
    from web.app import create_app
    from web.users import UserStore

    users = UserStore.for_home(flow.settings.home)
    if not users.exists(ADMIN):
        users.add(ADMIN, "admin", PASSWORD)
    app = create_app(flow.settings, flow.store, cookie_secure=False)
    client = app.test_client()
    log_in(client, ADMIN, PASSWORD)
    return client


def _without_runs(value: Any) -> Any:
    """A JSON value with run ids, model ids, times and durations (``*_s``) taken out: they
    differ from run to run (a model id inside a text becomes ``train-ID``); lists of runs
    sorted by their content."""
    if isinstance(value, str):
        return re.sub(r"train-\d{8}T\d{6}(?:\.\d{6})?-[0-9a-f]+", "train-ID", value)
    if isinstance(value, dict):
        return {k: _without_runs(v) for k, v in value.items()
                if not k.endswith("_s") and not any(
                    word in k for word in ("run_id", "model_id", "_at", "seconds", "started",
                                           "finished", "generated", "embedding_model"))}
    if isinstance(value, list):
        items = [_without_runs(v) for v in value]
        if items and all(isinstance(v, dict) and "kind" in v and "status" in v for v in items):
            # runs, newest first: two started in the same second on one backend and not on
            # the other swap places, so they are compared as a set
            items.sort(key=lambda v: json.dumps(v, sort_keys=True, default=str))
        return items
    return value


def _first_difference(a: Any, b: Any, where: str = "") -> str:
    """Where two JSON values first differ, and the two values there ('' when equal; floats
    equal within 1e-4 relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = _first_difference(a.get(key), b.get(key), f"{where}.{key}")
            if found:
                return found
        return ""
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return ""
    if isinstance(a, float) and isinstance(b, float):
        # embeddings are float32 in both vector indexes, computed apart: 1e-4 is their noise
        return "" if abs(a - b) <= 1e-4 * max(1.0, abs(b)) else f"{where}: {a!r} != {b!r}"
    return "" if a == b else f"{where}: {a!r} != {b!r}"


def test_web_pages_and_api_read_the_same_through_both_stores(flows: dict[str, Flow]) -> None:
    e, n = flows["embedded"], flows["neo4j"]
    clients = {"embedded": _client(e), "neo4j": _client(n)}
    top = n.analyze["top_kols"][0]
    community = top["community_id"]
    pages = ["/", "/communities", f"/communities/{community}", "/influencers",
             f"/persons/{top['person_id']}", "/runs", "/search?q=" + top["display_name"][:2]]
    for path in pages:
        for backend, client in clients.items():
            response = client.get(path)
            assert response.status_code == 200, (backend, path)
            if path.startswith(("/influencers", "/persons")):
                assert top["display_name"] in response.get_data(as_text=True), (backend, path)
    api = ["/api/v1/overview", "/api/v1/communities", f"/api/v1/communities/{community}",
           f"/api/v1/communities/{community}/network", "/api/v1/influencers",
           f"/api/v1/persons/{top['person_id']}", f"/api/v1/persons/{top['person_id']}/network",
           "/api/v1/filters"]
    for path in api:
        answers = {}
        for backend, client in clients.items():
            response = client.get(path)
            assert response.status_code == 200, (backend, path, response.get_data(as_text=True))
            answers[backend] = _without_runs(response.get_json())
        assert _first_difference(answers["neo4j"], answers["embedded"]) == "", path
    for backend, client in clients.items():
        headers = {"X-CSRF-Token": csrf_token(client, "/console")}
        library = client.post("/api/v1/query", json={"name": "top_kols", "params": {"k": 3}},
                              headers=headers)
        assert library.status_code == 200, (backend, library.get_data(as_text=True))
        assert [row[0] for row in library.get_json()["rows"]] == [
            kol["person_id"] for kol in n.analyze["top_kols"][:3]], backend
        write = client.post("/api/v1/query", json={"cypher": "MATCH (p:Person) SET p.x = 1"},
                            headers=headers)
        assert write.status_code == 400, (backend, write.get_data(as_text=True))
    assert n.store.scalar("MATCH (p:Person) WHERE p.x IS NOT NULL RETURN count(p) AS n") == 0
