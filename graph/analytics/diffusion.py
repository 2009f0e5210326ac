"""Diffusion on the influence graph: the independent cascade (IC) and linear threshold (LT)
models, simulated many cascades at once on CSR arrays.

The projection tie ``A -> B`` (A attends to B) lets B influence A. Edge weights follow the
*weighted cascade*: B activates A with probability (IC), or B's weight in A's threshold sum
is (LT), ``w(A, B) / sum_X w(A, X)``; so each person's in-weights sum to 1 (or 0 without
ties) and the LT model is well defined. Both models have a *live-edge* form (Kempe et al.
2003): IC keeps every edge with its probability, LT lets every person keep at most one
in-edge, chosen with probability its weight; a cascade reaches what the seeds reach over
live edges. ``LiveEdgeWorlds`` holds many such sampled worlds side by side.

>>> g = InfluenceGraph.build(3, np.array([1, 2]), np.array([0, 0]), np.ones(2))
>>> worlds = sample_worlds(g, 4, "lt", np.random.default_rng(0))
>>> world_reach(worlds, np.array([0])).tolist()
[3, 3, 3, 3]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

#: The diffusion models: independent cascade, linear threshold.
MODELS: tuple[str, ...] = ("ic", "lt")

#: ``progress(stage, fraction)``: a long step reports its stage ("sampling", "selecting",
#: "simulating", ...) and how much of it is done (0..1).
Progress = Callable[[str, float], None]

#: Aim for about this many (cascade, node) starts per vectorised batch.
BATCH_STARTS = 200_000


def check_model(model: str) -> str:
    """``model`` when it is one of ``MODELS``; ``ValueError`` otherwise."""
    if model not in MODELS:
        raise ValueError(f"unknown diffusion model {model!r} (models: {', '.join(MODELS)})")
    return model


@dataclass(frozen=True)
class InfluenceGraph:
    """Activation probabilities in CSR form both ways: ``forward[u]`` lists the persons u can
    activate, ``reverse[v]`` the persons that can activate v (each row sums to 1 or 0)."""

    n: int
    forward: sp.csr_matrix
    reverse: sp.csr_matrix

    @classmethod
    def build(cls, n: int, src: np.ndarray, dst: np.ndarray,
              weight: np.ndarray) -> InfluenceGraph:
        """From projection edges ``src -> dst`` (src attends to dst) over persons ``0..n-1``."""
        weight = np.asarray(weight, dtype=float)
        out_w = np.bincount(src, weights=weight, minlength=n)
        prob = np.divide(weight, out_w[src], out=np.zeros(weight.size), where=out_w[src] > 0)
        reverse = sp.csr_matrix((prob, (src, dst)), shape=(n, n))
        forward = sp.csr_matrix((prob, (dst, src)), shape=(n, n))
        reverse.sum_duplicates()
        forward.sum_duplicates()
        return cls(n, forward, reverse)


def positions(persons: np.ndarray | list[int] | None) -> np.ndarray:
    """``persons`` as int64 positions without repeats, in their first order (``None``: none).

    >>> positions([4, 1, 4]).tolist()
    [4, 1]
    """
    values = np.asarray([] if persons is None else persons, dtype=np.int64)
    _unique, first = np.unique(values, return_index=True)
    return values[np.sort(first)]


def gather_rows(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in a CSR's ``indices`` of every entry of ``rows``, and each row's length.

    >>> gather_rows(np.array([0, 2, 2, 5]), np.array([2, 0]))[0].tolist()
    [2, 3, 4, 0, 1]
    """
    starts = indptr[rows]
    lens = indptr[rows + 1] - starts
    total = int(lens.sum())
    offsets = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
    return offsets, lens


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """``keys`` sorted, without repeats (by sorting: faster than ``np.unique`` here)."""
    keys = np.sort(keys)
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if keys.size else keys


def _contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which of ``keys`` are in ``sorted_keys`` (sorted, unique)."""
    if sorted_keys.size == 0:
        return np.zeros(keys.size, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return sorted_keys[pos] == keys


def bfs_pairs(indptr: np.ndarray, indices: np.ndarray, size: int, ids: np.ndarray,
              nodes: np.ndarray, *, keep: Callable[[np.ndarray], np.ndarray] | None = None,
              blocked: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Many searches at once over a graph of ``size`` nodes in CSR (``indptr``, ``indices``):
    search ``i`` starts from the nodes paired with id ``i``. ``keep(offsets)`` says which of
    the edges at those ``indices`` offsets are followed (default: all); nodes where
    ``blocked`` is true are never entered. Returns every (search id, reached node) pair,
    sorted by id then node."""
    if blocked is not None:
        free = ~blocked[nodes]
        ids, nodes = ids[free], nodes[free]
    visited = _sorted_unique(ids.astype(np.int64) * size + nodes)
    frontier = visited
    while frontier.size:
        fid, fnode = np.divmod(frontier, size)
        offsets, lens = gather_rows(indptr, fnode)
        if offsets.size == 0:
            break
        follow = np.ones(offsets.size, dtype=bool) if keep is None else keep(offsets)
        targets = indices[offsets[follow]].astype(np.int64)
        tid = np.repeat(fid, lens)[follow]
        if blocked is not None:
            free = ~blocked[targets]
            tid, targets = tid[free], targets[free]
        keys = _sorted_unique(tid * size + targets)
        frontier = keys[~_contains(visited, keys)]
        visited = np.concatenate([visited, frontier])
        visited.sort(kind="stable")  # two sorted runs: a merge
    return np.divmod(visited, size)


