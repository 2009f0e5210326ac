"""``kolgraph seeds``: campaign seed persons that maximise expected reach, compared with the
top-k by PageRank and by followers (``kolgraph.usecases.seeds``)."""

from __future__ import annotations

from pathlib import Path

import click

from kolgraph.cli.support import format_option, store_from, write_rows, write_value


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
@format_option("table: the seeds and the reach of each strategy; json: the plan; csv: one "
               "row per strategy.")
@click.pass_context
def seeds(ctx: click.Context, k: int, community: int | None, platform: str | None,
          exclude: tuple[str, ...], seed: int, rr_sets: int | None, runs: int | None,
          weights_file: Path | None, fmt: str) -> None:
    """Choose K persons maximising expected reach under the independent cascade model.

    Edge probabilities come from the interaction weights (weighted cascade); the seeds are
    chosen by reverse influence sampling. The output compares the expected reach (Monte
    Carlo, 95% interval) with the top-K persons by PageRank and by followers.
    """
    from kolgraph.usecases.analyze import weights_from
    from kolgraph.usecases.seeds import plan_seeds

    weights = weights_from(weights_file)
    excluded = [p.strip() for item in exclude for p in item.split(",") if p.strip()]
    with store_from(ctx) as store:
        result = plan_seeds(store, k, community=community, platform=platform, exclude=excluded,
                            seed=seed, weights=weights, rr_sets=rr_sets, runs=runs)
    plan, allowed_count = result["strategies"], result["allowed"]
    names = result["names"]
    if fmt == "json":
        write_value({"k": k, "allowed": allowed_count, "strategies": plan})
        return
    if fmt == "csv":
        write_rows([{**r, "seeds": ";".join(r["seeds"])} for r in plan],
                   ["strategy", "reach", "ci_low", "ci_high", "runs", "seeds"], "csv")
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
