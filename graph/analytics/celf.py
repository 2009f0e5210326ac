"""CELF lazy-greedy seed selection (Leskovec et al., KDD 2007), a baseline for IMM only.

Greedy hill climbing on the Monte Carlo estimate of the expected reach: each round adds the
person of largest marginal gain; CELF re-evaluates a person's gain only when its gain from an
earlier round (an upper bound, by submodularity) could still be the largest. Every
evaluation uses the same ``runs`` sampled live-edge worlds (common random numbers: the
estimate ``sigma(S)`` is the mean over those worlds of what ``S`` reaches), so the estimate
is submodular itself and CELF returns exactly what plain greedy on it would. The first round
evaluates every allowed person (vectorised in batches); ``budget_s`` stops a run that takes
too long, and the result says how far it got.

>>> from graph.analytics.diffusion import InfluenceGraph
>>> g = InfluenceGraph.build(8, np.array([1, 2, 3, 4, 6, 7]), np.array([0, 0, 0, 0, 5, 5]),
...                          np.ones(6))
>>> result = celf_seeds(g, 2, runs=50)
>>> result.seeds.tolist(), result.estimated_reach, result.complete
([0, 5], 8.0, True)
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import numpy as np

from graph.analytics.diffusion import (
    BATCH_STARTS,
    InfluenceGraph,
    LiveEdgeWorlds,
    Progress,
    bfs_pairs,
    positions,
    sample_worlds,
    world_starts,
)


@dataclass(frozen=True)
class CelfResult:
    """The chosen persons (must-includes first), the Monte Carlo estimate of their reach over
    the ``runs`` worlds, how many marginal gains were evaluated, whether it finished within
    the budget, and the share of the first round (all singletons) it evaluated."""

    seeds: np.ndarray
    estimated_reach: float
    runs: int
    evaluations: int
    complete: bool
    first_round_share: float


class _Covered:
    """Which block nodes (person v in world r: ``r * n + v``) the chosen set reaches."""

    def __init__(self, worlds: LiveEdgeWorlds) -> None:
        self.worlds = worlds
        self.size = worlds.n * worlds.runs
        self.mask = np.zeros(self.size, dtype=bool)

    def gains(self, persons: np.ndarray) -> np.ndarray:
        """Marginal gain (mean over worlds of newly reached persons) of each of ``persons``."""
        ids = np.repeat(np.arange(persons.size), self.worlds.runs)
        starts = world_starts(self.worlds, persons).reshape(self.worlds.runs, -1).T.ravel()
        reached, _ = bfs_pairs(self.worlds.indptr, self.worlds.indices, self.size, ids,
                               starts, blocked=self.mask)
        return np.bincount(reached, minlength=persons.size) / self.worlds.runs

    def add(self, person: int) -> None:
        starts = world_starts(self.worlds, np.array([person]))
        _ids, reached = bfs_pairs(self.worlds.indptr, self.worlds.indices, self.size,
                                  np.zeros(starts.size, dtype=np.int64), starts,
                                  blocked=self.mask)
        self.mask[reached] = True

    def reach(self) -> float:
        return float(self.mask.sum()) / self.worlds.runs


def _first_round(covered: _Covered, candidates: np.ndarray, deadline: float,
                 progress: Progress | None) -> tuple[np.ndarray, int]:
    """Gains of all ``candidates`` in batches; stops at ``deadline`` (the gains of the rest
    stay ``-1``). Returns the gains and how many were evaluated."""
    gains = np.full(candidates.size, -1.0)
    batch = max(1, BATCH_STARTS // covered.worlds.runs)
    done = 0
    while done < candidates.size and time.perf_counter() < deadline:
        part = candidates[done:done + batch]
        gains[done:done + part.size] = covered.gains(part)
        done += part.size
        if progress is not None:
            progress("celf first round", done / candidates.size)
    return gains, done


def celf_seeds(graph: InfluenceGraph, k: int, *, allowed: np.ndarray | None = None,
               must_include: np.ndarray | None = None, model: str = "ic", runs: int = 100,
               seed: int = 0, budget_s: float | None = None,
               progress: Progress | None = None) -> CelfResult:
    """Choose ``k`` persons by CELF on the Monte Carlo reach over ``runs`` live-edge worlds
    of ``model``: ``must_include`` first, then the allowed persons (boolean mask) of largest
    marginal gain. ``budget_s`` (seconds) stops it early: ``complete`` is then false."""
    deadline = time.perf_counter() + (budget_s if budget_s is not None else float("inf"))
    worlds = sample_worlds(graph, runs, model, np.random.default_rng(seed))
    covered = _Covered(worlds)
    include = positions(must_include)
    for person in include.tolist():
        covered.add(person)
    mask = np.ones(graph.n, bool) if allowed is None else np.asarray(allowed, bool).copy()
    mask[include] = False
    candidates = np.flatnonzero(mask)
    gains, done = _first_round(covered, candidates, deadline, progress)
    chosen, evaluations = list(include.tolist()), done
    heap = [(-g, int(p), 0) for g, p in zip(gains[:done], candidates[:done], strict=True)]
    heapq.heapify(heap)
    rounds = min(k - len(chosen), len(heap))
    for step in range(max(0, rounds)):
        while time.perf_counter() < deadline:
            neg_gain, person, fresh = heapq.heappop(heap)
            if fresh == step:
                break
            heapq.heappush(heap, (-float(covered.gains(np.array([person]))[0]), person, step))
            evaluations += 1
        else:
            break
        covered.add(person)
        chosen.append(person)
        if progress is not None:
            progress("celf selecting", (step + 1) / rounds)
    complete = done == candidates.size and len(chosen) == min(k, include.size + candidates.size)
    return CelfResult(np.asarray(chosen, dtype=np.int64), covered.reach(), runs, evaluations,
                      complete, done / max(1, candidates.size))
