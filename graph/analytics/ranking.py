"""KOL ranking: the components (PageRank, weighted in-degree, engagement rate, de-duplicated
reach, betweenness), the composite ``kol_score`` and the ranks.

Influence flows from follower to followee: a tie ``A -> B`` (A follows, replies to, buys from
B) passes PageRank from A to B, so the persons many others attend to rank high.

>>> import numpy as np
>>> star_src, star_dst = np.array([1, 2, 3, 4]), np.zeros(4, dtype=int)
>>> int(np.argmax(pagerank(5, star_src, star_dst, np.ones(4))))
0
"""

from __future__ import annotations

from collections.abc import Mapping

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from graph.analytics.graphs import igraph_graph
from graph.analytics.weights import KOL_COMPONENTS

#: Sampled sources x ties of the betweenness estimate: about 0.5-1 s of breadth-first search on
#: the 2-core development machine, whatever the graph's size.
BETWEENNESS_WORK = 10_000_000


def pagerank(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, *,
             damping: float = 0.85, tol: float = 1.0e-10, max_iter: int = 200) -> np.ndarray:
    """Weighted PageRank by sparse power iteration (the same fixed point as
    ``networkx.pagerank``: dangling persons spread their rank uniformly). Sums to 1."""
    if n == 0:
        return np.zeros(0)
    out_w = np.bincount(src, weights=weight, minlength=n)
    scale = np.divide(1.0, out_w, out=np.zeros(n), where=out_w > 0)
    # Column-stochastic transition as a CSR of its transpose: x_new = T @ x.
    transition = sp.csr_matrix((weight * scale[src], (dst, src)), shape=(n, n))
    dangling = out_w == 0
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spread = damping * x[dangling].sum() / n
        x_new = damping * (transition @ x) + spread + (1.0 - damping) / n
        if np.abs(x_new - x).sum() < n * tol:
            x = x_new
            break
        x = x_new
    return x / x.sum()


