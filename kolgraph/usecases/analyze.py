"""Analyze: communities, KOL ranking and audience overlap, written back as an analyze Run.

``load_input`` reads what the analysis needs out of the store; ``run_analysis`` runs it and
publishes the result (Community nodes, IN_COMMUNITY, Person values) as one analyze Run, so
the previous run stays visible until the new one is complete; ``summary`` is what a front end
shows of it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.analytics import community_ids, pipeline
from graph.analytics.choices import ALGORITHMS, DEFAULT_ALGORITHM, ENGINES
from graph.analytics.pipeline import AnalysisResult, AnalyticsInput
from graph.analytics.weights import Weights, WeightsError, load_weights
from graph.errors import InvalidInput, NotFound, NotReady
from graph.store import analytics_io, gds_io
from graph.store.base import GraphStore
from graph.store.runs import add_metrics, start_run

Echo = Callable[[str], None]

__all__ = ["ALGORITHMS", "DEFAULT_ALGORITHM", "ENGINES", "MAX_NAME_LENGTH", "AnalyzeParams",
           "check_params", "load_input", "rename_community", "run_analysis", "summary",
           "weights_from"]

#: The longest name an admin may give a community (characters).
MAX_NAME_LENGTH = 60


def _quiet(_message: str) -> None:
    pass


@dataclass(frozen=True)
class AnalyzeParams:
    """The parameters of one analyze run (recorded in ``Run.params``)."""

    algorithm: str = DEFAULT_ALGORITHM
    resolution: float = 1.0
    seed: int = 0
    weights_file: str | None = None
    engine: str = "python"  # or "gds": Leiden and PageRank inside Neo4j (graph/store/gds_io)
    #: The "now" that the ties' recency is measured from (epoch seconds); ``None``: the
    #: run's clock (never a time taken from the data). Set it for a reproducible run.
    as_of: float | None = None
    #: Communities with fewer persons are folded into the unassigned bucket (id 0).
    min_community_size: int = community_ids.DEFAULT_MIN_SIZE
    #: Smallest member overlap (Jaccard) for a community to keep the previous run's id.
    match_jaccard: float = community_ids.DEFAULT_MIN_JACCARD


def check_params(params: AnalyzeParams) -> AnalyzeParams:
    """``params`` when its values are usable; ``InvalidInput`` naming the first that is not.

    >>> check_params(AnalyzeParams(resolution=0))
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInput: resolution: must be > 0, got 0
    """
    if not params.resolution > 0:
        raise InvalidInput("resolution", f"must be > 0, got {params.resolution}")
    if params.engine not in ENGINES:
        raise InvalidInput("engine", f"one of {', '.join(ENGINES)}; got {params.engine!r}")
    if params.engine == "gds" and params.algorithm != "leiden":
        raise InvalidInput("engine", "gds runs Leiden; algorithm must be leiden")
    if params.as_of is not None and not math.isfinite(params.as_of):
        raise InvalidInput("as_of", f"must be a finite epoch time, got {params.as_of}")
    if not 1 <= params.min_community_size <= 1_000_000:
        raise InvalidInput("min_community_size",
                           f"must be between 1 and 1000000, got {params.min_community_size}")
    if not 0 < params.match_jaccard <= 1:
        raise InvalidInput("match_jaccard", f"must be > 0 and <= 1, got {params.match_jaccard}")
    return params


def weights_from(path: Path | str | None) -> Weights:
    """The weights of the file ``path`` (the defaults when ``None``); ``InvalidInput``
    naming ``weights_file`` when it cannot be used."""
    try:
        return load_weights(Path(path) if path is not None else None)
    except WeightsError as exc:
        raise InvalidInput("weights_file", str(exc)) from exc


def load_input(store: GraphStore, echo: Echo | None = None) -> AnalyticsInput:
    """Persons, accounts, account ties and engagements, read out of ``store``."""
    say = echo or _quiet
    persons = analytics_io.read_persons(store)
    accounts = analytics_io.read_accounts(store)
    say(f"read {len(persons)} persons, {len(accounts)} accounts")
    edges = analytics_io.read_interaction_edges(store, accounts)
    engagements = analytics_io.read_engagements(store, accounts)
    say(f"read {len(edges)} account ties, {len(engagements)} engagements")
    return AnalyticsInput(persons, accounts, edges, engagements)


def _gds_engine(store: GraphStore, params: AnalyzeParams) -> pipeline.CommunitiesAndRank:
    """Leiden and PageRank inside Neo4j through GDS; ``InvalidInput`` when it is not there."""
    version = gds_io.gds_version(store)
    if version is None:
        raise InvalidInput("engine", "gds needs the Neo4j backend with the Graph Data Science "
                           f"library loaded (backend here: {store.dialect}; gds.version() "
                           "did not answer)")

    def engine(person_ids: list[str]) -> tuple[Any, Any]:
        return gds_io.leiden_and_pagerank(store, person_ids, resolution=params.resolution,
                                          seed=params.seed)

    return engine


def run_analysis(store: GraphStore, weights: Weights, params: AnalyzeParams,
                 echo: Echo | None = None,
                 data: AnalyticsInput | None = None) -> tuple[str, AnalysisResult]:
    """Read, analyse and publish one analyze Run; returns its id and the result.

    Invalid parameters raise ``InvalidInput`` before anything is written; on a later failure
    the run is marked ``failed``, what it wrote is removed, and the error is raised again;
    the previous run stays current.
    """
    say = echo or _quiet
    check_params(params)
    engine = _gds_engine(store, params) if params.engine != "python" else None
    run_id = start_run(store, "analyze", params.__dict__)
    try:
        clock = time.perf_counter()
        data = load_input(store, say) if data is None else data
        previous = analytics_io.previous_communities(store)
        read_s = time.perf_counter() - clock
        if data.persons.empty:
            raise NotReady("the graph has no persons: run kolgraph ingest first")
        clock = time.perf_counter()
        result = pipeline.analyze(data, weights, algorithm=params.algorithm,
                                  resolution=params.resolution, seed=params.seed,
                                  now=time.time() if params.as_of is None else params.as_of,
                                  engine=engine,
                                  min_community_size=params.min_community_size)
        result.metrics["engine"] = params.engine
        _stable_ids(previous, result, params, say)
        result.metrics.update({"read_s": round(read_s, 3),
                               "pipeline_s": round(time.perf_counter() - clock, 3)})
        clock = time.perf_counter()
        # the community nodes first; each person's membership is written with its values
        analytics_io.write_communities(store, run_id, result.communities)
        analytics_io.stage_person_values(store, run_id, result.persons, memberships=True)
        metrics = {**result.metrics, "top_kols": result.persons.nsmallest(
            10, "kol_rank")["person_id"].tolist()}
        analytics_io.publish_run(store, run_id, metrics)
    except BaseException as exc:
        analytics_io.abandon_run(store, run_id, f"{type(exc).__name__}: {exc}")
        raise
    deleted = analytics_io.delete_older_communities(store, run_id)
    # the whole write-back, cleaning up included: known only after the run was published
    result.metrics["write_s"] = round(time.perf_counter() - clock, 3)
    add_metrics(store, run_id, {"write_s": result.metrics["write_s"]})
    say(f"run {run_id} complete; removed {deleted} communities of older runs")
    return run_id, result


def _stable_ids(current: tuple[str | None, Any, dict[int, str], int], result: AnalysisResult,
                params: AnalyzeParams, say: Echo) -> None:
    """Replace the partition numbers of ``result`` by ids kept from the ``current`` run
    (``analytics_io.previous_communities``: matched by member overlap), carry the admins'
    names over, and record lineage, splits and merges in the metrics."""
    previous_run, previous, names, next_id = current
    new = result.persons[["person_id", "community_id"]].rename(
        columns={"community_id": "community"})
    ids = community_ids.stable_ids(new, previous, next_id=next_id,
                                   unassigned=result.unassigned,
                                   min_jaccard=params.match_jaccard)
    result.persons, result.communities = community_ids.apply_ids(
        result.persons, result.communities, ids, names)
    changes = community_ids.splits_and_merges(ids.lineage)
    kept = len(ids.jaccard)
    result.metrics.update({"previous_run": previous_run, "next_community_id": ids.next_id,
                           "communities_kept_id": kept, **changes})
    say(f"{kept} communities kept their id from {previous_run or 'no previous run'}; "
        f"{len(changes['splits'])} splits, {len(changes['merges'])} merges")


def rename_community(store: GraphStore, community_id: int, name: str) -> str:
    """Give community ``community_id`` of the current analyze run the name ``name`` (shown
    instead of its label; kept by later runs while the community keeps its id); ``""``
    clears it. Returns the name stored. ``InvalidInput`` names ``name`` or ``community_id``;
    ``NotFound`` when the current run has no such community; ``NotReady`` before any run."""
    clean = " ".join(name.split())
    if "\x00" in name:
        raise InvalidInput("name", "must not contain NUL characters")
    if len(clean) > MAX_NAME_LENGTH:
        raise InvalidInput("name", f"at most {MAX_NAME_LENGTH} characters, got {len(clean)}")
    if community_id == community_ids.UNASSIGNED_ID:
        raise InvalidInput("community_id", "the unassigned bucket (0) cannot be renamed")
    run_id = analytics_io.current_analyze_run_id(store)
    if run_id is None:
        raise NotReady("no analyze run yet: run kolgraph analyze first")
    if not analytics_io.rename_community(store, run_id, community_id, clean):
        raise NotFound(f"community {community_id}: not in the current analyze run")
    return clean


def _listed(profiles: Any) -> Any:
    """The communities to list: the unassigned bucket left out, largest first."""
    real = profiles[profiles["community_id"] != community_ids.UNASSIGNED_ID]
    if "name" not in real:
        real = real.assign(name="")
    return real.sort_values(["size", "community_id"], ascending=[False, True])


def summary(run_id: str, result: AnalysisResult) -> dict[str, Any]:
    """What to show of an analysis: ``run_id``, ``metrics``, the 20 largest
    ``communities`` (the unassigned bucket left out), the ``top_kols`` (10) and the
    largest audience ``overlap`` among them."""
    top = result.persons.nsmallest(10, "kol_rank")
    return {
        "run_id": run_id,
        "metrics": result.metrics,
        "communities": _listed(result.communities)[
            ["community_id", "size", "label", "name", "top_platform", "density"]]
        .head(20).to_dict("records"),
        "top_kols": [{"kol_rank": int(row["kol_rank"]), "person_id": row["person_id"],
                      "display_name": row["display_name"] or "",
                      "community_id": int(row["community_id"]),
                      "kol_score": float(row["kol_score"]),
                      "pagerank": float(row["pagerank"]), "reach": int(row["reach"])}
                     for row in top.to_dict("records")],
        "overlap": result.overlap.head(5).to_dict("records"),
    }
