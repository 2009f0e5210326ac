"""Seeds: choose campaign seed persons that maximise expected reach under the independent
cascade or linear threshold model (IMM), and compare them with the top-k by PageRank and by
followers (and, on request, the CELF baseline) on the same random worlds."""

from __future__ import annotations

from typing import Any

import numpy as np

from graph.analytics import ranking
from graph.analytics.campaign import imm_beats_baselines, plan_campaign
from graph.analytics.diffusion import MODELS, Progress
from graph.analytics.graphs import PersonIndex
from graph.analytics.pipeline import AnalyticsInput, projection
from graph.analytics.seeds import InfluenceGraph
from graph.analytics.weights import Weights, load_weights
from graph.errors import InvalidInput, NotReady
from graph.store import analytics_io
from graph.store.base import GraphStore
from kolgraph.usecases.analyze import load_input


def allowed_mask(index: PersonIndex, data: AnalyticsInput, *, community: int | None,
                 communities: dict[str, int] | None, platform: str | None,
                 exclude: list[str]) -> np.ndarray:
    """Which persons may be chosen, as a boolean mask over ``index``; unknown values raise
    ``InvalidInput`` naming the parameter (``community``, ``platform``, ``exclude``)."""
    mask = np.ones(index.n, dtype=bool)
    if community is not None:
        assert communities is not None
        member = np.array([communities.get(p) == community for p in index.ids], dtype=bool)
        if not member.any():
            raise InvalidInput("community",
                               f"no community {community} in the current analyze run")
        mask &= member
    if platform is not None:
        on = set(data.accounts.loc[data.accounts["platform"] == platform, "person"])
        if not on:
            known = ", ".join(sorted(set(data.accounts["platform"].dropna())))
            raise InvalidInput("platform", f"no accounts on {platform!r} (platforms: {known})")
        mask &= np.isin(index.ids, list(on))
    known_ids = set(index.ids.tolist())
    for person_id in exclude:
        if person_id not in known_ids:
            raise InvalidInput("exclude", f"unknown person {person_id!r}")
    mask &= ~np.isin(index.ids, exclude)
    return mask


def include_positions(index: PersonIndex, include: list[str], exclude: list[str],
                      k: int) -> np.ndarray:
    """Positions in ``index`` of the persons to ``include``; ``InvalidInput`` naming
    ``include`` for an unknown person or one also excluded, naming ``k`` when more persons
    are to be included than ``k``."""
    position = {p: i for i, p in enumerate(index.ids.tolist())}
    for person_id in include:
        if person_id not in position:
            raise InvalidInput("include", f"unknown person {person_id!r}")
        if person_id in exclude:
            raise InvalidInput("include", f"person {person_id!r} is also excluded")
    wanted = list(dict.fromkeys(include))
    if len(wanted) > k:
        raise InvalidInput("k", f"{len(wanted)} persons to include but only {k} seeds")
    return np.asarray([position[p] for p in wanted], dtype=np.int64)


def _check_options(k: int, model: str, epsilon: float | None) -> None:
    if k < 1:
        raise InvalidInput("k", f"must be at least 1, got {k}")
    if model not in MODELS:
        raise InvalidInput("model", f"unknown model {model!r} (models: {', '.join(MODELS)})")
    if epsilon is not None and not 0 < epsilon < 1:
        raise InvalidInput("epsilon", f"must be between 0 and 1, got {epsilon}")


def _communities(store: GraphStore, community: int | None) -> dict[str, int] | None:
    """Person id -> community of the current analyze run, when ``community`` is asked."""
    if community is None:
        return None
    if analytics_io.current_analyze_run_id(store) is None:
        raise NotReady("no complete analyze run: run kolgraph analyze", param="community")
    results = analytics_io.read_person_results(store)
    return {p: int(c) for p, c in zip(results["person_id"], results["community_id"],
                                      strict=True) if c is not None}


def plan_seeds(store: GraphStore, k: int, *, community: int | None = None,
               platform: str | None = None, exclude: list[str] | None = None, seed: int = 0,
               weights: Weights | None = None, rr_sets: int | None = None,
               runs: int | None = None, include: list[str] | None = None,
               model: str = "ic", epsilon: float | None = None, celf: bool = False,
               progress: Progress | None = None) -> dict[str, Any]:
    """The campaign plan for ``k`` seed persons under diffusion ``model`` ("ic" or "lt"):
    ``{"k", "allowed" (persons allowed), "strategies" (``plan_campaign`` rows, ``seeds`` as
    person ids), "names" (person id -> display name of the chosen persons), "model",
    "epsilon", "include", "imm_beats_baselines"}``. ``include`` persons are in every
    strategy's set and count towards ``k``; ``epsilon``, ``rr_sets`` (cap on IMM's RR sets)
    and ``runs`` default to the weights file's ``[seeds]``; ``celf`` adds the (slow) CELF
    baseline; ``progress(stage, fraction)`` hears how far it got. Unknown values raise
    ``InvalidInput`` naming the parameter; ``NotReady`` when the graph or the analysis it
    needs is not there yet."""
    _check_options(k, model, epsilon)
    weights = weights or load_weights(None)
    communities = _communities(store, community)
    data = load_input(store)
    if data.persons.empty:
        raise NotReady("the graph has no persons: run kolgraph ingest first")
    directed, _ties, _now = projection(data, weights)
    index = PersonIndex.build(data.persons["person_id"].astype(str), directed)
    src, dst, w = index.edge_arrays(directed)
    excluded, included = list(exclude or []), list(include or [])
    allowed = allowed_mask(index, data, community=community, communities=communities,
                           platform=platform, exclude=excluded)
    must = include_positions(index, included, excluded, k)
    followers = data.persons.set_index(data.persons["person_id"].astype(str)) \
        ["followers_total"].reindex(index.ids).fillna(0).to_numpy(dtype=float)
    epsilon = epsilon if epsilon is not None else weights.epsilon
    plan = plan_campaign(InfluenceGraph.build(index.n, src, dst, w), k,
                         pagerank=ranking.pagerank(index.n, src, dst, w), followers=followers,
                         allowed=allowed, must_include=must, model=model, epsilon=epsilon,
                         rr_sets=rr_sets or weights.rr_sets, runs=runs or weights.mc_runs,
                         seed=seed, celf=celf, celf_runs=weights.celf_runs, progress=progress)
    names = data.persons.set_index(data.persons["person_id"].astype(str))["display_name"]
    for row in plan:
        row["seeds"] = [str(index.ids[i]) for i in row["seeds"]]
    chosen = {p for row in plan for p in row["seeds"]}
    return {"k": k, "allowed": int(allowed.sum()), "strategies": plan,
            "names": {p: str(names.get(p, "") or "") for p in chosen}, "model": model,
            "epsilon": epsilon, "include": [str(index.ids[i]) for i in must],
            "imm_beats_baselines": imm_beats_baselines(plan)}
