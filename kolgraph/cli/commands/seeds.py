"""``kolgraph seeds``: choose campaign seed persons that maximise expected reach, and compare
them with the top-k by PageRank and by followers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import numpy as np

from graph.analytics import ranking
from graph.analytics.campaign import plan_campaign
from graph.analytics.graphs import PersonIndex
from graph.analytics.pipeline import AnalyticsInput, projection
from graph.analytics.seeds import InfluenceGraph
from graph.analytics.weights import Weights, load_weights
from graph.store import analytics_io
from graph.store.base import GraphStore
from kolgraph.cli.commands.analyze import load_input, weights_option
from kolgraph.cli.support import UserError, store_from, write_rows


def allowed_mask(index: PersonIndex, data: AnalyticsInput, *, community: int | None,
                 communities: dict[str, int] | None, platform: str | None,
                 exclude: list[str]) -> np.ndarray:
    """Which persons may be chosen, as a boolean mask over ``index``; unknown values raise
    ``UserError`` naming the option."""
    mask = np.ones(index.n, dtype=bool)
    if community is not None:
        assert communities is not None
        member = np.array([communities.get(p) == community for p in index.ids], dtype=bool)
        if not member.any():
            raise UserError(f"--community: no community {community} in the current analyze run")
        mask &= member
    if platform is not None:
        on = set(data.accounts.loc[data.accounts["platform"] == platform, "person"])
        if not on:
            known = ", ".join(sorted(set(data.accounts["platform"].dropna())))
            raise UserError(f"--platform: no accounts on {platform!r} (platforms: {known})")
        mask &= np.isin(index.ids, list(on))
    known_ids = set(index.ids.tolist())
    for person_id in exclude:
        if person_id not in known_ids:
            raise UserError(f"--exclude: unknown person {person_id!r}")
    mask &= ~np.isin(index.ids, exclude)
    return mask


def plan_seeds(store: GraphStore, k: int, *, community: int | None = None,
               platform: str | None = None, exclude: list[str] | None = None, seed: int = 0,
               weights: Weights | None = None, rr_sets: int | None = None,
               runs: int | None = None) -> dict[str, Any]:
    """What ``kolgraph seeds`` computes, for any caller (the CLI, the web UI): ``{"k",
    "allowed" (persons allowed), "strategies" (``plan_campaign`` rows, ``seeds`` as person
    ids), "names" (person id -> display name of the chosen persons)}``. Unknown values raise
    ``UserError`` naming the option."""
    weights = weights or load_weights(None)
    communities = None
    if community is not None:
        if analytics_io.current_analyze_run_id(store) is None:
            raise UserError("--community: no complete analyze run: run kolgraph analyze")
        results = analytics_io.read_person_results(store)
        communities = {p: int(c) for p, c in zip(results["person_id"],
                                                 results["community_id"], strict=True)
                       if c is not None}
    data = load_input(store)
    if data.persons.empty:
        raise UserError("the graph has no persons: run kolgraph ingest first")
    directed, _ties, _now = projection(data, weights)
    index = PersonIndex.build(data.persons["person_id"].astype(str), directed)
    src, dst, w = index.edge_arrays(directed)
    allowed = allowed_mask(index, data, community=community, communities=communities,
                           platform=platform, exclude=list(exclude or []))
    followers = data.persons.set_index(data.persons["person_id"].astype(str)) \
        ["followers_total"].reindex(index.ids).fillna(0).to_numpy(dtype=float)
    plan = plan_campaign(InfluenceGraph.build(index.n, src, dst, w), k,
                         pagerank=ranking.pagerank(index.n, src, dst, w), followers=followers,
                         allowed=allowed, rr_sets=rr_sets or weights.rr_sets,
                         runs=runs or weights.mc_runs, seed=seed)
    names = data.persons.set_index(data.persons["person_id"].astype(str))["display_name"]
    for row in plan:
        row["seeds"] = [str(index.ids[i]) for i in row["seeds"]]
    chosen = {p for row in plan for p in row["seeds"]}
    return {"k": k, "allowed": int(allowed.sum()), "strategies": plan,
            "names": {p: str(names.get(p, "") or "") for p in chosen}}


@click.command()
@click.option("--k", "k", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many seed persons to choose.")
@click.option("--community", type=int, default=None,
              help="Choose only members of this community (of the current analyze run).")
@click.option("--platform", default=None, help="Choose only persons with an account here.")
@click.option("--exclude", "exclude", multiple=True, metavar="PERSON_ID",
              help="A person not to choose (repeat, or separate ids with commas).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--rr-sets", type=click.IntRange(min=100), default=None,
              help="Reverse-reachable sets of the estimator (default from the weights file).")
@click.option("--runs", type=click.IntRange(min=2), default=None,
              help="Monte Carlo cascades per compared set (default from the weights file).")
@click.option("--weights", "weights_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="TOML file overriding graph/analytics/weights.toml.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def seeds(ctx: click.Context, k: int, community: int | None, platform: str | None,
          exclude: tuple[str, ...], seed: int, rr_sets: int | None, runs: int | None,
          weights_file: Path | None, as_json: bool) -> None:
    """Choose K persons maximising expected reach under the independent cascade model.

    Edge probabilities come from the interaction weights (weighted cascade); the seeds are
    chosen by reverse influence sampling. The output compares the expected reach (Monte
    Carlo, 95% interval) with the top-K persons by PageRank and by followers.
    """
    weights = weights_option(weights_file)
    excluded = [p.strip() for item in exclude for p in item.split(",") if p.strip()]
    with store_from(ctx) as store:
        result = plan_seeds(store, k, community=community, platform=platform, exclude=excluded,
                            seed=seed, weights=weights, rr_sets=rr_sets, runs=runs)
    plan, allowed_count = result["strategies"], result["allowed"]
    names = result["names"]
    if as_json:
        click.echo(json.dumps({"k": k, "allowed": allowed_count, "strategies": plan},
                              ensure_ascii=False, indent=2))
        return
    chosen = plan[0]["seeds"]
    if len(chosen) < k:
        click.echo(f"only {len(chosen)} persons satisfy the constraints", err=True)
    click.echo(f"{len(chosen)} seed persons (of {allowed_count} allowed):")
    write_rows([{"rank": i + 1, "person_id": p, "display_name": names.get(p, "")}
                for i, p in enumerate(chosen)], ["rank", "person_id", "display_name"], "table")
    click.echo(f"\nexpected reach (Monte Carlo, {plan[0]['runs']} cascades, 95% interval):")
    write_rows([{"strategy": r["strategy"], "reach": round(r["reach"], 1),
                 "95% interval": f"{r['ci_low']:.1f} - {r['ci_high']:.1f}"} for r in plan],
               ["strategy", "reach", "95% interval"], "table")
