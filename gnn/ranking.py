"""Measuring recommenders as users see them, and training the learned ranker.

``evaluate`` runs recommenders through the recommendation path (``gnn.recommend``:
candidates, scores, top-K) for persons with held-out ties and reports recall@K,
precision@K, NDCG@K and MRR (``gnn.evaluate.ranking_metrics``) against those ties; it also
fits each recommender's calibration on the same candidates. ``fit_ranker`` trains the
LightGBM ranker on candidates of a graph whose labels are ties hidden from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from gnn.data.split import contains
from gnn.evaluate import RANK_KS, MetricRow, ranking_metrics
from gnn.pairs import Limits, PairBatch, RecGraph, pairs_for
from gnn.recommend import rank_batch
from gnn.recommenders import Calibration, LearnedRanker, Recommender


@dataclass
class Truth:
    """Held-out pairs of one task: ``person`` → ``target`` (for people both directions)."""

    kind: str
    person: np.ndarray
    target: np.ndarray
    n_targets: int

    @classmethod
    def of(cls, kind: str, src: np.ndarray, dst: np.ndarray, n_targets: int) -> Truth:
        if kind == "people":
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        return cls(kind, src.astype(np.int64), dst.astype(np.int64), max(n_targets, 1))

    @property
    def keys(self) -> np.ndarray:
        return np.sort(self.person * self.n_targets + self.target)

    def labels(self, batch: PairBatch) -> np.ndarray:
        """1 where a candidate pair of ``batch`` is a held-out pair."""
        return contains(self.keys, batch.u.astype(np.int64) * self.n_targets + batch.v)

    def persons(self) -> np.ndarray:
        return np.unique(self.person)


def sample_persons(truth: Truth, count: int, seed: int) -> np.ndarray:
    """Up to ``count`` persons with at least one held-out pair, sorted."""
    persons = truth.persons()
    if len(persons) > count:
        persons = np.random.default_rng(seed).choice(persons, count, replace=False)
    return np.sort(persons)


def batches(g: RecGraph, kind: str, persons: np.ndarray, batch_size: int,
            limits: Limits | None = None, *, defer_gnn: bool = False
            ) -> Iterator[PairBatch]:
    """Candidate batches of ``persons`` (sorted), ``batch_size`` persons at a time (their
    GraphSAGE features left pending with ``defer_gnn``)."""
    for lo in range(0, len(persons), batch_size):
        yield pairs_for(kind, g, persons[lo:lo + batch_size], limits, defer_gnn=defer_gnn)


def evaluate(g: RecGraph, recommenders: Sequence[Recommender], truth: Truth,
             persons: np.ndarray, *, k: int = max(RANK_KS), batch_size: int = 1000,
             limits: Limits | None = None, calibrate: bool = True,
             split: str = "val") -> list[MetricRow]:
    """One metrics row per recommender (``split, task, method``, the ranking metrics,
    ``candidates_s`` shared and ``seconds`` of its own ranking, its shortlist's GraphSAGE
    features included); with ``calibrate``, each recommender's ``calibration`` is fitted on
    the labels of the candidates it ranks (its ``shortlist``)."""
    found: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {
        r.name: [] for r in recommenders}
    signals: dict[str, list[np.ndarray]] = {r.name: [] for r in recommenders}
    labels: dict[str, list[np.ndarray]] = {r.name: [] for r in recommenders}
    seconds = dict.fromkeys(found, 0.0)
    shared = 0.0
    t0 = time.perf_counter()
    for batch in batches(g, truth.kind, persons, batch_size, limits, defer_gnn=True):
        shared += time.perf_counter() - t0
        every = truth.labels(batch) if calibrate else np.zeros(0)
        for rec in recommenders:
            t1 = time.perf_counter()
            top = rank_batch(batch, rec, k)
            seconds[rec.name] += time.perf_counter() - t1
            found[rec.name].append((top.person, top.target, top.rank))
            if calibrate:
                signals[rec.name].append(rec.signal(top.batch))
                labels[rec.name].append(every if top.batch is batch
                                        else truth.labels(top.batch))
        t0 = time.perf_counter()
    rows: list[MetricRow] = []
    for rec in recommenders:
        parts = found[rec.name]
        person, target, rank = (np.concatenate([p[i] for p in parts]) if parts
                                else np.zeros(0, dtype=np.int64) for i in range(3))
        metrics = ranking_metrics(person, target, rank, truth.person, truth.target, persons)
        if calibrate:
            rec.calibration = Calibration.fit(
                np.concatenate(signals[rec.name]) if signals[rec.name] else np.zeros(0),
                np.concatenate(labels[rec.name]) if labels[rec.name] else np.zeros(0))
        rows.append({"split": split, "task": truth.kind, "method": rec.name, **metrics,
                     "candidates_s": round(shared, 3), "seconds": round(seconds[rec.name], 3)})
    return rows


@dataclass
class RankerParams:
    """LightGBM settings of the learned ranker (LambdaRank on each person's candidates)."""

    rounds: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int = 50
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    truncation: int = 60
    early_stopping: int = 30
    max_persons: int = 8000
    valid_share: float = 0.15
    seed: int = 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def fit_ranker(g: RecGraph, truth: Truth, params: RankerParams | None = None, *,
               batch_size: int = 1000, limits: Limits | None = None) -> LearnedRanker | None:
    """Train the ranker of ``truth.kind`` on candidates of ``g`` labelled by ``truth``
    (pairs hidden from ``g``), for up to ``params.max_persons`` persons that have one.

    A ``valid_share`` of those persons is kept out of training: their candidates stop the
    boosting when NDCG@50 no longer improves, and calibrate the ranker's scores. Features
    constant over the training candidates are left out. Returns ``None`` when fewer than 20
    persons have a labelled candidate."""
    import lightgbm

    params = params or RankerParams()
    persons = sample_persons(truth, params.max_persons, params.seed)
    rng = np.random.default_rng(params.seed)
    held = np.zeros(len(persons), dtype=bool)
    held[rng.permutation(len(persons))[:max(1, int(len(persons) * params.valid_share))]] = True
    parts: dict[bool, list[tuple[PairBatch, np.ndarray]]] = {True: [], False: []}
    for batch in batches(g, truth.kind, persons, batch_size, limits):
        y = truth.labels(batch)
        in_valid = held[np.searchsorted(persons, batch.u)]
        for valid in (False, True):
            keep = in_valid == valid
            parts[valid].append((_rows(batch, keep), y[keep]))
    train_parts = [(_rows(b, np.isin(b.u, b.u[y])), y[np.isin(b.u, b.u[y])])
                   for b, y in parts[False]]
    if sum(len(np.unique(b.u)) for b, _ in train_parts) < 20:
        return None
    names = train_parts[0][0].names
    use = tuple(n for n in names if not _constant([b for b, _ in train_parts], n))
    idx = [names.index(f) for f in use]

    def matrix(chunks: list[tuple[PairBatch, np.ndarray]]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        u = np.concatenate([b.u for b, _ in chunks])
        x = np.concatenate([b.features[:, idx] for b, _ in chunks])
        y = np.concatenate([y for _, y in chunks]).astype(np.int32)
        return x, y, np.diff(np.r_[0, np.flatnonzero(u[1:] != u[:-1]) + 1, len(u)])

    x, y, groups = matrix(train_parts)
    train_set = lightgbm.Dataset(x, y, group=groups, feature_name=list(use))
    valid_all = matrix(parts[True])
    positive = [(_rows(b, np.isin(b.u, b.u[y])), y[np.isin(b.u, b.u[y])])
                for b, y in parts[True]]
    sets: list[lightgbm.Dataset] = []
    callbacks: list[Callable[..., Any]] = []  # lightgbm.train's own type
    if sum(len(y) for _, y in positive) and any(y.any() for _, y in positive):
        vx, vy, vg = matrix(positive)
        sets = [lightgbm.Dataset(vx, vy, group=vg, reference=train_set)]
        callbacks = [lightgbm.early_stopping(params.early_stopping, verbose=False)]
    booster = lightgbm.train(
        {"objective": "lambdarank", "metric": "ndcg", "eval_at": [max(RANK_KS)],
         "learning_rate": params.learning_rate, "num_leaves": params.num_leaves,
         "min_data_in_leaf": params.min_data_in_leaf,
         "feature_fraction": params.feature_fraction,
         "bagging_fraction": params.bagging_fraction, "bagging_freq": 1,
         "lambdarank_truncation_level": params.truncation, "seed": params.seed,
         "deterministic": True, "force_row_wise": True, "num_threads": 2, "verbose": -1},
        train_set, num_boost_round=params.rounds, valid_sets=sets, callbacks=callbacks)
    ranker = LearnedRanker(truth.kind, booster, use)
    if len(valid_all[1]):
        ranker.calibration = Calibration.fit(
            np.asarray(booster.predict(valid_all[0]), dtype=np.float64), valid_all[1])
    return ranker


def _rows(batch: PairBatch, keep: np.ndarray) -> PairBatch:
    return PairBatch(batch.kind, batch.u[keep], batch.v[keep], batch.features[keep],
                     batch.names)


def _constant(parts: list[PairBatch], name: str) -> bool:
    """Whether feature ``name`` takes a single value in every part (no information)."""
    i = parts[0].names.index(name)
    values = np.concatenate([p.features[:, i] for p in parts])
    return len(values) == 0 or bool(values.min() == values.max())
