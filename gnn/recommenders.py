"""The second stage of every recommender: scoring candidate pairs.

A recommender turns a ``PairBatch`` into one ranking score per pair (higher is better) and a
calibrated probability. Heuristics rank by one feature column (ties broken by the target's
popularity, then its index); the learned ranker is a LightGBM model over every column.
Every recommender goes through the same ``recommend`` path (``gnn.recommend``), so the
evaluation of a heuristic and of the model measures exactly what a refresh would write.
The learned ranker scores only the candidates its cheap first stage keeps (``FirstStage``),
and only those get the costly GraphSAGE decoder's logit.

>>> import numpy as np
>>> from gnn.pairs import PairBatch
>>> b = PairBatch("people", np.array([0, 0, 0]), np.array([1, 2, 3]),
...               np.array([[0.0, 1], [2, 5], [2, 9]], dtype=np.float32),
...               ("adamic_adar", "degree_v"))
>>> Heuristic("adamic_adar", "people").order(b).argsort().tolist()  # worst to best
[0, 1, 2]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from gnn.data.rowwise import group_starts
from gnn.pairs import GNN_FEATURES, PairBatch, complete

if TYPE_CHECKING:
    import lightgbm

#: The baselines every model is compared with, by task, and the feature each ranks by.
PEOPLE_HEURISTICS: dict[str, str] = {
    "common_neighbours": "common_neighbours",
    "adamic_adar": "adamic_adar",
    "resource_allocation": "resource_allocation",
    "preferential_attachment": "preferential_attachment",
    "personalized_pagerank": "personalized_pagerank",
}
CONTENT_HEURISTICS: dict[str, str] = {
    "popularity": "popularity",
    "contacts_engaged": "contacts_engaged",
    "item_cf": "item_cf",
    "community_popularity": "community_popularity",
}
HEURISTICS = {"people": PEOPLE_HEURISTICS, "content": CONTENT_HEURISTICS}
#: What a heuristic falls back on for candidates it scores alike (e.g. no common contact).
TIEBREAK = {"people": "degree_v", "content": "popularity"}
#: The heuristic used when nothing could be evaluated (too little data).
DEFAULT_HEURISTIC = {"people": "adamic_adar", "content": "contacts_engaged"}
LEARNED = "learned_ranker"


@dataclass
class Calibration:
    """Maps a recommender's signal to the probability that a recommendation is a real tie
    (or engagement) that was hidden from it: isotonic regression of held-out labels on the
    signal (pooled into at most ``BINS`` quantile bins), interpolated linearly between the
    bins, so a higher signal never gets a lower probability.

    >>> cal = Calibration.fit(np.array([0.0, 1, 2, 3, 4, 5]), np.array([0, 0, 1, 0, 1, 1]))
    >>> cal.probability(np.array([0.0, 2.5, 9.0])).round(3).tolist()
    [0.0, 0.5, 1.0]
    """

    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    BINS = 200

    @property
    def fitted(self) -> bool:
        return len(self.x) > 0

    def probability(self, signal: np.ndarray) -> np.ndarray:
        if not self.fitted:
            return np.full(len(signal), np.nan)
        return np.interp(signal.astype(np.float64), self.x, self.y)

    @classmethod
    def fit(cls, signal: np.ndarray, labels: np.ndarray) -> Calibration:
        """Fit on candidate signals and their 0/1 labels (unfitted when one class only)."""
        from scipy.optimize import isotonic_regression

        x = signal.astype(np.float64)
        y = labels.astype(np.float64)
        if len(x) == 0 or y.min() == y.max():
            return cls()
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        edges = np.unique(np.quantile(x, np.linspace(0, 1, cls.BINS + 1)))
        which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 1)
        counts = np.bincount(which)
        used = counts > 0
        x_mean = np.bincount(which, x)[used] / counts[used]
        y_mean = np.bincount(which, y)[used] / counts[used]
        fitted = isotonic_regression(y_mean, weights=counts[used].astype(np.float64),
                                     increasing=True).x
        return cls(x=x_mean.round(8).tolist(), y=np.asarray(fitted).round(8).tolist())

    def to_dict(self) -> dict[str, object]:
        return {"x": self.x, "y": self.y}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Calibration:
        """From ``to_dict``'s output, as read back from JSON."""
        return cls(x=[float(v) for v in raw.get("x", [])],
                   y=[float(v) for v in raw.get("y", [])])


