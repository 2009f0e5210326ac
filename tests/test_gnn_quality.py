"""Done-when quality targets, on the CPU, on a 2,000-person sample of ``kolgraph sample``:
GraphSAGE beats the best heuristic on test Hits@50 for person → person and popularity for
person → content."""

from __future__ import annotations

import pytest

from gnn.data.sample_frames import sample_graph
from gnn.evaluate import GNN, best_heuristic, format_table, method_value
from gnn.train import TrainParams, train
from graph.ingest.sample import generate_sample


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gnnsample") / "sample"
    generate_sample(folder, persons=2000, seed=2)
    return train(sample_graph(folder), TrainParams(seed=0, device="cpu"))


def test_graphsage_beats_the_best_heuristic_people(result, capsys):
    with capsys.disabled():
        print("\n" + format_table(result.metrics))
    gnn = method_value(result.metrics, "test", "people", GNN)
    name, best = best_heuristic(result.metrics, "test", "people")
    assert gnn > best, f"graphsage {gnn:.4f} <= {name} {best:.4f}"


def test_graphsage_beats_popularity_content(result):
    gnn = method_value(result.metrics, "test", "content", GNN)
    popularity = method_value(result.metrics, "test", "content", "popularity")
    assert gnn > popularity


def test_early_stopping_kept_the_best_validation_epoch(result):
    evaluated = [p["val_hits@50"] for p in result.curve if "val_hits@50" in p]
    assert evaluated
    final_val = method_value(result.metrics, "val", "people", GNN)
    final_val_content = method_value(result.metrics, "val", "content", GNN)
    assert (final_val + final_val_content) / 2 == pytest.approx(max(evaluated), abs=1e-9)