def in_strength(n: int, dst: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted in-degree: the sum of the projection weights of the ties a person receives."""
    return np.bincount(dst, weights=weight, minlength=n).astype(float)


#: The account ties that make a person part of a KOL's audience: a follow or any
#: interaction (the one definition of ``graph.analytics.planner``).
AUDIENCE_TIE_TYPES: tuple[str, ...] = ("follow", "mention", "reply", "comment", "share", "like")


def audience_pairs(edges: pd.DataFrame,
                   types: tuple[str, ...] = AUDIENCE_TIE_TYPES) -> pd.DataFrame:
    """De-duplicated audiences: one row ``(person, member)`` per distinct person ``member``
    with a tie of one of ``types`` to any account of ``person``.

    ``edges`` are account ties lifted to persons (``src_person, dst_person, type``), not
    content engagements. A person who follows two of one person's accounts and comments on a
    third is one member.

    >>> edges = pd.DataFrame({"src_person": ["a", "a", "b", "k"],
    ...                       "dst_person": ["k", "k", "k", "k"],
    ...                       "type": ["follow", "comment", "like", "follow"]})
    >>> audience_pairs(edges).to_dict("records")
    [{'person': 'k', 'member': 'a'}, {'person': 'k', 'member': 'b'}]
    """
    chosen = edges[edges["type"].isin(types) & (edges["src_person"] != edges["dst_person"])]
    pairs = chosen[["dst_person", "src_person"]].drop_duplicates()
    return pairs.rename(columns={"dst_person": "person", "src_person": "member"}) \
        .reset_index(drop=True)


def reach(pairs: pd.DataFrame) -> pd.Series:
    """Number of distinct audience members per person (``Series`` indexed by person).

    >>> pairs = pd.DataFrame({"person": ["k", "k", "k"], "member": ["a", "b", "a"]})
    >>> reach(pairs).to_dict()
    {'k': 2}
    """
    return pairs.drop_duplicates().groupby("person")["member"].count()


def received_interactions(edges: pd.DataFrame,
                          exclude_types: tuple[str, ...] = ("follow", "view")) -> pd.Series:
    """Interactions a person's accounts and contents received (sum of ``count``), by person."""
    chosen = edges[~edges["type"].isin(exclude_types)
                   & (edges["src_person"] != edges["dst_person"])]
    counts = pd.to_numeric(chosen["count"], errors="coerce").fillna(1)
    return counts.groupby(chosen["dst_person"]).sum()


def engagement_rate(received: np.ndarray, followers: np.ndarray) -> np.ndarray:
    """Interactions received per follower (followers below 1 count as 1).

    >>> engagement_rate(np.array([10.0, 3.0]), np.array([5.0, 0.0])).tolist()
    [2.0, 3.0]
    """
    return np.asarray(received, dtype=float) / np.clip(np.asarray(followers, float), 1.0, None)


def betweenness(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, *,
                exact_below: int = 1000, samples: int = 16, seed: int = 0,
                graph: ig.Graph | None = None) -> np.ndarray:
    """Betweenness on the undirected projection, normalised to ``[0, 1]`` by
    ``(n-1)(n-2)/2``.

    Exact when ``n < exact_below``, with distance ``1 / weight`` (strong ties are short).
    Otherwise estimated from the shortest paths in hops (breadth-first search, which costs a
    third of a weighted search) out of ``samples`` random persons, scaled by
    ``n / samples``; at most ``BETWEENNESS_WORK / ties`` and at least 4 sources, so the cost
    grows with the ties, not faster. ``graph``: the same graph already built by
    ``igraph_graph`` (undirected, edge attribute ``weight``).
    """
    if n < 3 or len(src) == 0:
        return np.zeros(n)
    if n < exact_below:
        g = igraph_graph(n, src, dst, 1.0 / np.asarray(weight, dtype=float), directed=False)
        values = np.asarray(g.betweenness(directed=False, weights="weight"), dtype=float)
    else:
        g = igraph_graph(n, src, dst, weight, directed=False) if graph is None else graph
        rng = np.random.default_rng(seed)
        budget = max(4, int(BETWEENNESS_WORK / len(src)))
        sources = rng.choice(n, size=min(samples, budget, n), replace=False).tolist()
        values = np.asarray(g.betweenness(directed=False, sources=sources),
                            dtype=float) * (n / len(sources))
    return values / ((n - 1) * (n - 2) / 2.0)


def log_scale(values: np.ndarray) -> np.ndarray:
    """Map a non-negative, heavy-tailed component to ``[0, 1]``:
    ``log(1 + x/m) / log(1 + max/m)`` with ``m`` the median of the positive values, so the
    long tail is compressed but the gap between the top and the rest is kept.

    >>> log_scale(np.array([0.0, 1.0, 1.0, 3.0])).round(3).tolist()
    [0.0, 0.5, 0.5, 1.0]
    """
    values = np.clip(np.nan_to_num(np.asarray(values, dtype=float)), 0.0, None)
    positive = values[values > 0]
    if positive.size == 0:
        return np.zeros(values.size)
    m = float(np.median(positive))
    return np.log1p(values / m) / np.log1p(values.max() / m)


def kol_score(components: pd.DataFrame, weights: Mapping[str, float]) -> np.ndarray:
    """Composite score in ``[0, 1]``: the weighted mean of the components, each mapped to
    ``[0, 1]`` by ``log_scale``.

    ``components`` has one column per name of ``KOL_COMPONENTS``.
    """
    total = sum(weights[c] for c in KOL_COMPONENTS)
    score = np.zeros(len(components))
    for name in KOL_COMPONENTS:
        if weights[name]:
            score += weights[name] * log_scale(components[name].to_numpy(dtype=float))
    return score / total


def ranks(score: np.ndarray, group: np.ndarray | None = None,
          tiebreak: np.ndarray | None = None) -> np.ndarray:
    """1-based rank by decreasing ``score`` (ties by ``tiebreak``, then position), overall or
    within each value of ``group``.

    >>> ranks(np.array([0.2, 0.9, 0.5]))
    array([3, 1, 2])
    >>> ranks(np.array([0.2, 0.9, 0.5]), group=np.array([0, 1, 0]))
    array([2, 1, 1])
    """
    score = np.asarray(score, dtype=float)
    tie = np.zeros(score.size) if tiebreak is None else -np.asarray(tiebreak, dtype=float)
    group = np.zeros(score.size, dtype=np.int64) if group is None else np.asarray(group)
    order = np.lexsort((np.arange(score.size), tie, -score, group))
    out = np.empty(score.size, dtype=np.int64)
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(sorted_group[1:] != sorted_group[:-1]) + 1]
    first_of = np.repeat(starts, np.diff(np.r_[starts, score.size]))
    out[order] = np.arange(score.size) - first_of + 1
    return out
