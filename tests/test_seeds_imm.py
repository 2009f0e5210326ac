"""Seed selection: IMM (sample sizes, hubs, constraints), the LT model's RR sets against its
simulation, CELF against brute-force greedy and against IMM, and the seeds use-case and CLI
with ``include`` and ``model`` on the real embedded database."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_analytics_helpers import load_two_cliques

from graph.analytics.campaign import imm_beats_baselines, plan_campaign
from graph.analytics.celf import celf_seeds
from graph.analytics.diffusion import sample_worlds, world_reach
from graph.analytics.rrsets import RRSampler
from graph.analytics.seeds import InfluenceGraph, imm_bounds, select_seeds, simulate_reach
from graph.errors import InvalidInput
from kolgraph.cli import cli
from kolgraph.usecases.seeds import plan_seeds
from tests.test_analytics_store import cli_env  # noqa: F401  (fixture)


def _two_hubs() -> InfluenceGraph:
    # persons 1..6 attend to hub 0, persons 8..11 attend to hub 7, 12 is isolated
    src = np.array([1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 2])
    dst = np.array([0, 0, 0, 0, 0, 0, 7, 7, 7, 7, 3])
    return InfluenceGraph.build(13, src, dst, np.ones(src.size))


def _random_graph(n: int, ties_each: int, seed: int) -> InfluenceGraph:
    """Every person attends to ``ties_each`` others, preferring low positions (hubs)."""
    rng = np.random.default_rng(seed)
    src = np.repeat(np.arange(n), ties_each)
    dst = np.minimum((rng.pareto(1.2, src.size) * 3).astype(np.int64), n - 1)
    keep = src != dst
    return InfluenceGraph.build(n, src[keep], dst[keep], rng.lognormal(0, 0.5, keep.sum()))


def _ris_estimate(graph: InfluenceGraph, model: str, seeds: np.ndarray, count: int) -> float:
    sets = RRSampler(graph, model, np.random.default_rng(5)).extend(count).collection()
    touched = np.concatenate([sets.node_sets[sets.node_indptr[s]:sets.node_indptr[s + 1]]
                              for s in seeds])
    return graph.n * np.unique(touched).size / sets.count


def test_imm_theta_grows_as_epsilon_shrinks():
    graph = _random_graph(300, 3, seed=1)
    counts = [select_seeds(graph, 3, epsilon=eps, seed=1).rr_sets for eps in (0.5, 0.3, 0.15)]
    assert counts[0] < counts[1] < counts[2]
    lambdas = [imm_bounds(300, 3, epsilon=eps).lambda_star for eps in (0.5, 0.3, 0.15)]
    assert lambdas[0] < lambdas[1] < lambdas[2]
    # more failure tolerance (smaller ell) needs fewer sets
    assert imm_bounds(300, 3, ell=0.5).lambda_star < imm_bounds(300, 3, ell=1).lambda_star


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_imm_finds_the_obvious_hubs(model):
    chosen = select_seeds(_two_hubs(), 2, model=model, seed=2)
    assert chosen.seeds.tolist() == [0, 7]
    assert chosen.guaranteed and chosen.rr_sets > 0
    # the hubs reach their followers surely but 2 (IC: 3/4 of the time, LT: surely)
    assert 11.3 <= chosen.estimated_reach <= 12.3


def test_a_cap_on_rr_sets_loses_the_guarantee():
    chosen = select_seeds(_two_hubs(), 2, rr_sets=200, seed=2)
    assert chosen.rr_sets == 200 and not chosen.guaranteed


def test_must_include_and_exclude_are_respected_by_every_strategy():
    graph = _two_hubs()
    allowed = np.ones(13, dtype=bool)
    allowed[0] = False
    include = np.array([12])
    imm = select_seeds(graph, 2, allowed=allowed, must_include=include, seed=3)
    assert imm.seeds.tolist() == [12, 7]
    celf = celf_seeds(graph, 2, allowed=allowed, must_include=include, runs=30)
    assert celf.seeds.tolist() == [12, 7] and celf.complete
    plan = plan_campaign(graph, 2, pagerank=np.arange(13.0), followers=np.arange(13.0)[::-1],
                         allowed=allowed, must_include=include, runs=50, celf=True,
                         celf_runs=30)
    assert [row["strategy"] for row in plan] == ["imm", "top_pagerank", "top_followers",
                                                  "celf"]
    for row in plan:
        assert row["seeds"][0] == 12 and 0 not in row["seeds"] and len(row["seeds"]) == 2
    assert imm_beats_baselines(plan) and plan[0]["best"]
    with pytest.raises(ValueError):
        select_seeds(graph, 1, must_include=np.array([3, 4]))


@pytest.mark.parametrize("model", ["lt", "ic"])
def test_rr_sets_agree_with_the_simulation(model):
    """RIS's estimate of a set's reach (n x share of RR sets it touches) and the Monte Carlo
    mean of forward cascades estimate the same number under each model."""
    graph = _random_graph(80, 2, seed=4)
    seeds = np.array([0, 5, 40])
    mc = simulate_reach(graph, seeds, runs=4000, seed=6, model=model)
    ris = _ris_estimate(graph, model, seeds, 40_000)
    half = mc.ci_high - mc.mean
    assert abs(ris - mc.mean) < 2 * half + 0.02 * mc.mean
    assert 3 < mc.mean < 80


def test_lt_simulation_is_vectorised_over_worlds_and_reproducible():
    graph = _random_graph(200, 3, seed=7)
    first = simulate_reach(graph, [30, 60], runs=300, seed=1, model="lt")
    again = simulate_reach(graph, [30, 60], runs=300, seed=1, model="lt")
    assert first == again and first.ci_low < first.mean < first.ci_high


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_celf_equals_brute_force_greedy(model):
    graph = _random_graph(14, 2, seed=8)
    runs, k = 40, 4
    worlds = sample_worlds(graph, runs, model, np.random.default_rng(9))
    chosen: list[int] = []
    for _ in range(k):
        totals = [-1 if v in chosen else int(world_reach(worlds, np.array(chosen + [v])).sum())
                  for v in range(graph.n)]
        chosen.append(int(np.argmax(totals)))
    celf = celf_seeds(graph, k, model=model, runs=runs, seed=9)
    assert celf.seeds.tolist() == chosen
    assert celf.estimated_reach == pytest.approx(world_reach(worlds, np.array(chosen)).mean())


def test_imm_reaches_at_least_what_celf_reaches():
    graph = _random_graph(600, 3, seed=10)
    imm = select_seeds(graph, 5, seed=11)
    celf = celf_seeds(graph, 5, runs=100, seed=11)
    imm_mc = simulate_reach(graph, imm.seeds, runs=2000, seed=12)
    celf_mc = simulate_reach(graph, celf.seeds, runs=2000, seed=12)
    assert imm_mc.ci_high >= celf_mc.mean


def test_celf_stops_at_its_budget():
    result = celf_seeds(_random_graph(300, 3, seed=1), 5, runs=20, budget_s=0.0)
    assert not result.complete and result.seeds.size == 0 and result.first_round_share == 0


def test_progress_reports_each_stage():
    seen: list[tuple[str, float]] = []
    plan_campaign(_random_graph(300, 3, seed=2), 3, pagerank=np.zeros(300),
                  followers=np.zeros(300), runs=40, celf=True, celf_runs=10,
                  progress=lambda stage, fraction: seen.append((stage, fraction)))
    stages = [stage for stage, _ in seen]
    assert {"sampling", "selecting", "simulating", "celf first round"} <= set(stages)
    assert all(0 <= fraction <= 1 for _, fraction in seen)
    assert max(f for s, f in seen if s == "simulating") == pytest.approx(1.0)


def test_plan_seeds_with_include_and_the_lt_model(store):
    load_two_cliques(store, 5)
    plan = plan_seeds(store, 2, include=["b3"], model="lt", runs=50, exclude=["a1"])
    assert plan["model"] == "lt" and plan["include"] == ["b3"]
    assert isinstance(plan["imm_beats_baselines"], bool)
    for row in plan["strategies"]:
        assert row["seeds"][0] == "b3" and "a1" not in row["seeds"]
        assert {"strategy", "seeds", "reach", "ci_low", "ci_high", "runs", "best"} <= set(row)
    assert plan["strategies"][0]["strategy"] == "imm"
    assert set(plan["names"]) >= {"b3"}


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"include": ["nobody"]}, "include"),
    ({"include": ["a2"], "exclude": ["a2"]}, "include"),
    ({"include": ["a2", "a3", "b1"]}, "k"),
    ({"model": "sir"}, "model"),
    ({"epsilon": 1.5}, "epsilon"),
])
def test_plan_seeds_names_the_bad_parameter(store, kwargs, param):
    load_two_cliques(store, 4)
    with pytest.raises(InvalidInput) as err:
        plan_seeds(store, 2, runs=10, **kwargs)
    assert err.value.param == param


def test_cli_seeds_with_lt_model_and_include(store, cli_env):  # noqa: F811
    runner = cli_env
    load_two_cliques(store, 5)
    out = runner.invoke(cli, ["seeds", "--k", "2", "--model", "lt", "--include", "b3",
                              "--runs", "30", "--format", "json"])
    assert out.exit_code == 0, out.output
    plan = json.loads(out.stdout)
    assert plan["model"] == "lt" and plan["include"] == ["b3"]
    assert all(row["seeds"][0] == "b3" for row in plan["strategies"])
    assert "seeds: sampling" in out.stderr and "seeds: simulating" in out.stderr
    table = runner.invoke(cli, ["seeds", "--k", "2", "--include", "b3", "--epsilon", "0.3",
                                "--runs", "20", "--celf"])
    assert table.exit_code == 0, table.output
    assert "RR sets, epsilon 0.3" in table.stdout and "celf" in table.stdout
    bad = runner.invoke(cli, ["seeds", "--include", "nobody"])
    assert "--include" in str(bad.exception) and "nobody" in str(bad.exception)
    bad = runner.invoke(cli, ["seeds", "--model", "sir"])
    assert bad.exit_code == 2
