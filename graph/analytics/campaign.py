"""A campaign plan: the RIS seed set next to the top-k by PageRank and by followers, each
with its Monte Carlo expected reach, so the choice can be judged.

>>> import numpy as np
>>> from graph.analytics.seeds import InfluenceGraph
>>> g = InfluenceGraph.build(4, np.array([1, 2, 3]), np.array([0, 0, 0]), np.ones(3))
>>> plan = plan_campaign(g, 1, pagerank=np.array([.1, .5, .2, .2]), followers=np.zeros(4),
...                      rr_sets=500, runs=50)
>>> plan[0]["strategy"], plan[0]["seeds"], plan[0]["reach"]
('ris', [0], 4.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graph.analytics.seeds import InfluenceGraph, select_seeds, simulate_reach, top_k

STRATEGIES: tuple[str, ...] = ("ris", "top_pagerank", "top_followers")


def plan_campaign(graph: InfluenceGraph, k: int, *, pagerank: np.ndarray,
                  followers: np.ndarray, allowed: np.ndarray | None = None,
                  rr_sets: int = 20_000, runs: int = 300, seed: int = 0) -> list[dict[str, Any]]:
    """One row per strategy of ``STRATEGIES``: ``strategy``, ``seeds`` (person positions, in
    the order chosen), ``reach`` (Monte Carlo mean, seeds included), ``ci_low``, ``ci_high``
    (95%) and ``runs``. Every strategy picks among ``allowed`` persons only, and all are
    simulated with the same random stream so the comparison is fair."""
    chosen = {
        "ris": select_seeds(graph, k, allowed=allowed, rr_sets=rr_sets, seed=seed).seeds,
        "top_pagerank": top_k(pagerank, k, allowed),
        "top_followers": top_k(followers, k, allowed),
    }
    rows = []
    for strategy in STRATEGIES:
        estimate = simulate_reach(graph, chosen[strategy], runs=runs, seed=seed + 1)
        rows.append({"strategy": strategy, "seeds": chosen[strategy].tolist(),
                     "reach": estimate.mean, "ci_low": estimate.ci_low,
                     "ci_high": estimate.ci_high, "runs": estimate.runs})
    return rows
