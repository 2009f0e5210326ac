"""Acceptance: on the generated sample, ingested into the real embedded database, the
detected communities recover the planted ones and the planted KOLs top the ranking."""

from __future__ import annotations

import pandas as pd
import pytest

from graph.analytics.evaluation import nmi, precision_at_k
from graph.analytics.weights import load_weights
from graph.store import analytics_io
from graph.store.falkordb_store import FalkorDBStore
from kolgraph.usecases.analyze import AnalyzeParams, run_analysis

PERSONS = 10_000  # enough persons for the sample to plant more than 50 KOLs
SAMPLE_SEED = 11


@pytest.fixture(scope="module")
def analysed(_server, settings, tmp_path_factory):
    """The 10,000-person sample, ingested and analysed once for this module."""
    sample = pytest.importorskip("graph.ingest.sample")
    pipeline = pytest.importorskip("graph.ingest.pipeline")
    out = tmp_path_factory.mktemp("analytics-sample") / "sample"
    sample.generate_sample(out, persons=PERSONS, seed=SAMPLE_SEED)
    store = FalkorDBStore(_server, "analytics_acceptance")
    store.drop_all()
    store = FalkorDBStore(_server, "analytics_acceptance")
    store.apply_schema()
    pipeline.ingest_folder(store, settings, out)
    run_id, _result = run_analysis(store, load_weights(), AnalyzeParams(seed=1))
    results = analytics_io.read_person_results(store)
    truth = pd.read_csv(out.with_name(out.name + ".truth") / "persons.csv", dtype=str)
    yield results, truth, run_id
    store.drop_all()
    store.close()


def _truth_by_person(results: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Planted community and KOL flag of each person in the graph, through its accounts."""
    planted = truth.assign(account=truth["accounts"].str.split(";")).explode("account")
    accounts = results[["person_id", "accounts"]].explode("accounts")
    joined = accounts.merge(planted, left_on="accounts", right_on="account")
    per_person = joined.groupby("person_id").agg(community=("community", "first"),
                                                 is_kol=("is_kol", "first"),
                                                 planted=("person", "nunique"))
    assert per_person["planted"].eq(1).all(), "a graph person joins two planted persons"
    return per_person


def test_detected_communities_recover_the_planted_ones(analysed):
    results, truth, _run_id = analysed
    planted = _truth_by_person(results, truth)
    detected = results.set_index("person_id")["community_id"].reindex(planted.index)
    assert len(planted) >= 0.95 * PERSONS
    score = nmi(planted["community"].to_numpy(), detected.to_numpy())
    assert score >= 0.8, f"NMI {score:.3f}"


def _ranked_and_planted(analysed) -> tuple[list[str], set[str]]:
    results, truth, _run_id = analysed
    planted = _truth_by_person(results, truth)
    kols = set(planted.index[planted["is_kol"] == "1"])
    ranked = results.sort_values("kol_rank")["person_id"].tolist()
    return ranked, kols


def test_planted_kols_top_the_ranking(analysed):
    ranked, kols = _ranked_and_planted(analysed)
    k = len(kols)
    assert k > 0
    score = precision_at_k(ranked, kols, k)
    assert score >= 0.8, f"precision@{k} (all {k} planted KOLs) {score:.3f}"


def test_precision_at_50_of_planted_kols(analysed):
    ranked, kols = _ranked_and_planted(analysed)
    assert len(kols) >= 50, f"the sample plants only {len(kols)} KOLs"
    score = precision_at_k(ranked, kols, 50)
    assert score >= 0.8, f"precision@50 {score:.3f}"
