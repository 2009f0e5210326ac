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

import numpy as np
from scipy.stats import rankdata

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


def best_heuristic(rows: Iterable[dict[str, object]], split: str, task: str,
                   metric: str = "hits@50") -> tuple[str, float]:
    """The heuristic with the highest ``metric`` on ``split``/``task`` (name, value)."""
    best = ("none", float("-inf"))
    for row in rows:
        if row["split"] == split and row["task"] == task and row["method"] != GNN:
            value = float(row[metric])  # type: ignore[arg-type]
            if value > best[1]:
                best = (str(row["method"]), value)
    return best


def method_value(rows: Iterable[dict[str, object]], split: str, task: str, method: str,
                 metric: str = "hits@50") -> float:
    """The ``metric`` of one method on ``split``/``task`` (NaN when absent)."""
    for row in rows:
        if row["split"] == split and row["task"] == task and row["method"] == method:
            return float(row[metric])  # type: ignore[arg-type]
    return float("nan")


def promotion_decision(rows: list[dict[str, object]],
                       metric: str = "hits@50") -> tuple[bool, str]:
    """Whether a model may become current: on validation ``metric`` GraphSAGE must beat
    the best heuristic of every task it was evaluated on. Returns (decision, reason).

    >>> rows = [{"split": "val", "task": "people", "method": GNN, "hits@50": 0.5},
    ...         {"split": "val", "task": "people", "method": "adamic_adar", "hits@50": 0.6}]
    >>> promotion_decision(rows)
    (False, 'people: graphsage val hits@50 0.5000 <= adamic_adar 0.6000')
    """
    reasons = []
    ok = True
    tasks = sorted({str(r["task"]) for r in rows if r["split"] == "val"})
    for task in tasks:
        gnn = method_value(rows, "val", task, GNN, metric)
        name, best = best_heuristic(rows, "val", task, metric)
        if not gnn > best:
            ok = False
            reasons.append(f"{task}: {GNN} val {metric} {gnn:.4f} <= {name} {best:.4f}")
        else:
            reasons.append(f"{task}: {GNN} val {metric} {gnn:.4f} > {name} {best:.4f}")
    if not tasks:
        return False, "no validation metrics"
    return ok, "; ".join(reasons if not ok else reasons)


def format_table(rows: list[dict[str, object]]) -> str:
    """The metrics table as aligned text, one line per (split, task, method)."""
    header = ["split", "task", "method", *METRICS]
    lines = [header] + [[str(r["split"]), str(r["task"]), str(r["method"])]
                        + [f"{float(r[m]):.4f}" for m in METRICS] for r in rows]  # type: ignore[arg-type]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)
