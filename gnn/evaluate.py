"""Link-prediction metrics and the comparison table against heuristics.

All metrics take scores of positive pairs and of sampled negative pairs:

- AUC and average precision over positives vs. the shared negatives;
- Hits@K (as in OGB): the share of positives scored strictly above the K-th best negative;
- MRR: each positive is ranked among its own negatives (same source, other targets).

>>> m = link_metrics(np.array([3.0, 2.0]), np.array([1.0, 0.0, 2.5]),
...                  np.array([[1.0, 0.0], [2.5, 1.0]]))
>>> m["auc"], m["mrr"], hits_at(np.array([3.0, 2.0]), np.array([1.0, 0.0, 2.5]), 1)
(0.8333333333333334, 0.75, 0.5)
>>> m["hits@20"]  # fewer than 20 negatives: every positive counts (OGB's rule)
1.0
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

import numpy as np
from scipy.stats import rankdata

#: One row of a metrics table: ``split``, ``task``, ``method`` and other labels (text), the
#: metrics and timings (numbers).
MetricRow: TypeAlias = dict[str, str | float]

HITS_K = (20, 50, 100)
METRICS = ("auc", "ap") + tuple(f"hits@{k}" for k in HITS_K) + ("mrr",)
GNN = "graphsage"


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    ranks = rankdata(np.concatenate([pos, neg]))
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2)
                 / (len(pos) * len(neg)))


def average_precision(pos: np.ndarray, neg: np.ndarray) -> float:
    """Average precision of ranking positives above negatives (ties broken pessimistically)."""
    if len(pos) == 0:
        return float("nan")
    scores = np.concatenate([pos, neg])
    labels = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    order = np.lexsort((labels, -scores))
    hits = labels[order]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / len(pos))


def hits_at(pos: np.ndarray, neg: np.ndarray, k: int) -> float:
    """Share of positives scored strictly above the ``k``-th highest negative."""
    if len(pos) == 0:
        return float("nan")
    if len(neg) < k:
        return 1.0
    kth = np.partition(neg, len(neg) - k)[len(neg) - k]
    return float((pos > kth).mean())


def mrr(pos: np.ndarray, neg_per_pos: np.ndarray) -> float:
    """Mean reciprocal rank of each positive among its own row of negatives (ties half)."""
    if len(pos) == 0:
        return float("nan")
    higher = (neg_per_pos > pos[:, None]).sum(axis=1)
    ties = (neg_per_pos == pos[:, None]).sum(axis=1)
    return float((1.0 / (1.0 + higher + 0.5 * ties)).mean())


def link_metrics(pos: np.ndarray, neg: np.ndarray, neg_per_pos: np.ndarray) -> dict[str, float]:
    """Every metric of ``METRICS`` for one method on one split."""
    out = {"auc": auc(pos, neg), "ap": average_precision(pos, neg)}
    for k in HITS_K:
        out[f"hits@{k}"] = hits_at(pos, neg, k)
    out["mrr"] = mrr(pos, neg_per_pos)
    return out


def best_heuristic(rows: Iterable[MetricRow], split: str, task: str,
                   metric: str = "hits@50") -> tuple[str, float]:
    """The heuristic with the highest ``metric`` on ``split``/``task`` (name, value)."""
    best = ("none", float("-inf"))
    for row in rows:
        if row["split"] == split and row["task"] == task and row["method"] != GNN:
            value = float(row[metric])
            if value > best[1]:
                best = (str(row["method"]), value)
    return best


def method_value(rows: Iterable[MetricRow], split: str, task: str, method: str,
                 metric: str = "hits@50") -> float:
    """The ``metric`` of one method on ``split``/``task`` (NaN when absent)."""
    for row in rows:
        if row["split"] == split and row["task"] == task and row["method"] == method:
            return float(row[metric])
    return float("nan")


def format_table(rows: list[MetricRow]) -> str:
    """The metrics table as aligned text, one line per (split, task, method)."""
    header = ["split", "task", "method", *METRICS]
    lines = [header] + [[str(r["split"]), str(r["task"]), str(r["method"])]
                        + [f"{float(r[m]):.4f}" for m in METRICS] for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)


# ----------------------------------------------------------- ranking metrics (primary)
RANK_KS = (10, 20, 50)
RANK_METRICS = tuple(f"{m}@{k}" for m in ("recall", "precision", "ndcg") for k in RANK_KS) \
    + ("mrr",)


def ranking_metrics(person: np.ndarray, target: np.ndarray, rank: np.ndarray,
                    truth_person: np.ndarray, truth_target: np.ndarray,
                    persons: np.ndarray, ks: tuple[int, ...] = RANK_KS) -> dict[str, float]:
    """Per-person ranking quality of top-K lists, averaged over ``persons`` (each must have
    at least one true target).

    ``person, target, rank`` are the recommendations (rank 1 = first); ``truth_person,
    truth_target`` the held-out pairs. recall@K: share of a person's true targets in its
    first K; precision@K: share of its first K that are true; NDCG@K with binary gains;
    MRR: 1 / rank of the first true target in the list (0 when none). A person with no
    recommendation scores 0.

    >>> m = ranking_metrics(np.array([0, 0, 1]), np.array([5, 6, 7]), np.array([1, 2, 1]),
    ...                     np.array([0, 0, 1]), np.array([6, 9, 8]), np.array([0, 1]),
    ...                     ks=(1, 2))
    >>> m["recall@2"], m["precision@1"], m["mrr"]
    (0.25, 0.0, 0.25)
    """
    persons = np.asarray(persons)
    if len(persons) == 0:
        return {**{f"{m}@{k}": float("nan") for m in ("recall", "precision", "ndcg")
                   for k in ks}, "mrr": float("nan")}
    index = {int(p): i for i, p in enumerate(persons.tolist())}
    truth_keys = set(zip(truth_person.tolist(), truth_target.tolist(), strict=True))
    n_true = np.zeros(len(persons))
    for p in truth_person.tolist():
        if p in index:
            n_true[index[p]] += 1
    hit_rank: list[list[int]] = [[] for _ in persons]
    for p, t, r in zip(person.tolist(), target.tolist(), rank.tolist(), strict=True):
        i = index.get(int(p))
        if i is not None and (p, t) in truth_keys:
            hit_rank[i].append(int(r))
    out: dict[str, float] = {}
    for k in ks:
        hits = np.array([sum(1 for r in rs if r <= k) for rs in hit_rank], dtype=float)
        out[f"recall@{k}"] = float(np.mean(hits / np.maximum(n_true, 1)))
        out[f"precision@{k}"] = float(np.mean(hits / k))
        dcg = np.array([sum(1.0 / np.log2(r + 1) for r in rs if r <= k) for rs in hit_rank],
                       dtype=float)
        ideal = np.array([sum(1.0 / np.log2(j + 2) for j in range(int(min(n, k))))
                          for n in n_true], dtype=float)
        out[f"ndcg@{k}"] = float(np.mean(np.divide(dcg, ideal, out=np.zeros_like(dcg),
                                                   where=ideal > 0)))
    out["mrr"] = float(np.mean([1.0 / min(rs) if rs else 0.0 for rs in hit_rank]))
    return out


def format_ranking_table(rows: list[MetricRow],
                         metrics: tuple[str, ...] = RANK_METRICS) -> str:
    """Ranking rows (``split, task, method`` + metrics + optional ``seconds``) as text."""
    extra = ("seconds",) if any("seconds" in r for r in rows) else ()
    header = ["split", "task", "method", *metrics, *extra]
    lines = [header]
    for r in rows:
        cells = [str(r.get("split", "")), str(r["task"]), str(r["method"])]
        cells += [f"{float(r[m]):.4f}" for m in metrics]
        cells += [f"{float(r.get('seconds', 0.0)):.1f}" for _ in extra]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)