class Recommender(Protocol):
    """What the recommendation path needs of a scorer."""

    name: str
    kind: str
    calibration: Calibration

    def order(self, batch: PairBatch) -> np.ndarray:
        """Ranking score per pair of ``batch`` (higher first)."""
        ...

    def signal(self, batch: PairBatch) -> np.ndarray:
        """The value its calibration maps to a probability."""
        ...

    def shortlist(self, batch: PairBatch) -> PairBatch:
        """The candidates of ``batch`` it ranks, with every feature it reads computed."""
        ...


@dataclass
class Heuristic:
    """Ranks by one feature column, then by the target's popularity, then by index."""

    name: str
    kind: str
    calibration: Calibration = field(default_factory=Calibration)

    @property
    def feature(self) -> str:
        return HEURISTICS[self.kind][self.name]

    def order(self, batch: PairBatch) -> np.ndarray:
        primary = batch.column(self.feature).astype(np.float64)
        secondary = batch.column(TIEBREAK[self.kind]).astype(np.float64)
        position = np.empty(len(batch), dtype=np.float64)
        position[np.lexsort((-batch.v, secondary, primary))] = np.arange(len(batch))
        return position

    def signal(self, batch: PairBatch) -> np.ndarray:
        return np.log1p(np.maximum(batch.column(self.feature).astype(np.float64), 0.0))

    def shortlist(self, batch: PairBatch) -> PairBatch:
        """Every candidate (a heuristic reads no GraphSAGE feature)."""
        return batch

    @property
    def label(self) -> str:
        return f"heuristic:{self.name}"


@dataclass(frozen=True)
class FirstStage:
    """The learned ranker's cheap first stage: the first ``trees`` trees of its own boosting,
    read with the GraphSAGE decoder's logit (``GNN_FEATURES``) at 0 — it is not computed
    yet; the embeddings' cosine is — score every candidate of a person that has more than
    ``keep``, and the person keeps its best ``keep`` (ties: the smaller target first). Only
    those are given the decoder's logit and the whole ranker. The other features are
    computed over all the person's candidates before any is dropped, so the within-person
    ranks (``pagerank_rank``…) mean the same with and without it. ``keep`` 0 keeps every
    candidate."""

    trees: int
    keep: int


#: The first stage of each kind's learned ranker (``LearnedRanker.shortlist``): of the
#: whole ranker's top 50, it keeps 99.7-100 % on twitch, deezer and the generated samples
#: (``benchmarks/first_stage.py``; docs/recommendations.md, "The refresh job").
FIRST_STAGE: dict[str, FirstStage] = {
    "people": FirstStage(trees=20, keep=200),
    "content": FirstStage(trees=20, keep=150),
}


