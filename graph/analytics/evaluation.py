"""Scores of a result against a known truth: normalised mutual information between two
partitions and precision@k of a ranking.

>>> round(nmi([0, 0, 1, 1], [5, 5, 7, 7]), 6), round(nmi([0, 0, 1, 1], [0, 1, 0, 1]), 6)
(1.0, 0.0)
>>> precision_at_k(["a", "b", "c", "d"], {"a", "c", "x"}, 2)
0.5
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def nmi(labels_a: Sequence[object], labels_b: Sequence[object]) -> float:
    """Normalised mutual information ``2 I(A;B) / (H(A) + H(B))`` of two labelings of the
    same items (1: identical up to renaming, 0: independent)."""
    a = np.unique(np.asarray(labels_a).astype(str), return_inverse=True)[1]
    b = np.unique(np.asarray(labels_b).astype(str), return_inverse=True)[1]
    if a.size == 0:
        return 1.0
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1.0)
    h_a, h_b = _entropy(joint.sum(axis=1)), _entropy(joint.sum(axis=0))
    if h_a + h_b == 0:
        return 1.0
    mutual = h_a + h_b - _entropy(joint.ravel())
    return float(max(0.0, 2.0 * mutual / (h_a + h_b)))


def precision_at_k(ranked: Sequence[object], relevant: Collection[object], k: int) -> float:
    """Share of the first ``k`` items of ``ranked`` that are in ``relevant``."""
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    relevant = set(relevant)
    return sum(1 for item in list(ranked)[:k] if item in relevant) / k