def cascade_pairs(matrix: sp.csr_matrix, n: int, ids: np.ndarray, nodes: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Independent cascades on ``matrix`` (edge probabilities), many at once: cascade ``i``
    starts from the nodes paired with id ``i``. On ``forward`` they are IC cascades, on
    ``reverse`` IC reverse-reachable sets. Returns every (cascade id, node) pair, sorted."""
    probs = matrix.data
    return bfs_pairs(matrix.indptr, matrix.indices, n, ids, nodes,
                     keep=lambda offsets: rng.random(offsets.size) < probs[offsets])


@dataclass(frozen=True)
class InEdgePicker:
    """Draws, for a person v, at most one of ``reverse[v]`` with probability its weight (the
    LT live-edge choice): cumulative weights over the whole CSR and each row's start."""

    indptr: np.ndarray
    indices: np.ndarray
    cumulative: np.ndarray
    row_base: np.ndarray

    @classmethod
    def of(cls, reverse: sp.csr_matrix) -> InEdgePicker:
        """The picker of ``reverse`` (rows: persons, entries: their in-neighbours' weights)."""
        cumulative = np.cumsum(reverse.data)
        base = np.concatenate([[0.0], cumulative])[reverse.indptr[:-1]]
        return cls(reverse.indptr, reverse.indices, cumulative, base)

    def pick(self, nodes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(mask, chosen)``: which of ``nodes`` picked an in-neighbour (none with the
        leftover probability ``1 - sum of weights``), and the in-neighbour each picked."""
        target = self.row_base[nodes] + rng.random(nodes.size)
        pos = np.searchsorted(self.cumulative, target, side="right")
        ok = pos < self.indptr[nodes + 1]
        return ok, self.indices[pos[ok]].astype(np.int64)


def reverse_walks(picker: InEdgePicker, ids: np.ndarray, roots: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """LT reverse-reachable sets: from each root a reverse random walk that picks at most one
    in-neighbour per step (with probability its weight) and stops on a revisit or with the
    leftover probability. Returns every (walk id, node) pair, sorted."""
    out_ids, out_nodes = [ids], [roots]
    path = [roots]  # path[j][w]: the j-th node of walk w (-1 once it stopped)
    active = np.arange(roots.size)
    current = roots.astype(np.int64)
    while active.size:
        ok, chosen = picker.pick(current, rng)
        active, current = active[ok], chosen
        fresh = np.ones(active.size, dtype=bool)
        for step in path:
            fresh &= step[active] != current
        active, current = active[fresh], current[fresh]
        column = np.full(roots.size, -1, dtype=np.int64)
        column[active] = current
        path.append(column)
        out_ids.append(ids[active])
        out_nodes.append(current)
    all_ids, all_nodes = np.concatenate(out_ids), np.concatenate(out_nodes)
    order = np.lexsort((all_nodes, all_ids))
    return all_ids[order], all_nodes[order]


@dataclass(frozen=True)
class LiveEdgeWorlds:
    """``runs`` sampled live-edge worlds side by side: node ``r * n + v`` is person v in world
    r; ``indptr``/``indices`` are the live edges (influencer -> influenced) in CSR."""

    n: int
    runs: int
    indptr: np.ndarray
    indices: np.ndarray


def _live_edges(graph: InfluenceGraph, model: str, rng: np.random.Generator,
                picker: InEdgePicker | None) -> tuple[np.ndarray, np.ndarray]:
    """One world's live edges ``(influencer, influenced)`` under ``model``."""
    if model == "lt":
        assert picker is not None
        ok, parent = picker.pick(np.arange(graph.n), rng)
        return parent, np.flatnonzero(ok)
    fwd = graph.forward
    live = rng.random(fwd.data.size) < fwd.data
    rows = np.repeat(np.arange(graph.n), np.diff(fwd.indptr))
    return rows[live], fwd.indices[live].astype(np.int64)


def sample_worlds(graph: InfluenceGraph, runs: int, model: str,
                  rng: np.random.Generator) -> LiveEdgeWorlds:
    """``runs`` independent live-edge worlds of ``graph`` under ``model`` ("ic" or "lt")."""
    check_model(model)
    picker = InEdgePicker.of(graph.reverse) if model == "lt" else None
    src_parts, dst_parts = [], []
    for r in range(runs):
        src, dst = _live_edges(graph, model, rng, picker)
        src_parts.append(src + r * graph.n)
        dst_parts.append(dst + r * graph.n)
    src = np.concatenate(src_parts) if src_parts else np.zeros(0, dtype=np.int64)
    dst = np.concatenate(dst_parts) if dst_parts else np.zeros(0, dtype=np.int64)
    order = np.argsort(src, kind="stable")
    size = graph.n * runs
    indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=size))])
    return LiveEdgeWorlds(graph.n, runs, indptr, dst[order])


def world_starts(worlds: LiveEdgeWorlds, seeds: np.ndarray) -> np.ndarray:
    """The block nodes of ``seeds`` in every world (world-major)."""
    offsets = np.arange(worlds.runs, dtype=np.int64) * worlds.n
    return (offsets[:, None] + np.asarray(seeds, dtype=np.int64)[None, :]).ravel()


def world_reach(worlds: LiveEdgeWorlds, seeds: np.ndarray) -> np.ndarray:
    """How many persons ``seeds`` reach (themselves included) in each world."""
    starts = world_starts(worlds, np.unique(np.asarray(seeds, dtype=np.int64)))
    _ids, reached = bfs_pairs(worlds.indptr, worlds.indices, worlds.n * worlds.runs,
                              np.zeros(starts.size, dtype=np.int64), starts)
    return np.bincount(reached // worlds.n, minlength=worlds.runs)
