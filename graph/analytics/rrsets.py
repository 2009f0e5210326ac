"""Reverse-reachable (RR) sets and greedy maximum coverage, the two halves of reverse
influence sampling (Borgs et al. 2014).

An RR set is everything that could have activated a random root in one random world: the
persons an IC reverse cascade from the root reaches, or those an LT reverse random walk
visits. A seed set's expected reach is ``n`` times the share of RR sets it touches. The sets
are kept in CSR both ways (set -> persons, person -> sets), as int32, so that millions of
them fit at 100k persons.

>>> from graph.analytics.diffusion import InfluenceGraph
>>> g = InfluenceGraph.build(3, np.array([1, 2]), np.array([0, 0]), np.ones(2))
>>> sets = RRSampler(g, "ic", np.random.default_rng(0)).extend(300).collection()
>>> chosen, covered = max_coverage(sets, 1)
>>> chosen.tolist(), covered == sets.count
([0], True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from graph.analytics.diffusion import (
    BATCH_STARTS,
    InEdgePicker,
    InfluenceGraph,
    Progress,
    cascade_pairs,
    check_model,
    gather_rows,
    reverse_walks,
)


@dataclass(frozen=True)
class RRCollection:
    """``count`` RR sets over ``n`` persons: ``set_indptr``/``set_nodes`` (set -> persons) and
    ``node_indptr``/``node_sets`` (person -> sets)."""

    n: int
    count: int
    set_indptr: np.ndarray
    set_nodes: np.ndarray
    node_indptr: np.ndarray
    node_sets: np.ndarray

    @classmethod
    def from_pairs(cls, n: int, count: int, set_ids: np.ndarray,
                   nodes: np.ndarray) -> RRCollection:
        """From (set id, person) pairs sorted by set id."""
        set_indptr = np.concatenate([[0], np.cumsum(np.bincount(set_ids, minlength=count))])
        nodes = nodes.astype(np.int32)
        # scipy's CSR -> CSC conversion is a counting sort in C: person -> sets in O(pairs)
        by_node = sp.csr_matrix((np.ones(nodes.size, dtype=np.int8), nodes, set_indptr),
                                shape=(count, n)).tocsc()
        return cls(n, count, set_indptr, nodes, by_node.indptr,
                   by_node.indices.astype(np.int32, copy=False))


class RRSampler:
    """Draws RR sets of ``graph`` under ``model`` from ``rng``, in vectorised batches, and
    keeps them; ``extend(total)`` grows the sample, ``collection()`` indexes it."""

    def __init__(self, graph: InfluenceGraph, model: str, rng: np.random.Generator) -> None:
        self.graph, self.model, self.rng = graph, check_model(model), rng
        self.picker = InEdgePicker.of(graph.reverse) if model == "lt" else None
        self.count = 0
        self._ids: list[np.ndarray] = []
        self._nodes: list[np.ndarray] = []

    def _batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        roots = self.rng.integers(0, self.graph.n, size=size)
        ids = np.arange(size, dtype=np.int64)
        if self.picker is not None:
            return reverse_walks(self.picker, ids, roots, self.rng)
        return cascade_pairs(self.graph.reverse, self.graph.n, ids, roots, self.rng)

    def extend(self, total: int, progress: Progress | None = None) -> RRSampler:
        """Draw sets until there are ``total``; ``progress("sampling", share drawn)``."""
        start = self.count
        while self.count < total:
            size = min(BATCH_STARTS, total - self.count)
            ids, nodes = self._batch(size)
            self._ids.append((ids + self.count).astype(np.int32))
            self._nodes.append(nodes.astype(np.int32))
            self.count += size
            if progress is not None:
                progress("sampling", (self.count - start) / max(1, total - start))
        return self

    def collection(self) -> RRCollection:
        """The sets drawn so far, indexed both ways."""
        if self._ids:
            self._ids = [np.concatenate(self._ids)]
            self._nodes = [np.concatenate(self._nodes)]
            set_ids, nodes = self._ids[0], self._nodes[0]
        else:
            set_ids = nodes = np.zeros(0, dtype=np.int32)
        return RRCollection.from_pairs(self.graph.n, self.count, set_ids, nodes)


class _Coverage:
    """Greedy-coverage state: how many uncovered sets each person touches."""

    def __init__(self, sets: RRCollection) -> None:
        self.sets = sets
        self.gain = np.diff(sets.node_indptr).astype(np.int64)
        self.covered = np.zeros(sets.count, dtype=bool)

    def take(self, person: int) -> None:
        s = self.sets
        touched = s.node_sets[s.node_indptr[person]:s.node_indptr[person + 1]]
        new = touched[~self.covered[touched]]
        self.covered[new] = True
        offsets, _lens = gather_rows(s.set_indptr, new.astype(np.int64))
        self.gain -= np.bincount(s.set_nodes[offsets], minlength=s.n)


def max_coverage(sets: RRCollection, k: int, *, allowed: np.ndarray | None = None,
                 must_include: np.ndarray | None = None,
                 progress: Progress | None = None) -> tuple[np.ndarray, int]:
    """Greedy maximum coverage: ``must_include`` first (their sets removed), then the allowed
    person touching the most uncovered sets, until ``k`` persons in all (fewer when fewer are
    allowed). Returns ``(persons in the order chosen, sets covered)``."""
    state = _Coverage(sets)
    include = np.asarray([] if must_include is None else must_include, dtype=np.int64)
    mask = np.ones(sets.n, dtype=bool) if allowed is None else np.asarray(allowed, bool).copy()
    chosen: list[int] = []
    for person in include.tolist():
        state.take(person)
        chosen.append(person)
    mask[include] = False
    rounds = min(k - len(chosen), int(mask.sum()))
    for step in range(max(0, rounds)):
        best = int(np.argmax(np.where(mask, state.gain, -1)))
        state.take(best)
        chosen.append(best)
        mask[best] = False
        if progress is not None:
            progress("selecting", (step + 1) / rounds)
    return np.asarray(chosen, dtype=np.int64), int(state.covered.sum())
