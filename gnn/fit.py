"""Training the whole recommender and deciding whether it beats the heuristics.

``fit_recommender`` works on plain ``GraphData``:

1. hides ``val_frac`` of the ties and of the engagements (by time when the data has times,
   else at random; never a node's last one): the validation pairs;
2. hides ``inner_frac`` of what is left: the labels of the ranker; the rest is the *fit*
   graph;
3. trains GraphSAGE (``gnn.train``) on the fit graph and embeds it; trains the LightGBM
   ranker of each task on candidates of the fit graph labelled by the hidden pairs
   (``gnn.ranking.fit_ranker``): hard negatives, from the same candidate pool as the
   product uses;
4. evaluates the ranker and every heuristic through the recommendation path on the
   training graph (fit + labels) against the validation pairs (``gnn.ranking.evaluate``),
   which also calibrates each recommender's scores;
5. per task, keeps the ranker only when its validation recall@``promote_k`` beats the best
   heuristic's; otherwise that task is served by the best heuristic;
6. with ``refit``, retrains the winning ranker on the training graph labelled by the
   validation pairs (calibrated on its own held-out persons): the ranker that serves. The
   reported validation figures are those of step 4, measured before the refit.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from gnn.data.graph import GraphData
from gnn.data.split import holdout_mask
from gnn.evaluate import MetricRow
from gnn.pairs import Embeddings, Limits, RecGraph
from gnn.ranking import RankerParams, Truth, evaluate, fit_ranker, sample_persons
from gnn.recommenders import (
    DEFAULT_HEURISTIC,
    LEARNED,
    Calibration,
    Heuristic,
    LearnedRanker,
    Recommender,
    heuristics_for,
)
from gnn.train import TrainParams, TrainResult, train
from graph.analytics.communities import detect_communities
from graph.analytics.community_ids import fold_small

Log = Callable[[str], None]
KINDS = ("people", "content")


@dataclass
class FitParams:
    """Splits and sizes of one recommender training (GraphSAGE's own are in ``gnn``)."""

    gnn: TrainParams = field(default_factory=TrainParams)
    ranker: RankerParams = field(default_factory=RankerParams)
    val_frac: float = 0.1
    inner_frac: float = 0.1
    eval_persons: int = 2000
    promote_k: int = 50
    min_ties_for_gnn: int = 20
    refit: bool = True
    seed: int = 0

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["gnn"] = self.gnn.to_dict()
        return out


#: Communities of fewer persons are one bucket, as ``kolgraph analyze`` folds them by default.
MIN_COMMUNITY_SIZE = 3


def own_communities(data: GraphData, seed: int = 0) -> GraphData:
    """``data`` with each person's community found again on ``data``'s own ties (the
    default algorithm of ``kolgraph analyze``, small communities folded into one bucket).

    The communities loaded from the store were found on every tie, the ones a hold-out
    hides included: two persons of a hidden tie are then more often in one community than
    any future tie's persons are, so a ranker trained or measured on those communities
    trusts ``same_community`` more than it deserves (deezer: validation recall@50 +0.037
    over personalized PageRank, +0.006 on ties hidden before ingest; +0.016 and +0.016
    with communities of the graph itself). Persons without a community stay without one
    (a graph never analysed has none to recompute).

    >>> from gnn.data.synthetic import synthetic_graph
    >>> g = synthetic_graph(60, seed=1)
    >>> bool((own_communities(g).persons["community_id"].notna()
    ...       == g.persons["community_id"].notna()).all())
    True
    """
    known = data.persons["community_id"].notna().to_numpy()
    if not known.any():
        return data
    partition = detect_communities(data.num_persons, data.pp_src, data.pp_dst,
                                   data.pp_weight.astype(np.float64), seed=seed)
    membership, _ = fold_small(partition.membership, MIN_COMMUNITY_SIZE)
    persons = data.persons.copy()
    persons["community_id"] = pd.Series(membership, index=persons.index).where(known)
    return dataclasses.replace(data, persons=persons)


@dataclass
class Held:
    """One hold-out: the graph without the hidden pairs and the hidden pairs by task."""

    graph: GraphData
    truth: dict[str, Truth]
    how: dict[str, str]


def hold_out(data: GraphData, frac: float, seed: int) -> Held:
    """Hide ``frac`` of the ties and of the engagements of ``data``; the graph left has
    communities of its own (``own_communities``)."""
    n_p, n_c = data.num_persons, data.num_contents
    pp, how_pp = holdout_mask(data.pp_src, data.pp_dst, n_p, n_p, frac, seed,
                              times=data.pp_time)
    pc, how_pc = holdout_mask(data.pc_person, data.pc_content, n_p, n_c, frac, seed + 1,
                              times=data.pc_time, bipartite=True)
    truth = {"people": Truth.of("people", data.pp_src[pp], data.pp_dst[pp], n_p),
             "content": Truth.of("content", data.pc_person[pc], data.pc_content[pc], n_c)}
    return Held(own_communities(data.subgraph(~pp, ~pc), seed), truth,
                {"people": how_pp, "content": how_pc})


@dataclass
class FitResult:
    """What a training produced and how it compared with the heuristics."""

    gnn: TrainResult | None
    rankers: dict[str, LearnedRanker]
    heuristics: dict[str, list[Heuristic]]
    choice: dict[str, str]
    rows: list[MetricRow]
    decision: str
    promoted: bool
    split: dict[str, str]
    counts: dict[str, int]

    def recommender(self, kind: str) -> Recommender | None:
        """The recommender chosen for ``kind`` (``None`` for a task with no data)."""
        name = self.choice.get(kind)
        if name is None:
            return None
        if name == LEARNED:
            return self.rankers[kind]
        return next(h for h in self.heuristics[kind] if h.name == name)

    def calibrations(self) -> dict[str, dict[str, dict[str, object]]]:
        out: dict[str, dict[str, dict[str, object]]] = {}
        for kind in KINDS:
            recs: list[Recommender] = [*self.heuristics.get(kind, [])]
            if kind in self.rankers:
                recs.append(self.rankers[kind])
            out[kind] = {r.name: r.calibration.to_dict() for r in recs}
        return out


def embeddings_for(result: TrainResult | None, data: GraphData,
                   device: str = "cpu") -> Embeddings | None:
    """The trained GraphSAGE model applied to ``data`` (``None`` without a model)."""
    if result is None:
        return None
    from gnn.recommend import embed_graph

    return embed_graph(result.model, result.schema, data, device)


def _tasks(data: GraphData) -> list[str]:
    tasks = ["people"] if len(data.pp_src) else []
    if len(data.pc_person) and data.num_contents:
        tasks.append("content")
    return tasks


def best_heuristic(rows: list[MetricRow], kind: str,
                   metric: str) -> tuple[str, float]:
    """The heuristic of ``kind`` with the highest ``metric`` (name, value)."""
    best = (DEFAULT_HEURISTIC[kind], float("-inf"))
    for row in rows:
        if row["task"] == kind and row["method"] != LEARNED:
            value = float(row[metric])
            if value > best[1]:
                best = (str(row["method"]), value)
    return best


def fit_recommender(data: GraphData, params: FitParams | None = None,
                    log: Log | None = None, limits: Limits | None = None) -> FitResult:
    """Train GraphSAGE and the rankers on ``data`` and compare them with every heuristic;
    see the module docstring."""
    params = params or FitParams()
    started = time.perf_counter()
    say = log or (lambda _m: None)

    def timed(message: str) -> None:
        say(f"[{time.perf_counter() - started:6.1f}s] {message}")

    outer = hold_out(data, params.val_frac, params.seed)
    inner = hold_out(outer.graph, params.inner_frac, params.seed + 100)
    fit_graph = inner.graph
    gnn: TrainResult | None = None
    if len(fit_graph.pp_src) >= params.min_ties_for_gnn and fit_graph.num_persons >= 10:
        timed(f"training GraphSAGE on {len(fit_graph.pp_src)} ties, "
              f"{len(fit_graph.pc_person)} engagements")
        gnn = train(fit_graph, params.gnn, log=timed)
        timed("GraphSAGE trained")
    device = params.gnn.device
    g_fit = RecGraph.build(fit_graph, embeddings=embeddings_for(gnn, fit_graph, device))
    g_train = RecGraph.build(outer.graph, embeddings=embeddings_for(gnn, outer.graph, device))
    rankers: dict[str, LearnedRanker] = {}
    heuristics: dict[str, list[Heuristic]] = {}
    choice: dict[str, str] = {}
    rows: list[MetricRow] = []
    reasons: list[str] = []
    metric = f"recall@{params.promote_k}"
    for kind in _tasks(data):
        heuristics[kind] = heuristics_for(kind)
        ranker = fit_ranker(g_fit, inner.truth[kind], params.ranker, limits=limits)
        if ranker is not None:
            rankers[kind] = ranker
            timed(f"{kind}: ranker trained ({ranker.booster.best_iteration} rounds, "
                  f"{len(ranker.features)} features)")
        truth = outer.truth[kind]
        persons = sample_persons(truth, params.eval_persons, params.seed)
        recs: list[Recommender] = [*heuristics[kind], *([ranker] if ranker else [])]
        if len(persons) == 0:
            choice[kind] = DEFAULT_HEURISTIC[kind]
            reasons.append(f"{kind}: no held-out pairs to compare on; "
                           f"{choice[kind]} (default)")
            continue
        task_rows = evaluate(g_train, recs, truth, persons, k=params.promote_k,
                             limits=limits)
        rows.extend(task_rows)
        timed(f"{kind}: {len(recs)} recommenders evaluated on {len(persons)} persons")
        name, best = best_heuristic(task_rows, kind, metric)
        if ranker is None:
            choice[kind] = name
            reasons.append(f"{kind}: too few labelled persons to train a ranker; {name}")
            continue
        mine = next(float(r[metric]) for r in task_rows if r["method"] == LEARNED)
        won = mine > best
        choice[kind] = LEARNED if won else name
        reasons.append(f"{kind}: {LEARNED} val {metric} {mine:.4f} "
                       f"{'>' if won else '<='} {name} {best:.4f}")
        if won and params.refit:
            # the choice is made; the ranker that serves is retrained one level up (on the
            # training graph, labelled by the validation pairs): nearer the graph it will
            # rank at refresh, and with more labels
            final = fit_ranker(g_train, truth, params.ranker, limits=limits)
            if final is not None:
                rankers[kind] = final
                timed(f"{kind}: ranker refitted on the validation pairs "
                      f"({final.booster.best_iteration} rounds)")
    promoted = any(c == LEARNED for c in choice.values())
    return FitResult(gnn, rankers, heuristics, choice, rows, "; ".join(reasons) or "no data",
                     promoted, {f"{k}_split": v for k, v in outer.how.items()},
                     data.counts())


def calibrated_heuristic(kind: str, name: str,
                         calibrations: dict[str, dict[str, dict[str, object]]]) -> Heuristic:
    """The heuristic ``name`` of ``kind`` with its saved calibration (if any)."""
    raw = calibrations.get(kind, {}).get(name, {})
    return Heuristic(name, kind, Calibration.from_dict(raw))


def choose_heuristics(data: GraphData, params: FitParams | None = None,
                      limits: Limits | None = None
                      ) -> tuple[dict[str, Heuristic], list[MetricRow]]:
    """Without a model: the best heuristic of each task on a hold-out of ``data``, with its
    calibration (the default heuristic, uncalibrated, when nothing can be held out)."""
    params = params or FitParams()
    outer = hold_out(data, params.val_frac, params.seed)
    g = RecGraph.build(outer.graph)
    chosen: dict[str, Heuristic] = {}
    rows: list[MetricRow] = []
    for kind in _tasks(data) or ["people"]:
        persons = sample_persons(outer.truth[kind], params.eval_persons, params.seed)
        candidates = heuristics_for(kind)
        if len(persons) == 0:
            chosen[kind] = Heuristic(DEFAULT_HEURISTIC[kind], kind)
            continue
        task_rows = evaluate(g, candidates, outer.truth[kind], persons, k=params.promote_k,
                             limits=limits)
        rows.extend(task_rows)
        name, _ = best_heuristic(task_rows, kind, f"recall@{params.promote_k}")
        chosen[kind] = next(h for h in candidates if h.name == name)
    if "content" not in chosen and data.num_contents:
        chosen["content"] = Heuristic(DEFAULT_HEURISTIC["content"], "content")
    return chosen, rows
