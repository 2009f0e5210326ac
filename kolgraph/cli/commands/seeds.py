"""``kolgraph seeds``: campaign seed persons that maximise expected reach (IMM, independent
cascade or linear threshold), compared with the top-k by PageRank and by followers, and on
request with CELF (``kolgraph.usecases.seeds``)."""

from __future__ import annotations

from pathlib import Path

import click

from graph.progress import StageProgress
from kolgraph.cli.support import format_option, store_from, write_rows, write_value


def _split(values: tuple[str, ...]) -> list[str]:
    return [p.strip() for item in values for p in item.split(",") if p.strip()]


@click.command()
@click.option("--k", "k", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many seed persons to choose.")
@click.option("--community", type=int, default=None,
              help="Choose only members of this community (of the current analyze run).")
@click.option("--platform", default=None, help="Choose only persons with an account here.")
@click.option("--exclude", "exclude", multiple=True, metavar="PERSON_ID",
              help="A person not to choose (repeat, or separate ids with commas).")
@click.option("--include", "include", multiple=True, metavar="PERSON_ID",
              help="A person always in the seed set, counted in K (repeat, or separate ids "
                   "with commas).")
@click.option("--model", type=click.Choice(["ic", "lt"]), default="ic", show_default=True,
              help="Diffusion model: independent cascade or linear threshold.")
@click.option("--epsilon", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=None, help="IMM's slack: the seeds reach at least (1 - 1/e - epsilon) "
                                 "of the best, with probability 1 - 1/persons (default from "
                                 "the weights file, 0.1).")
@click.option("--celf", is_flag=True,
              help="Also compare with CELF greedy on Monte Carlo reach (slow).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--rr-sets", type=click.IntRange(min=100), default=None,
              help="Cap on IMM's reverse-reachable sets (default from the weights file); "
                   "when it binds the guarantee is lost and the output says so.")
@click.option("--runs", type=click.IntRange(min=2), default=None,
              help="Monte Carlo cascades per compared set (default from the weights file).")
@click.option("--weights", "weights_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="TOML file overriding graph/analytics/weights.toml.")
@format_option("table: the seeds and the reach of each strategy; json: the plan; csv: one "
               "row per strategy.")
@click.pass_context
def seeds(ctx: click.Context, k: int, community: int | None, platform: str | None,
          exclude: tuple[str, ...], include: tuple[str, ...], model: str,
          epsilon: float | None, celf: bool, seed: int, rr_sets: int | None,
          runs: int | None, weights_file: Path | None, fmt: str) -> None:
    """Choose K persons maximising expected reach under the independent cascade (ic) or
    linear threshold (lt) model.

    Edge weights come from the interaction weights (weighted cascade); the seeds are chosen
    by IMM, within 1 - 1/e - epsilon of the best with probability 1 - 1/persons. The output
    compares the expected reach (Monte Carlo, 95% interval, same random worlds) with the
    top-K persons by PageRank and by followers (and CELF with --celf), and warns when IMM
    does not reach the most. Progress goes to standard error.
    """
    from kolgraph.usecases.analyze import weights_from
    from kolgraph.usecases.seeds import plan_seeds

    weights = weights_from(weights_file)
    report = StageProgress("seeds")
    try:
        with store_from(ctx) as store:
            result = plan_seeds(store, k, community=community, platform=platform,
                                exclude=_split(exclude), include=_split(include), model=model,
                                epsilon=epsilon, celf=celf, seed=seed, weights=weights,
                                rr_sets=rr_sets, runs=runs, progress=report)
    finally:
        report.close()
    plan, allowed_count = result["strategies"], result["allowed"]
    names = result["names"]
    if not result["imm_beats_baselines"]:
        best = max(plan, key=lambda r: r["reach"])
        within = ("within IMM's 95% interval" if best["reach"] <= plan[0]["ci_high"]
                  else "beyond IMM's 95% interval")
        click.echo(f"warning: {best['strategy']} reaches more than imm ({best['reach']:.1f} "
                   f"vs {plan[0]['reach']:.1f}, {within})", err=True)
    if fmt == "json":
        write_value({key: result[key] for key in ("k", "allowed", "model", "epsilon",
                                                  "include", "imm_beats_baselines")}
                    | {"strategies": plan})
        return
    if fmt == "csv":
        write_rows([{**r, "seeds": ";".join(r["seeds"])} for r in plan],
                   ["strategy", "reach", "ci_low", "ci_high", "runs", "best", "seconds",
                    "seeds"], "csv")
        return
    chosen = plan[0]["seeds"]
    if len(chosen) < k:
        click.echo(f"only {len(chosen)} persons satisfy the constraints", err=True)
    click.echo(f"{len(chosen)} seed persons (of {allowed_count} allowed):")
    write_rows([{"rank": i + 1, "person_id": p, "display_name": names.get(p, "")}
                for i, p in enumerate(chosen)], ["rank", "person_id", "display_name"], "table")
    imm = plan[0]
    guarantee = "holds" if imm["guaranteed"] else "NOT guaranteed: --rr-sets capped the sets"
    click.echo(f"\nIMM, {model} model: {imm['rr_sets']:,} RR sets, epsilon {result['epsilon']} "
               f"({guarantee})")
    click.echo(f"expected reach (Monte Carlo, {imm['runs']} cascades, 95% interval):")
    write_rows([{"strategy": r["strategy"], "reach": round(r["reach"], 1),
                 "95% interval": f"{r['ci_low']:.1f} - {r['ci_high']:.1f}",
                 "best": "*" if r["best"] else "", "seconds": f"{r['seconds']:.2f}"}
                for r in plan], ["strategy", "reach", "95% interval", "best", "seconds"],
               "table")
