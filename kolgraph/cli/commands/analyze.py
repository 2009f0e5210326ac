"""``kolgraph analyze``: communities, KOL ranking and audience overlap, written back as a Run.

``load_input`` reads what the analysis needs out of the store; ``run_analysis`` runs it and
publishes the result (Community nodes, IN_COMMUNITY, Person values) as one analyze Run, so
the previous run stays visible until the new one is complete.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from graph.analytics import pipeline
from graph.analytics.communities import ALGORITHMS, DEFAULT_ALGORITHM
from graph.analytics.pipeline import AnalysisResult, AnalyticsInput
from graph.analytics.weights import Weights, WeightsError, load_weights
from graph.store import analytics_io, gds_io
from graph.store.base import GraphStore
from graph.store.runs import start_run
from kolgraph.cli.support import UserError, store_from, write_rows

Echo = Callable[[str], None]


def load_input(store: GraphStore, echo: Echo | None = None) -> AnalyticsInput:
    """Persons, accounts, account ties and engagements, read out of ``store``."""
    say = echo or (lambda _m: None)
    persons = analytics_io.read_persons(store)
    accounts = analytics_io.read_accounts(store)
    say(f"read {len(persons)} persons, {len(accounts)} accounts")
    edges = analytics_io.read_interaction_edges(store, accounts)
    engagements = analytics_io.read_engagements(store, accounts)
    say(f"read {len(edges)} account ties, {len(engagements)} engagements")
    return AnalyticsInput(persons, accounts, edges, engagements)


def weights_option(path: Path | None) -> Weights:
    """The weights of ``--weights FILE`` (defaults when ``None``), errors as ``UserError``."""
    try:
        return load_weights(path)
    except WeightsError as exc:
        raise UserError(f"--weights: {exc}", 2) from exc


@dataclass(frozen=True)
class AnalyzeParams:
    """The options of one analyze run (recorded in ``Run.params``)."""

    algorithm: str = DEFAULT_ALGORITHM
    resolution: float = 1.0
    seed: int = 0
    weights_file: str | None = None
    engine: str = "python"  # or "gds": Leiden and PageRank inside Neo4j (graph/store/gds_io)


ENGINES = ("python", "gds")


def _gds_engine(store: GraphStore, params: AnalyzeParams) -> pipeline.CommunitiesAndRank:
    """Leiden and PageRank inside Neo4j through GDS; ``UserError`` when it is not there."""
    if params.engine == "gds" and params.algorithm != "leiden":
        raise UserError("engine: gds runs Leiden; algorithm must be leiden", 2)
    version = gds_io.gds_version(store)
    if version is None:
        raise UserError("engine: gds needs the Neo4j backend with the Graph Data Science "
                        f"library loaded (backend here: {store.dialect}; gds.version() "
                        "did not answer)", 2)

    def engine(person_ids: list[str]) -> tuple[Any, Any]:
        return gds_io.leiden_and_pagerank(store, person_ids, resolution=params.resolution,
                                          seed=params.seed)

    return engine


def run_analysis(store: GraphStore, weights: Weights, params: AnalyzeParams,
                 echo: Echo | None = None,
                 data: AnalyticsInput | None = None) -> tuple[str, AnalysisResult]:
    """Read, analyse and publish one analyze Run; returns its id and the result.

    On failure the run is marked ``failed``, what it wrote is removed, and the error is
    raised again; the previous run stays current.
    """
    say = echo or (lambda _m: None)
    engine = _gds_engine(store, params) if params.engine != "python" else None
    run_id = start_run(store, "analyze", params.__dict__,
                       run_id=analytics_io.new_analyze_run_id())
    try:
        data = load_input(store, say) if data is None else data
        if data.persons.empty:
            raise UserError("the graph has no persons: run kolgraph ingest first")
        result = pipeline.analyze(data, weights, algorithm=params.algorithm,
                                  resolution=params.resolution, seed=params.seed,
                                  engine=engine)
        result.metrics["engine"] = params.engine
        analytics_io.write_communities(store, run_id, result.communities,
                                       result.persons[["person_id", "community_id"]])
        analytics_io.stage_person_values(store, run_id, result.persons)
        metrics = {**result.metrics, "top_kols": result.persons.nsmallest(
            10, "kol_rank")["person_id"].tolist()}
        analytics_io.publish_run(store, run_id, metrics)
    except BaseException as exc:
        analytics_io.abandon_run(store, run_id, f"{type(exc).__name__}: {exc}")
        raise
    deleted = analytics_io.delete_older_communities(store, run_id)
    say(f"run {run_id} complete; removed {deleted} communities of older runs")
    return run_id, result


def _stderr(message: str) -> None:
    click.echo(message, err=True)


def _summary(run_id: str, result: AnalysisResult) -> dict[str, Any]:
    persons = result.persons
    top = persons.nsmallest(10, "kol_rank")
    return {
        "run_id": run_id,
        "metrics": result.metrics,
        "communities": result.communities[["community_id", "size", "label", "top_platform",
                                           "density"]].head(20).to_dict("records"),
        "top_kols": [{"kol_rank": int(r.kol_rank), "person_id": r.person_id,
                      "display_name": r.display_name or "",
                      "community_id": int(r.community_id), "kol_score": float(r.kol_score),
                      "pagerank": float(r.pagerank), "reach": int(r.reach)}
                     for r in top.itertuples()],
        "overlap": result.overlap.head(5).to_dict("records"),
    }


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
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def analyze(ctx: click.Context, algorithm: str, resolution: float, seed: int,
            weights_file: Path | None, engine: str, as_json: bool) -> None:
    """Detect communities, rank KOLs and record the results as an analyze run.

    Prints the number of communities, the modularity, the largest communities and the top
    10 KOLs. Readers keep seeing the previous run until this one is complete.
    """
    if resolution <= 0:
        raise UserError(f"--resolution: must be > 0, got {resolution}", 2)
    weights = weights_option(weights_file)
    params = AnalyzeParams(algorithm, resolution, seed,
                           str(weights_file) if weights_file else None, engine)
    with store_from(ctx) as store:
        run_id, result = run_analysis(store, weights, params, _stderr)
    summary = _summary(run_id, result)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    m = result.metrics
    click.echo(f"run {run_id}: {m['persons']} persons, {m['projection_edges']} ties, "
               f"{m['communities']} communities ({algorithm}, resolution {resolution}), "
               f"modularity {m['modularity']:.4f}")
    click.echo("\nlargest communities:")
    write_rows(summary["communities"], ["community_id", "size", "label", "top_platform",
                                        "density"], "table")
    click.echo("\ntop 10 KOLs:")
    write_rows(summary["top_kols"], ["kol_rank", "person_id", "display_name", "community_id",
                                     "kol_score", "pagerank", "reach"], "table")
    if summary["overlap"]:
        click.echo("\nlargest audience overlaps among the top KOLs:")
        write_rows(summary["overlap"], ["a", "b", "shared", "jaccard"], "table")
