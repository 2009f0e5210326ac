"""``kolgraph analyze``: communities, KOL ranking and audience overlap, written back as a Run
(``kolgraph.usecases.analyze``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from graph.analytics.choices import ALGORITHMS, DEFAULT_ALGORITHM, ENGINES
from graph.config import ConfigError, parse_as_of
from kolgraph.cli.support import (
    format_option,
    settings_from,
    store_from,
    write_rows,
    write_value,
)

if TYPE_CHECKING:
    from graph.analytics.pipeline import AnalysisResult

KOL_COLUMNS = ["kol_rank", "person_id", "display_name", "community_id", "kol_score", "pagerank",
               "reach"]


def _stderr(message: str) -> None:
    click.echo(message, err=True)


@click.command(name="analyze")
@click.option("--algorithm", type=click.Choice(ALGORITHMS), default=DEFAULT_ALGORITHM,
              show_default=True, help="leiden (igraph Leiden) or louvain (igraph multilevel).")
@click.option("--resolution", type=float, default=1.0, show_default=True,
              help="Modularity resolution: higher gives more, smaller communities.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed: the same seed gives the same partition.")
@click.option("--weights", "weights_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="TOML file overriding graph/analytics/weights.toml.")
@click.option("--engine", type=click.Choice(ENGINES), default="python", show_default=True,
              help="gds: Leiden and PageRank inside Neo4j with the Graph Data Science "
                   "library (Neo4j backend only); the rest of the analysis is the same.")
@click.option("--as-of", "as_of", default=None, metavar="TIME",
              help="The \"now\" that ties' recency is measured from: epoch seconds or an "
                   "ISO-8601 date/time (default: KOLGRAPH_AS_OF, else the run's clock). "
                   "Set it for a reproducible run.")
@click.option("--min-community-size", "min_community_size", type=int, default=None,
              help="Communities with fewer persons are folded into the unassigned bucket "
                   "(community 0); 1 folds nothing (default: KOLGRAPH_MIN_COMMUNITY_SIZE, "
                   "else 3).")
@click.option("--match-jaccard", "match_jaccard", type=float, default=None,
              help="A community keeps the previous run's id when their members overlap by at "
                   "least this Jaccard index (default: KOLGRAPH_COMMUNITY_MATCH, else 0.5).")
@format_option("table: the summary as tables; json: the whole summary; csv: the top KOLs.")
@click.pass_context
def analyze(ctx: click.Context, algorithm: str, resolution: float, seed: int,
            weights_file: Path | None, engine: str, as_of: str | None,
            min_community_size: int | None, match_jaccard: float | None, fmt: str) -> None:
    """Detect communities, rank KOLs and record the results as an analyze run.

    Prints the number of communities, the modularity, the largest communities and the top
    10 KOLs. Readers keep seeing the previous run until this one is complete.
    """
    from kolgraph.usecases.analyze import (
        AnalyzeParams,
        check_params,
        run_analysis,
        summary,
        weights_from,
    )

    settings = settings_from(ctx)
    if min_community_size is None:
        min_community_size = settings.min_community_size
    if match_jaccard is None:
        match_jaccard = settings.community_match
    try:
        when = settings.as_of if as_of is None else parse_as_of(as_of, "--as-of")
    except ConfigError as exc:
        raise click.BadParameter(str(exc).removeprefix("--as-of: "),
                                 param_hint="--as-of") from exc
    params = check_params(AnalyzeParams(algorithm, resolution, seed,
                                        str(weights_file) if weights_file else None, engine,
                                        when, min_community_size, match_jaccard))
    weights = weights_from(weights_file)
    with store_from(ctx) as store:
        run_id, result = run_analysis(store, weights, params, _stderr)
    if fmt == "json":
        write_value(summary(run_id, result))
    elif fmt == "csv":
        write_rows(summary(run_id, result)["top_kols"], KOL_COLUMNS, "csv")
    else:
        show_analysis(run_id, result)


def show_analysis(run_id: str, result: AnalysisResult) -> None:
    """The analysis as tables: counts and modularity, the largest communities, the top 10
    KOLs and the largest audience overlaps among them."""
    from kolgraph.usecases.analyze import summary

    shown = summary(run_id, result)
    m = result.metrics
    click.echo(f"run {run_id}: {m['persons']} persons, {m['projection_edges']} ties, "
               f"{m['communities']} communities ({m['algorithm']}, resolution "
               f"{m['resolution']}), modularity {m['modularity']:.4f}; "
               f"{m.get('unassigned_persons', 0)} persons unassigned (in communities smaller "
               f"than the minimum)")
    click.echo("\nlargest communities:")
    write_rows(shown["communities"], ["community_id", "size", "name", "label",
                                      "top_platform", "density"], "table")
    click.echo("\ntop 10 KOLs:")
    write_rows(shown["top_kols"], KOL_COLUMNS, "table")
    if shown["overlap"]:
        click.echo("\nlargest audience overlaps among the top KOLs:")
        write_rows(shown["overlap"], ["a", "b", "shared", "jaccard"], "table")
