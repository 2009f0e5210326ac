"""The whole flow on sample data: schema -> sample -> ingest -> analyze -> (train) -> refresh,
through the use-cases, as ``kolgraph demo``, the web tests' set-up and the web benchmark run
it — each with its own ``FlowOptions``.

A sample folder that already holds a complete sample is not written again; with
``reuse=True`` the steps whose results the store already holds are skipped too (an analyze
run: sample, ingest and analyze; a refresh run: train and refresh), for benchmarks that
prepare a large home once.

Each step's use-case is imported when the flow runs, so that importing this module (the CLI
does, to list its commands) costs nothing.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.config import Settings
from graph.store.base import GraphStore
from graph.store.runs import current_run

STEPS = ("schema", "sample", "ingest", "analyze", "train", "refresh")


@dataclass(frozen=True)
class FlowOptions:
    """What to run. ``seed`` seeds the sample, the analysis and the models.

    ``sample_dir``: the sample folder (default ``HOME/demo/sample-PERSONS-SEED``);
    ``extra_inputs``: folders ingested after the sample; ``train_epochs``: train a model for
    that many epochs first when none is current, and make the newest model current whatever
    its quality (pages and load tests need recommendations of a model); ``None`` leaves it
    to the refresh (it trains one when there is none, promoted only when it beats the
    heuristics); ``k``, ``device``: of the refresh.
    """

    persons: int = 3000
    seed: int = 7
    sample_dir: Path | None = None
    extra_inputs: tuple[Path, ...] = ()
    train_epochs: int | None = None
    k: int = 10
    device: str = "auto"
    reuse: bool = False


class Reporter:
    """What the flow tells its caller: ``start`` and ``done`` of each step (with its result
    and duration) and the steps' progress messages (``log``). This one says nothing."""

    def start(self, step: str, detail: str) -> None:
        """Step ``step`` (one of ``STEPS``) begins; ``detail`` says on what."""

    def done(self, step: str, result: Any, seconds: float) -> None:
        """Step ``step`` ended with ``result`` (``None`` when it was skipped)."""

    def log(self, message: str) -> None:
        """A progress message of a step."""


@dataclass
class FlowResult:
    """The results of the steps that ran (``None`` or empty when skipped), and the time of
    each step in seconds."""

    sample_dir: Path
    schema: list[str] = field(default_factory=list)
    sample: Any = None           # graph.ingest.sample.SampleSummary
    ingests: list[Any] = field(default_factory=list)  # graph.ingest.report.IngestReport
    analysis: tuple[str, Any] | None = None  # run id, graph.analytics AnalysisResult
    model: str | None = None     # the model made current by the train step
    refresh: Any = None          # gnn.refresh.RefreshResult
    seconds: dict[str, float] = field(default_factory=dict)


def run_flow(store: GraphStore, settings: Settings, options: FlowOptions | None = None,
             reporter: Reporter | None = None) -> FlowResult:
    """Run the flow on ``store`` with the home, salt and models of ``settings``."""
    from kolgraph.usecases import db, sample
    from kolgraph.usecases.analyze import AnalyzeParams, run_analysis, weights_from
    from kolgraph.usecases.ingest import ingest

    options = options or FlowOptions()
    say = reporter or Reporter()
    folder = options.sample_dir or \
        settings.home / "demo" / f"sample-{options.persons}-{options.seed}"
    out = FlowResult(sample_dir=folder)

    def step(name: str, detail: str, work: Callable[[], Any]) -> Any:
        say.start(name, detail)
        started = time.monotonic()
        result = work()
        out.seconds[name] = out.seconds.get(name, 0.0) + time.monotonic() - started
        say.done(name, result, time.monotonic() - started)
        return result

    out.schema = step("schema", store.dialect, lambda: db.apply_schema(store))
    analysed = options.reuse and current_run(store, "analyze") is not None
    if not analysed:
        if not sample.sample_complete(folder, options.persons):
            out.sample = step("sample", str(folder), lambda: sample.make_sample(
                folder, persons=options.persons, seed=options.seed))
        if not (options.reuse and current_run(store, "ingest") is not None):
            for inputs in (folder, *options.extra_inputs):
                out.ingests.append(step("ingest", str(inputs),
                                        functools.partial(ingest, store, settings, inputs)))
        out.analysis = step("analyze", f"seed {options.seed}", lambda: run_analysis(
            store, weights_from(None),
            AnalyzeParams(seed=options.seed, min_community_size=settings.min_community_size,
                          match_jaccard=settings.community_match), say.log))
    if options.reuse and current_run(store, "refresh") is not None:
        return out
    if options.train_epochs is not None:
        out.model = step("train", f"{options.train_epochs} epochs",
                         lambda: _current_model(store, settings, options, say.log))
    out.refresh = step("refresh", f"k {options.k}", lambda: _refresh(store, settings, options,
                                                                     say.log))
    return out


def _current_model(store: GraphStore, settings: Settings, options: FlowOptions,
                   log: Callable[[str], None]) -> str:
    """Train a model when the home has none, and make the newest model current whatever its
    quality; its id."""
    from gnn.train import TrainParams
    from kolgraph.usecases.models import current_model, models, promote
    from kolgraph.usecases.train import FitParams, train

    models_dir = settings.models_dir
    current = current_model(models_dir)
    if current is not None:
        return current
    if not models(models_dir):
        assert options.train_epochs is not None
        train(store, models_dir, FitParams(
            gnn=TrainParams(epochs=options.train_epochs, seed=options.seed,
                            device=options.device), seed=options.seed), log=log)
    newest = str(models(models_dir)[0]["model_id"])
    promote(models_dir, newest)
    return newest


def _refresh(store: GraphStore, settings: Settings, options: FlowOptions,
             log: Callable[[str], None]) -> Any:
    from kolgraph.usecases.refresh import RefreshOptions, TrainParams, refresh

    return refresh(store, settings.home, RefreshOptions(
        k=options.k, seed=options.seed, device=options.device,
        train_params=TrainParams(seed=options.seed, device=options.device)), log=log)
