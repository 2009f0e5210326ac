"""Campaign seed selection: influence maximisation by IMM under the independent cascade (IC)
or linear threshold (LT) model (see ``graph.analytics.diffusion`` for both).

``select_seeds`` is IMM (Tang, Shi, Xiao, SIGMOD 2015, "Influence Maximization in Near-Linear
Time: A Martingale Approach"): its sampling phase finds a lower bound of the best reach by
doubling the number of reverse-reachable (RR) sets until greedy coverage clears a threshold,
which fixes how many RR sets ``theta`` give, for any ``epsilon``, a seed set within
``1 - 1/e - epsilon`` of the best with probability at least ``1 - 1/n**ell``; node selection
is greedy maximum coverage of ``theta`` RR sets. Following Chen (2018, "An Issue in the
Martingale Analysis of the Influence Maximization Algorithm IMM") the final ``theta`` sets are
drawn afresh, independently of the sampling phase, which is what the proof needs.

Constraints: only ``allowed`` persons are chosen, ``must_include`` persons are always in the
set and count towards ``k`` (greedy covers their RR sets first; the guarantee holds for the
best set that contains them, as greedy on ``S -> reach(include + S)`` is still within
``1 - 1/e``). The union bound counts the ``C(allowed, k - includes)`` candidate sets.

It is written here on numpy/scipy because no well-kept package on PyPI runs IMM on our CSR
arrays (the implementations found are research code over their own graph formats, or C++).

>>> hub_src, hub_dst = np.array([1, 2, 3, 4, 6, 7]), np.array([0, 0, 0, 0, 5, 5])
>>> g = InfluenceGraph.build(8, hub_src, hub_dst, np.ones(6))
>>> chosen = select_seeds(g, 2, seed=1)
>>> chosen.seeds.tolist(), chosen.guaranteed
([0, 5], True)
>>> select_seeds(g, 2, model="lt", must_include=np.array([3]), seed=1).seeds.tolist()
[3, 0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from graph.analytics.diffusion import (
    BATCH_STARTS,
    InfluenceGraph,
    Progress,
    cascade_pairs,
    check_model,
    positions,
    sample_worlds,
    world_reach,
)
from graph.analytics.rrsets import RRSampler, max_coverage

__all__ = ["InfluenceGraph", "ReachEstimate", "SeedSelection", "imm_bounds", "select_seeds",
           "simulate_reach", "top_k"]

Z_95 = 1.959963984540054
DEFAULT_EPSILON = 0.1


@dataclass(frozen=True)
class SeedSelection:
    """The chosen persons (must-includes first, then in the order chosen), the RIS estimate
    of their expected reach, how many RR sets the final selection used, and whether IMM's
    guarantee holds (``False`` when ``rr_sets`` capped the number IMM asked for)."""

    seeds: np.ndarray
    estimated_reach: float
    rr_sets: int = 0
    guaranteed: bool = False
    lower_bound: float = 0.0


@dataclass(frozen=True)
class ImmBounds:
    """IMM's constants for ``n`` persons: ``lambda_prime`` (sampling phase: ``theta_i =
    lambda_prime / x``), ``lambda_star`` (final ``theta = lambda_star / LB``), ``epsilon_prime``."""

    lambda_prime: float
    lambda_star: float
    epsilon_prime: float


def _log_binomial(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def imm_bounds(n: int, k: int, *, epsilon: float = DEFAULT_EPSILON, ell: float = 1.0,
               candidates: int | None = None) -> ImmBounds:
    """IMM's sample-size constants (Tang et al. 2015, eq. 6 and Theorem 2 with ``ell``
    raised by ``log 2 / log n`` so that both phases together fail with probability at most
    ``1/n**ell``), for choosing ``k`` among ``candidates`` (default ``n``) persons.

    >>> b = imm_bounds(1000, 10, epsilon=0.5)
    >>> b.lambda_star > b.lambda_prime > 0 and imm_bounds(1000, 10).lambda_star > b.lambda_star
    True
    """
    n = max(n, 2)
    log_n = math.log(n)
    ell = ell * (1 + math.log(2) / log_n)
    log_cnk = _log_binomial(candidates if candidates is not None else n, k)
    eps_p = math.sqrt(2) * epsilon
    lambda_prime = ((2 + 2 * eps_p / 3) * (log_cnk + ell * log_n + math.log(math.log2(n)))
                    * n / eps_p ** 2)
    alpha = math.sqrt(ell * log_n + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (log_cnk + ell * log_n + math.log(2)))
    lambda_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / epsilon ** 2
    return ImmBounds(lambda_prime, lambda_star, eps_p)


def _capped(theta: float, cap: int | None) -> tuple[int, bool]:
    want = max(1, math.ceil(theta))
    return (want, False) if cap is None or want <= cap else (cap, True)


def _lower_bound(graph: InfluenceGraph, k: int, bounds: ImmBounds, sampler: RRSampler,
                 cap: int | None, constraints: tuple[np.ndarray, np.ndarray],
                 progress: Progress | None) -> tuple[float, bool]:
    """IMM's sampling phase: a lower bound of the best reach (at least 1), and whether the
    cap on RR sets stopped it early."""
    n = graph.n
    for i in range(1, max(2, math.ceil(math.log2(n)))):
        x = n / 2 ** i
        theta_i, capped = _capped(bounds.lambda_prime / x, cap)
        sampler.extend(theta_i, progress)
        sets = sampler.collection()
        _chosen, covered = max_coverage(sets, k, allowed=constraints[0],
                                        must_include=constraints[1])
        reach = n * covered / sets.count
        if reach >= (1 + bounds.epsilon_prime) * x:
            return reach / (1 + bounds.epsilon_prime), capped
        if capped:
            return max(1.0, reach / (1 + bounds.epsilon_prime)), True
    return 1.0, False


def select_seeds(graph: InfluenceGraph, k: int, *, allowed: np.ndarray | None = None,
                 must_include: np.ndarray | None = None, model: str = "ic",
                 epsilon: float = DEFAULT_EPSILON, ell: float = 1.0,
                 rr_sets: int | None = None, seed: int = 0,
                 progress: Progress | None = None) -> SeedSelection:
    """Choose ``k`` persons maximising the expected number reached under ``model`` by IMM:
    ``must_include`` (positions) first, the rest among ``allowed`` (a boolean mask) when
    given. ``rr_sets`` caps the number of RR sets IMM may draw (``guaranteed`` is false
    when the cap binds). ``progress("sampling"|"selecting", fraction)`` is called as it goes."""
    check_model(model)
    if not 0 < epsilon < 1:
        raise ValueError(f"epsilon must be in (0, 1), got {epsilon}")
    n = graph.n
    include = positions(must_include)
    if include.size > k:
        raise ValueError(f"{include.size} persons to include but k = {k}")
    if n == 0 or k <= 0:
        return SeedSelection(np.zeros(0, dtype=np.int64), 0.0)
    mask = np.ones(n, dtype=bool) if allowed is None else np.asarray(allowed, bool)
    candidates = int((mask & ~np.isin(np.arange(n), include)).sum())
    free = max(0, min(k - include.size, candidates))
    bounds = imm_bounds(n, free, epsilon=epsilon, ell=ell, candidates=max(candidates, free))
    rng = np.random.default_rng(seed)
    lower, capped = _lower_bound(graph, k, bounds, RRSampler(graph, model, rng), rr_sets,
                                 (mask, include), progress)
    theta, final_capped = _capped(bounds.lambda_star / lower, rr_sets)
    sets = RRSampler(graph, model, rng).extend(theta, progress).collection()
    chosen, covered = max_coverage(sets, k, allowed=mask, must_include=include,
                                   progress=progress)
    return SeedSelection(chosen, n * covered / sets.count, sets.count,
                         not (capped or final_capped), lower)


@dataclass(frozen=True)
class ReachEstimate:
    """Monte Carlo estimate of the expected number of persons reached (seeds included)."""

    mean: float
    ci_low: float
    ci_high: float
    runs: int


def _reach_sizes(graph: InfluenceGraph, seeds: np.ndarray, runs: int, model: str,
                 rng: np.random.Generator, progress: Progress | None) -> np.ndarray:
    """Persons reached in each of ``runs`` cascades, in vectorised chunks of cascades."""
    chunk = max(1, BATCH_STARTS // max(1, graph.n if model == "lt" else seeds.size * 8))
    sizes = []
    for start in range(0, runs, chunk):
        count = min(chunk, runs - start)
        if model == "lt":
            sizes.append(world_reach(sample_worlds(graph, count, "lt", rng), seeds))
        else:
            ids = np.repeat(np.arange(count), seeds.size)
            reached, _ = cascade_pairs(graph.forward, graph.n, ids, np.tile(seeds, count), rng)
            sizes.append(np.bincount(reached, minlength=count))
        if progress is not None:
            progress("simulating", (start + count) / runs)
    return np.concatenate(sizes).astype(float)


def simulate_reach(graph: InfluenceGraph, seeds: np.ndarray, *, runs: int = 300,
                   seed: int = 0, model: str = "ic",
                   progress: Progress | None = None) -> ReachEstimate:
    """Mean reach of ``seeds`` over ``runs`` independent cascades of ``model`` ("ic" or
    "lt"), with a 95% normal interval. The same ``seed`` gives the same random worlds, so
    seed sets simulated with one seed are compared on common random numbers.

    >>> g = InfluenceGraph.build(3, np.array([1, 2]), np.array([0, 0]), np.ones(2))
    >>> simulate_reach(g, np.array([0]), runs=50).mean, simulate_reach(g, [0], model="lt").mean
    (3.0, 3.0)
    """
    check_model(model)
    seeds = np.unique(np.asarray(seeds, dtype=np.int64))
    if seeds.size == 0:
        return ReachEstimate(0.0, 0.0, 0.0, runs)
    sizes = _reach_sizes(graph, seeds, runs, model, np.random.default_rng(seed), progress)
    half = Z_95 * sizes.std(ddof=1) / np.sqrt(runs) if runs > 1 else 0.0
    return ReachEstimate(float(sizes.mean()), float(sizes.mean() - half),
                         float(sizes.mean() + half), runs)


def top_k(score: np.ndarray, k: int, allowed: np.ndarray | None = None,
          must_include: np.ndarray | None = None) -> np.ndarray:
    """``must_include`` first, then the allowed persons with the highest ``score`` (ties:
    lower position first), ``k`` in all.

    >>> top_k(np.array([0.1, 0.9, 0.5, 0.9]), 2, allowed=np.array([1, 0, 1, 1], bool)).tolist()
    [3, 2]
    >>> top_k(np.array([0.1, 0.9, 0.5, 0.9]), 2, must_include=np.array([0])).tolist()
    [0, 1]
    """
    score = np.asarray(score, dtype=float)
    include = np.asarray([] if must_include is None else must_include, dtype=np.int64)
    mask = np.ones(score.size, bool) if allowed is None else np.asarray(allowed, bool).copy()
    mask[include] = False
    idx = np.flatnonzero(mask)
    order = np.lexsort((idx, -score[idx]))
    return np.concatenate([include, idx[order[:max(0, k - include.size)]]]).astype(np.int64)
