"""The stored recommendations on a real social graph (twitch, 7,126 persons, from
``../shared/datasets``) beat every heuristic computed on the same loaded graph: 10 % of the
ties hidden before ingest, then the real ingest → analyze → refresh (k = 50) against the
embedded database, then recall@50 of what was stored, measured against the hidden ties."""

from __future__ import annotations

import pandas as pd
import pytest

from gnn.evaluate import format_ranking_table
from gnn.product_eval import best_baseline, measure_stored, stored_value
from gnn.refresh import RefreshOptions, refresh
from graph.analytics.weights import load_weights
from graph.ingest.edge_list import write_edge_list
from graph.ingest.pipeline import ingest_folder
from kolgraph.usecases.analyze import AnalyzeParams, run_analysis
from tests.paths import DATASETS


@pytest.mark.slow
def test_stored_recommendations_beat_every_heuristic_on_twitch(store, settings, tmp_path,
                                                               capsys):
    edges_file = DATASETS / "twitch.edges.csv"
    assert edges_file.exists(), f"{edges_file}: the shared real graphs are missing"
    hidden = write_edge_list(pd.read_csv(edges_file), tmp_path / "input", hide_frac=0.1,
                             seed=0)
    ingest_folder(store, settings, tmp_path / "input")
    run_analysis(store, load_weights(None), AnalyzeParams(seed=0))
    result = refresh(store, tmp_path / "home", RefreshOptions(k=50, device="cpu"))
    assert result.persons == 7126
    rows = measure_stored(store, {"people": hidden}, persons=2000, seed=0)
    with capsys.disabled():
        print("\n" + format_ranking_table(rows))
    name, best = best_baseline(rows)
    mine = stored_value(rows)
    assert mine >= best, f"stored recall@50 {mine:.4f} < {name} {best:.4f}"
