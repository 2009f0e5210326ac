"""Community detection on the symmetrised person projection.

``detect_communities`` runs igraph's fast engines: ``leiden`` (the default; the Leiden
algorithm with the modularity objective) or ``louvain`` (igraph's multilevel Louvain).
``reference_louvain`` runs ``python-louvain``, the reference implementation that the
benchmark compares against. All take integer edge arrays over persons ``0..n-1`` and return
one community number per person, numbered by decreasing size (0 is the largest), so the same
seed gives the same numbers.

>>> import numpy as np
>>> src = np.array([0, 0, 1, 3, 3, 4, 2]); dst = np.array([1, 2, 2, 4, 5, 5, 3])
>>> result = detect_communities(6, src, dst, np.ones(7), algorithm="louvain", seed=1)
>>> result.membership.tolist(), round(result.modularity, 3)
([0, 0, 0, 1, 1, 1], 0.357)
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import igraph as ig
import numpy as np

from graph.analytics.choices import ALGORITHMS, DEFAULT_ALGORITHM
from graph.analytics.graphs import igraph_graph
from graph.errors import InvalidInput

__all__ = ["ALGORITHMS", "DEFAULT_ALGORITHM", "Partition", "detect_communities", "modularity",
           "reference_louvain", "renumber_by_size"]
LEIDEN_ITERATIONS = 2  # refinement passes: a third adds < 0.001 modularity, costs 50% more


@dataclass(frozen=True)
class Partition:
    """Community number of each person (0 = largest community) and the partition's
    modularity at the resolution it was found with."""

    membership: np.ndarray
    modularity: float
    algorithm: str
    resolution: float

    @property
    def count(self) -> int:
        return int(self.membership.max()) + 1 if self.membership.size else 0


def renumber_by_size(membership: np.ndarray) -> np.ndarray:
    """Renumber communities 0, 1, ... by decreasing size (ties: by smallest member).

    >>> renumber_by_size(np.array([5, 7, 7, 5, 7, 2])).tolist()
    [1, 0, 0, 1, 0, 2]
    """
    labels, first, counts = np.unique(membership, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    new_of_label = np.empty(labels.size, dtype=np.int64)
    new_of_label[order] = np.arange(labels.size)
    return new_of_label[np.searchsorted(labels, membership)]


def modularity(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray,
               membership: np.ndarray, resolution: float = 1.0, *,
               graph: ig.Graph | None = None) -> float:
    """Newman modularity of ``membership`` on the undirected weighted graph (``graph``:
    that graph already built by ``igraph_graph``, to build it once per run)."""
    if len(src) == 0:
        return 0.0
    g = igraph_graph(n, src, dst, weight, directed=False) if graph is None else graph
    return float(g.modularity(membership.tolist(), weights="weight", resolution=resolution))


def detect_communities(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, *,
                       algorithm: str = DEFAULT_ALGORITHM, resolution: float = 1.0,
                       seed: int = 0, graph: ig.Graph | None = None) -> Partition:
    """Communities of the undirected weighted graph given as edge arrays over ``0..n-1``.

    ``algorithm``: ``louvain`` (igraph's multilevel) or ``leiden`` (igraph's Leiden with the
    modularity objective). Isolated persons each form their own community. ``graph``: the
    same graph already built by ``igraph_graph`` (undirected, edge attribute ``weight``).
    """
    if algorithm not in ALGORITHMS:
        raise InvalidInput("algorithm", f"unknown algorithm {algorithm!r}; one of "
                                        f"{', '.join(ALGORITHMS)}")
    if resolution <= 0:
        raise InvalidInput("resolution", f"must be > 0, got {resolution}")
    if n == 0:
        return Partition(np.zeros(0, dtype=np.int64), 0.0, algorithm, resolution)
    g = igraph_graph(n, src, dst, weight, directed=False) if graph is None else graph
    # igraph draws from Python's ``random``; a private generator makes runs repeatable
    # without touching the caller's global random state.
    ig.set_random_number_generator(random.Random(seed))
    try:
        if algorithm == "leiden":
            found = g.community_leiden(objective_function="modularity", weights="weight",
                                       resolution=resolution, n_iterations=LEIDEN_ITERATIONS)
        else:
            found = g.community_multilevel(weights="weight", resolution=resolution)
    finally:
        ig.set_random_number_generator(random)
    membership = np.asarray(found.membership, dtype=np.int64)
    membership = renumber_by_size(membership)
    q = float(g.modularity(membership.tolist(), weights="weight", resolution=resolution)) \
        if g.ecount() else 0.0
    return Partition(membership, q, algorithm, resolution)


def reference_louvain(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, *,
                      resolution: float = 1.0, seed: int = 0) -> Partition:
    """The same problem solved by ``python-louvain`` (``community.best_partition``): slow,
    the reference for quality. python-louvain comes with the ``bench`` extra (and ``dev``)."""
    try:
        import community as community_louvain
    except ImportError as exc:
        raise ImportError("reference_louvain needs python-louvain: "
                          "pip install 'kolgraph[bench]'") from exc
    import networkx as nx

    g: nx.Graph[int] = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), weight.tolist(), strict=True))
    best = community_louvain.best_partition(g, weight="weight", resolution=resolution,
                                            random_state=seed)
    membership = renumber_by_size(np.array([best[i] for i in range(n)], dtype=np.int64))
    return Partition(membership, modularity(n, src, dst, weight, membership, resolution),
                     "python-louvain", resolution)