@dataclass
class LearnedRanker:
    """A LightGBM ranking model over the pair features named ``features``."""

    kind: str
    booster: lightgbm.Booster
    features: tuple[str, ...]
    calibration: Calibration = field(default_factory=Calibration)
    name: str = LEARNED

    def _matrix(self, batch: PairBatch) -> np.ndarray:
        idx = [batch.names.index(f) for f in self.features]
        return complete(batch).features[:, idx]

    def shortlist(self, batch: PairBatch) -> PairBatch:
        """The candidates ``FIRST_STAGE[kind]`` keeps, with the decoder's logit."""
        stage = FIRST_STAGE[self.kind]
        start = group_starts(batch.u)
        size = np.diff(np.r_[start, len(batch)])
        crowded = np.repeat(size > stage.keep, size)
        if stage.keep <= 0 or not crowded.any():
            return complete(batch)
        rows = np.flatnonzero(crowded)
        columns = np.array([batch.names.index(f) for f in self.features], dtype=np.int64)
        x = batch.features[np.ix_(rows, columns)]
        x[:, np.isin(np.array(self.features), GNN_FEATURES)] = 0.0
        score = np.asarray(self.booster.predict(x, num_iteration=stage.trees,
                                                num_threads=_threads()), dtype=np.float64)
        kept = ~crowded
        kept[rows[_best_per_person(batch.u[rows], score, stage.keep)]] = True
        return complete(batch.take(kept))

    def order(self, batch: PairBatch) -> np.ndarray:
        if len(batch) == 0:
            return np.zeros(0)
        return np.asarray(self.booster.predict(self._matrix(batch), num_threads=_threads()),
                          dtype=np.float64)

    def signal(self, batch: PairBatch) -> np.ndarray:
        return self.order(batch)

    @property
    def label(self) -> str:
        return f"model:{self.name}"

    def save(self, folder: Path) -> None:
        """``ranker_<kind>.txt`` (LightGBM's text format) and ``ranker_<kind>.json``."""
        folder.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(folder / f"ranker_{self.kind}.txt"))
        (folder / f"ranker_{self.kind}.json").write_text(json.dumps(
            {"features": list(self.features), "calibration": self.calibration.to_dict()},
            indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, kind: str) -> LearnedRanker | None:
        """The ranker saved in ``folder`` for ``kind``, or ``None`` when there is none."""
        model_file = folder / f"ranker_{kind}.txt"
        if not model_file.exists():
            return None
        import lightgbm

        meta = json.loads((folder / f"ranker_{kind}.json").read_text(encoding="utf-8"))
        booster = lightgbm.Booster(model_file=str(model_file))
        return cls(kind, booster, tuple(meta["features"]),
                   Calibration.from_dict(meta.get("calibration", {})))


def _best_per_person(u: np.ndarray, score: np.ndarray, n: int) -> np.ndarray:
    """Mask of the best ``n`` rows of each person by ``score`` (``u`` sorted; ties: the
    earlier row first), whichever other persons the rows hold. The same choice as
    ``gnn.data.rowwise.top_k_per_group`` (up to scores equal within 6e-11), by one integer
    sort instead of a three-key ``lexsort``: 2.8x faster on a 250-person chunk of 600
    candidates each (17 ms against 46 ms), on every chunk of a refresh.

    >>> _best_per_person(np.array([0, 0, 0, 1]), np.array([1.0, 3, 3, -5]), 2).tolist()
    [False, True, True, True]
    """
    start = group_starts(u)
    size = np.diff(np.r_[start, len(u)])
    # one stable sort of integer keys for all persons: the person, then the score decreasing
    group = np.repeat(np.arange(len(start), dtype=np.int64), size) << 42
    order = np.argsort(group - _monotone_key(score), kind="stable")
    best = np.zeros(len(u), dtype=bool)
    best[order[np.arange(len(u)) - np.repeat(start, size) < n]] = True
    return best


def _monotone_key(x: np.ndarray) -> np.ndarray:
    """An integer in [0, 2**40] per value, increasing with it: ``sign·log1p(|x|)``
    quantized finely enough (relative steps of 6e-11) that only near-equal scores tie."""
    y = np.log1p(np.abs(x.astype(np.float64)))
    scaled = np.clip(np.where(x < 0, -y, y), -32.0, 32.0) * 2.0 ** 34
    return (scaled + 2.0 ** 39).astype(np.int64)


def _threads() -> int:
    import os

    return max(1, min(4, os.cpu_count() or 1))


def heuristics_for(kind: str) -> list[Heuristic]:
    """Every baseline of ``kind``."""
    return [Heuristic(name, kind) for name in HEURISTICS[kind]]
