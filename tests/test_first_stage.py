"""The learned ranker's cheap first stage (``gnn.recommenders.FirstStage``) and the pending
GraphSAGE decoder logit it saves (``gnn.pairs.complete``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gnn.data.synthetic import synthetic_graph
from gnn.nn.model import LinkPredictor
from gnn.pairs import GNN_FEATURES, Embeddings, PairBatch, RecGraph, complete, pairs_for
from gnn.recommend import rank_batch
from gnn.recommenders import FIRST_STAGE, FirstStage, LearnedRanker


class _Booster:
    """Stands for a LightGBM booster: tree ``t`` adds ``weights[t] · x`` (the first stage
    reads a prefix of the trees); it records the rows and decoder logits it was given."""

    def __init__(self, weights: np.ndarray, gnn: list[int]):
        self.weights = weights
        self.gnn = gnn
        self.calls: list[tuple[int, int | None, bool]] = []

    def predict(self, x: np.ndarray, num_iteration: int | None = None,
                num_threads: int = 1) -> np.ndarray:
        trees = self.weights[:num_iteration]
        self.calls.append((len(x), num_iteration, bool(np.any(x[:, self.gnn] != 0))))
        return x.astype(np.float64) @ trees.sum(axis=0)


def _ranker(kind: str, names: tuple[str, ...], weights: np.ndarray) -> LearnedRanker:
    gnn = [names.index(f) for f in GNN_FEATURES]
    return LearnedRanker(kind, _Booster(weights, gnn), names)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def graph() -> RecGraph:
    data = synthetic_graph(600, seed=5)
    torch.manual_seed(0)
    model = LinkPredictor(in_dim=8, hidden=16)
    h = torch.randn(data.num_persons + data.num_contents, 16)
    return RecGraph.build(data, embeddings=Embeddings(h, model))


@pytest.mark.parametrize("kind", ["people", "content"])
def test_pending_features_are_those_computed_at_once(graph, kind):
    persons = np.arange(0, 600, 7)
    eager = pairs_for(kind, graph, persons)
    lazy = pairs_for(kind, graph, persons, defer_gnn=True)
    assert eager.pending is None and lazy.pending is graph
    assert np.isnan(lazy.column("gnn_logit")).all()
    assert np.array_equal(lazy.column("gnn_cosine"), eager.column("gnn_cosine"))
    assert np.array_equal(complete(lazy).features, eager.features)
    # a part of the batch completes to the same rows (to the float rounding of the
    # decoder's matrix products, which depends on how many rows it multiplies at once)
    rows = np.arange(0, len(lazy), 3)
    assert np.allclose(complete(lazy.take(rows)).features, eager.features[rows],
                       rtol=1e-5, atol=1e-6)
    for name in GNN_FEATURES:
        assert np.isfinite(eager.column(name)).all()


@pytest.mark.parametrize("kind", ["people", "content"])
def test_the_shortlist_keeps_the_full_top_k_and_scores_only_what_it_keeps(
        graph, kind, monkeypatch):
    batch = pairs_for(kind, graph, np.arange(0, 600, 3), defer_gnn=True)
    names = batch.names
    first = {"people": "personalized_pagerank", "content": "contacts_engaged"}[kind]
    weights = np.zeros((30, len(names)))
    weights[:5, names.index(first)] = 1.0  # the first trees: nearly the whole score
    weights[5:, names.index(first)] = 0.1
    ranker = _ranker(kind, names, weights)
    monkeypatch.setitem(FIRST_STAGE, kind, FirstStage(trees=5, keep=0))
    full = rank_batch(batch, ranker, 5)
    monkeypatch.setitem(FIRST_STAGE, kind, FirstStage(trees=5, keep=12))
    ranker.booster.calls.clear()  # type: ignore[attr-defined]
    short = rank_batch(batch, ranker, 5)
    assert len(batch) == len(full.batch) > len(short.batch)
    assert short.batch.pending is None and np.isfinite(short.batch.features).all()
    first_call, second_call = ranker.booster.calls  # type: ignore[attr-defined]
    assert first_call[1:] == (5, False)  # 5 trees, the decoder's logit at 0
    assert second_call == (len(short.batch), None, True)
    assert np.array_equal(short.person, full.person)
    assert np.array_equal(short.target, full.target)
    assert np.array_equal(short.rank, full.rank)
    # each person keeps at most 12 candidates, and all of them when it has no more
    counts = np.bincount(batch.u)
    kept = np.bincount(short.batch.u, minlength=len(counts))
    assert (kept == np.minimum(counts, 12)).all()


def test_persons_with_few_candidates_skip_the_first_stage_and_empty_batches(graph,
                                                                            monkeypatch):
    batch = pairs_for("people", graph, np.arange(0, 600, 5), defer_gnn=True)
    names = batch.names
    ranker = _ranker("people", names, np.ones((3, len(names))) * 1e-3)
    monkeypatch.setitem(FIRST_STAGE, "people", FirstStage(trees=1, keep=10**6))
    short = ranker.shortlist(batch)
    assert np.array_equal(short.u, batch.u) and np.array_equal(short.v, batch.v)
    assert ranker.booster.calls == []  # type: ignore[attr-defined]
    empty = batch.take(np.zeros(0, dtype=np.int64))
    top = rank_batch(empty, ranker, 5)
    assert len(top.rows) == 0 and len(top.batch) == 0


def test_what_a_person_keeps_does_not_depend_on_the_other_persons(monkeypatch):
    rng = np.random.default_rng(0)
    u = np.repeat(np.arange(40), 30)
    v = np.tile(np.arange(30), 40)
    names = ("a", *GNN_FEATURES)
    x = np.zeros((len(u), len(names)), dtype=np.float32)
    x[:, 0] = rng.integers(0, 4, size=len(u))  # many ties
    b = PairBatch("people", u, v, x, names)
    ranker = _ranker("people", names, np.ones((2, len(names))))
    monkeypatch.setitem(FIRST_STAGE, "people", FirstStage(trees=1, keep=5))
    together = ranker.shortlist(b)
    alone = [ranker.shortlist(b.take(np.arange(lo, lo + 30))) for lo in range(0, len(u), 30)]
    assert together.v.tolist() == np.concatenate([s.v for s in alone]).tolist()
    assert (np.bincount(together.u) == 5).all()
