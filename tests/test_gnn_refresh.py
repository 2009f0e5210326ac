"""The refresh job and the GNN commands against the real embedded database."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gnn import fit as fit_module
from gnn import jobs
from gnn.data.features import FeatureSchemaError
from gnn.data.synthetic import synthetic_frames
from gnn.fit import FitParams
from gnn.recommenders import LEARNED
from gnn.refresh import RefreshOptions, refresh
from gnn.registry import current_model_id, list_models, set_current
from gnn.train import TrainParams
from graph.store import gnn_io
from graph.store.falkordb_store import FalkorDBStore
from graph.store.runs import current_run, get_run
from kolgraph.cli import cli
from kolgraph.cli.support import UserError

PERSONS = 1500
K = 5


@pytest.fixture(scope="module")
def graph_store(_server: Path):
    """One graph with a synthetic audience, shared by the tests of this module (in order)."""
    s = FalkorDBStore(_server, "gnn_refresh")
    s.drop_all()
    s = FalkorDBStore(_server, "gnn_refresh")
    s.apply_schema()
    gnn_io.write_frames(s, synthetic_frames(PERSONS, seed=7))
    yield s
    s.drop_all()
    s.close()


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gnnhome")


@pytest.fixture(scope="module")
def first_refresh(graph_store, home):
    return refresh(graph_store, home, RefreshOptions(k=K, batch_persons=600))


def _recs(store, run_id: str) -> list[tuple]:
    rows = [r for batch in gnn_io.stream_recommendations(store, run_id) for r in batch]
    return sorted((r["person_id"], r["kind"], r["rank"], r["target_id"], r["score"],
                   r["reason"]) for r in rows)


def _count(store, query: str, **params) -> int:
    return int(store.scalar(query, params) or 0)


def test_refresh_writes_embeddings_index_and_recommendations(graph_store, home,
                                                            first_refresh):
    res = first_refresh
    assert res.trained == res.model_id == current_model_id(home / "models")
    assert current_run(graph_store, "refresh")["run_id"] == res.run_id
    assert _count(graph_store, "MATCH (p:Person) WHERE p.embedding IS NOT NULL "
                  "RETURN count(p)") == PERSONS
    assert _count(graph_store, "MATCH (p:Person {refresh_run_id: $r}) RETURN count(p)",
                  r=res.run_id) == PERSONS
    recs = _recs(graph_store, res.run_id)
    assert len(recs) == res.recommendations
    people = [r for r in recs if r[1] == "people"]
    content = [r for r in recs if r[1] == "content"]
    assert len({r[0] for r in people}) == PERSONS
    assert max(r[2] for r in recs) == K
    assert all(0.0 <= r[4] <= 1.0 for r in recs)
    # calibrated: not one value for everyone
    assert len({r[4] for r in people}) > 10 and max(r[4] for r in people) < 1.0
    assert all(r[5] for r in recs)
    assert res.recommender["people"].endswith(LEARNED)
    assert get_run(graph_store, res.run_id)["metrics"]["recommender"] == res.recommender
    assert len(content) > PERSONS
    # never an existing tie, never an engaged content, never oneself
    data = jobs.load_graph(graph_store)
    ids, keys = data.person_ids, data.content_keys
    ties = {frozenset((ids[a], ids[b])) for a, b in zip(data.pp_src, data.pp_dst, strict=True)}
    engaged = set(zip(ids[data.pc_person], keys[data.pc_content], strict=True))
    assert all(r[0] != r[3] and frozenset((r[0], r[3])) not in ties for r in people)
    assert all((r[0], r[3]) not in engaged for r in content)
    # ranks follow scores within a person
    frame = pd.DataFrame(recs, columns=["p", "kind", "rank", "t", "score", "reason"])
    for _, group in frame.groupby(["p", "kind"]):
        assert group.sort_values("rank")["score"].is_monotonic_decreasing


def test_similar_uses_the_vector_index_with_cosine_similarity(graph_store, first_refresh):
    rows = gnn_io.similar_persons(graph_store, "p0000010", 5)
    assert len(rows) == 5 and all(r["person_id"] != "p0000010" for r in rows)
    me = np.array(gnn_io.person_embedding(graph_store, "p0000010"))
    for row in rows:
        other = np.array(gnn_io.person_embedding(graph_store, row["person_id"]))
        cosine = me @ other / np.linalg.norm(me) / np.linalg.norm(other)
        assert row["similarity"] == pytest.approx(cosine, abs=1e-3)
    assert [r["similarity"] for r in rows] == sorted((r["similarity"] for r in rows),
                                                     reverse=True)


def test_rerun_without_new_data_gives_identical_recommendations(graph_store, home,
                                                                first_refresh):
    before = _recs(graph_store, first_refresh.run_id)
    again = refresh(graph_store, home, RefreshOptions(k=K, batch_persons=600))
    assert again.run_id != first_refresh.run_id and again.trained is None
    assert _recs(graph_store, again.run_id) == before
    # the older run's relationships are gone once the new run is complete
    assert _count(graph_store, "MATCH ()-[r:RECOMMENDED]->() WHERE r.run_id <> $r "
                  "RETURN count(r)", r=again.run_id) == 0


def test_interrupted_refresh_resumes_and_only_then_becomes_visible(graph_store, home):
    visible = current_run(graph_store, "refresh")["run_id"]
    seen: list[int] = []

    def crash_after_first(batch: int) -> None:
        seen.append(batch)
        raise KeyboardInterrupt

    opts = RefreshOptions(k=K, batch_persons=400)
    with pytest.raises(KeyboardInterrupt):
        refresh(graph_store, home, opts, on_batch=crash_after_first)
    assert seen == [0]
    assert current_run(graph_store, "refresh")["run_id"] == visible
    resumed_batches: list[int] = []
    res = refresh(graph_store, home, opts, on_batch=resumed_batches.append)
    assert res.resumed and resumed_batches == [1, 2, 3]
    assert get_run(graph_store, res.run_id)["status"] == "complete"
    assert current_run(graph_store, "refresh")["run_id"] == res.run_id
    recs = _recs(graph_store, res.run_id)
    assert len({r[0] for r in recs if r[1] == "people"}) == PERSONS
    assert len(recs) == len(set((r[0], r[1], r[2]) for r in recs))


def test_person_added_later_gets_recommendations_without_retraining(graph_store, home,
                                                                   first_refresh):
    new = {
        "persons": pd.DataFrame({"person_id": ["p9999999"], "followers_total": [3],
                                 "platforms": ["zhihu|bilibili"], "community_id": [None]}),
        "person_edges": pd.DataFrame({"src": ["p9999999"] * 3,
                                      "dst": ["p0000001", "p0000002", "p0000003"]}),
        "contents": pd.DataFrame({"content_key": [], "platform": [], "topic": [],
                                  "price": []}),
        "engagements": pd.DataFrame({"person_id": [], "content_key": [], "count": [],
                                     "amount": []}),
    }
    gnn_io.write_frames(graph_store, new)
    res = refresh(graph_store, home, RefreshOptions(k=K, batch_persons=600))
    assert res.trained is None and res.model_id == first_refresh.model_id
    assert gnn_io.person_embedding(graph_store, "p9999999") is not None
    people = gnn_io.recommendations_for(graph_store, res.run_id, "p9999999", "people", K)
    content = gnn_io.recommendations_for(graph_store, res.run_id, "p9999999", "content", K)
    assert len(people) == K and len(content) == K
    assert {"p0000001", "p0000002", "p0000003"}.isdisjoint(r["target_id"] for r in people)


def test_cli_commands(graph_store, first_refresh, kolgraph_home, tmp_path, monkeypatch):
    monkeypatch.setenv("KOLGRAPH_HOME", str(kolgraph_home))
    monkeypatch.setenv("KOLGRAPH_GRAPH", graph_store.graph_name)
    runner = CliRunner()
    pid = "p0000010"
    out = runner.invoke(cli, ["recommend", pid, "--kind", "content", "--k", "3",
                              "--format", "json"])
    assert out.exit_code == 0, out.output
    assert '"rank": 3' in out.output and "reason" in out.output
    out = runner.invoke(cli, ["similar", pid, "--k", "3", "--format", "csv"])
    assert out.exit_code == 0 and len(out.output.strip().splitlines()) == 4
    missing = runner.invoke(cli, ["recommend", "nobody"])
    assert isinstance(missing.exception, UserError) and "PERSON_ID" in str(missing.exception)
    target = tmp_path / "recs.csv"
    out = runner.invoke(cli, ["export", "recommendations", "--out", str(target)])
    assert out.exit_code == 0, out.output
    with target.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["person_id", "kind", "rank", "target_id", "score", "reason"]
    assert {r["kind"] for r in rows} == {"people", "content"}
    out = runner.invoke(cli, ["recommend", pid, "--k", str(K + 5)])
    assert out.exit_code == 0, out.output
    assert f"stored {K} per person" in out.output and f"--k {K + 5}" in out.output
    out = runner.invoke(cli, ["train", "--epochs", "10", "--hidden", "16"])
    assert out.exit_code == 0, out.output
    assert LEARNED in out.output and "adamic_adar" in out.output and "recall@50" in out.output
    assert "promoted" in out.output and "recommender per task" in out.output
    out = runner.invoke(cli, ["models", "--format", "csv"])
    assert out.exit_code == 0 and "val_recall@50_people" in out.output
    assert len(out.output.strip().splitlines()) >= 2
    for command in ("train", "models", "refresh", "recommend", "similar"):
        assert runner.invoke(cli, [command, "--help"]).exit_code == 0


class _Inverted:
    """A booster that ranks in the reverse order of the trained one: a model that loses."""

    def __init__(self, booster):
        self.booster = booster
        self.best_iteration = booster.best_iteration

    def predict(self, x, **kwargs):
        return -self.booster.predict(x, **kwargs)

    def save_model(self, path):
        self.booster.save_model(path)


def _losing(monkeypatch) -> None:
    real = fit_module.fit_ranker

    def fit_ranker(*args, **kwargs):
        ranker = real(*args, **kwargs)
        if ranker is not None:
            ranker.booster = _Inverted(ranker.booster)
        return ranker

    monkeypatch.setattr(fit_module, "fit_ranker", fit_ranker)


SMALL = FitParams(gnn=TrainParams(epochs=10, eval_every=5, hidden=16, device="cpu"))


def test_model_that_does_not_beat_heuristics_is_not_promoted(store, tmp_path, monkeypatch):
    gnn_io.write_frames(store, synthetic_frames(400, seed=2))
    data = jobs.load_graph(store)
    models_dir = tmp_path / "models"
    previous = jobs.train_job(store, models_dir, data, SMALL)
    set_current(models_dir, previous.model_id)
    _losing(monkeypatch)
    outcome = jobs.train_job(store, models_dir, data, SMALL)
    assert not outcome.promoted and "<=" in outcome.decision
    assert LEARNED not in outcome.result.choice.values()
    assert current_model_id(models_dir) == previous.model_id
    listed = {r["model_id"]: r for r in list_models(models_dir)}
    assert listed[previous.model_id]["current"] == "*"
    assert listed[outcome.model_id]["promoted"] is False
    assert get_run(store, outcome.model_id)["status"] == "complete"

    # An operator may still make the unpromoted model current, by name, through the CLI.
    monkeypatch.setenv("KOLGRAPH_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["models", "--promote", "train-nonexistent"])
    assert isinstance(result.exception, UserError)
    assert "train-nonexistent: no such model" in str(result.exception)
    assert current_model_id(models_dir) == previous.model_id
    result = CliRunner().invoke(cli, ["models", "--promote", outcome.model_id])
    assert result.exit_code == 0, result.output
    assert current_model_id(models_dir) == outcome.model_id


def test_refresh_without_a_winning_model_writes_the_best_heuristic(store, tmp_path,
                                                                   monkeypatch):
    gnn_io.write_frames(store, synthetic_frames(400, seed=5))
    _losing(monkeypatch)
    res = refresh(store, tmp_path, RefreshOptions(k=4, fit_params=SMALL))
    assert res.trained is not None and res.model_id is None
    assert current_model_id(tmp_path / "models") is None
    assert set(res.recommender) == {"people", "content"}
    assert all(label.startswith("heuristic:") for label in res.recommender.values())
    run = get_run(store, res.run_id)
    assert run["metrics"]["recommender"] == res.recommender
    assert res.recommendations >= 400 * 4
    # the embeddings still come from the trained GraphSAGE (look-alikes work)
    assert run["metrics"]["embedding_model"] == res.trained
    listed = {r["model_id"]: r for r in list_models(tmp_path / "models")}
    assert listed[res.trained]["people_recommender"] == res.recommender["people"].split(":")[1]


def test_model_whose_schema_does_not_fit_the_data_is_a_clear_error(store, tmp_path):
    gnn_io.write_frames(store, synthetic_frames(300, seed=4))
    data = jobs.load_graph(store)
    models_dir = tmp_path / "models"
    old = jobs.train_job(store, models_dir, data, SMALL)
    set_current(models_dir, old.model_id)
    newcomer = {
        "persons": pd.DataFrame({"person_id": ["w1"], "followers_total": [1],
                                 "platforms": ["weibo"], "community_id": [None]}),
        "person_edges": pd.DataFrame({"src": ["w1"], "dst": ["p0000001"]}),
        "contents": pd.DataFrame({"content_key": [], "platform": [], "topic": [],
                                  "price": []}),
        "engagements": pd.DataFrame({"person_id": [], "content_key": [], "count": [],
                                     "amount": []}),
    }
    gnn_io.write_frames(store, newcomer)
    with pytest.raises(FeatureSchemaError, match="weibo.*retrain"):
        refresh(store, tmp_path, RefreshOptions(k=3))
