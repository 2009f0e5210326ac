"""A campaign plan: the IMM seed set next to the top-k by PageRank and by followers (and,
on request, the CELF baseline), each with its Monte Carlo expected reach on the same random
worlds, so the choice can be judged; the plan says whether IMM beat every baseline.

>>> import numpy as np
>>> from graph.analytics.seeds import InfluenceGraph
>>> g = InfluenceGraph.build(4, np.array([1, 2, 3]), np.array([0, 0, 0]), np.ones(3))
>>> plan = plan_campaign(g, 1, pagerank=np.array([.1, .5, .2, .2]), followers=np.zeros(4),
...                      runs=50)
>>> plan[0]["strategy"], plan[0]["seeds"], plan[0]["reach"], plan[0]["best"]
('imm', [0], 4.0, True)
>>> imm_beats_baselines(plan)
True
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from graph.analytics.celf import celf_seeds
from graph.analytics.diffusion import Progress
from graph.analytics.seeds import (
    DEFAULT_EPSILON,
    InfluenceGraph,
    select_seeds,
    simulate_reach,
    top_k,
)

#: The strategies every plan compares; ``celf`` is added on request (it is slow).
STRATEGIES: tuple[str, ...] = ("imm", "top_pagerank", "top_followers")


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _choose(graph: InfluenceGraph, k: int, *, pagerank: np.ndarray, followers: np.ndarray,
            constraints: dict[str, Any], options: dict[str, Any],
            progress: Progress | None) -> list[dict[str, Any]]:
    """Each strategy's seeds (positions) and the seconds it took, with IMM's details."""
    imm, seconds = _timed(lambda: select_seeds(graph, k, progress=progress, **constraints,
                                               **options["imm"]))
    rows = [{"strategy": "imm", "seeds": imm.seeds, "seconds": seconds,
             "rr_sets": imm.rr_sets, "guaranteed": imm.guaranteed}]
    for name, score in (("top_pagerank", pagerank), ("top_followers", followers)):
        chosen, seconds = _timed(partial(top_k, score, k, **constraints))
        rows.append({"strategy": name, "seeds": chosen, "seconds": seconds})
    if options["celf"] is not None:
        celf, seconds = _timed(lambda: celf_seeds(graph, k, progress=progress, **constraints,
                                                  **options["celf"]))
        rows.append({"strategy": "celf", "seeds": celf.seeds, "seconds": seconds})
    return rows


def plan_campaign(graph: InfluenceGraph, k: int, *, pagerank: np.ndarray,
                  followers: np.ndarray, allowed: np.ndarray | None = None,
                  must_include: np.ndarray | None = None, model: str = "ic",
                  epsilon: float = DEFAULT_EPSILON, rr_sets: int | None = None,
                  runs: int = 300, seed: int = 0, celf: bool = False, celf_runs: int = 100,
                  progress: Progress | None = None) -> list[dict[str, Any]]:
    """One row per strategy (``STRATEGIES``, then ``celf`` when asked): ``strategy``,
    ``seeds`` (person positions, must-includes first, then in the order chosen), ``reach``
    (Monte Carlo mean under ``model``, seeds included), ``ci_low``, ``ci_high`` (95%),
    ``runs``, ``seconds`` (choosing the seeds) and ``best`` (no other row reaches more); the
    ``imm`` row also ``rr_sets`` and ``guaranteed`` (see ``select_seeds``). Every strategy
    picks among ``allowed`` persons, keeps ``must_include``, and all are simulated on the
    same random worlds (common random numbers) so that the comparison is fair."""
    constraints = {"allowed": allowed, "must_include": must_include}
    options = {"imm": {"model": model, "epsilon": epsilon, "rr_sets": rr_sets, "seed": seed},
               "celf": {"model": model, "runs": celf_runs, "seed": seed} if celf else None}
    rows = _choose(graph, k, pagerank=pagerank, followers=followers, constraints=constraints,
                   options=options, progress=progress)
    for i, row in enumerate(rows):
        def step(stage: str, fraction: float, i: int = i) -> None:
            if progress is not None:
                progress(stage, (i + fraction) / len(rows))

        estimate = simulate_reach(graph, row["seeds"], runs=runs, seed=seed + 1, model=model,
                                  progress=step)
        row.update(seeds=row["seeds"].tolist(), reach=estimate.mean, ci_low=estimate.ci_low,
                   ci_high=estimate.ci_high, runs=estimate.runs)
    top = max(row["reach"] for row in rows)
    for row in rows:
        row["best"] = bool(row["reach"] >= top)
    return rows


def imm_beats_baselines(rows: list[dict[str, Any]]) -> bool:
    """Whether the ``imm`` row of a plan reaches at least as many persons as every other."""
    return any(row["strategy"] == "imm" and row["best"] for row in rows)
