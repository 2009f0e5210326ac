"""The nightly refresh: embed every person with GraphSAGE, write the embeddings with a
vector index and the top-K ``RECOMMENDED`` relationships of each kind as one ``refresh`` Run.

Which recommender writes each kind: the current model's choice (its learned ranker where it
beat every heuristic on validation recall@K, else the best heuristic, calibrated); with no
current model, the best heuristic of the newest trained model's comparison, or of a quick
comparison on the current data when no model was ever trained. The run records which
recommender produced each kind (``metrics.recommender``). A refresh always writes
recommendations.

Visibility: recommendations carry the run id and readers take the latest complete refresh
run, so a new run appears at once when it is marked complete; older runs' relationships
are deleted afterwards. Embeddings are staged batch by batch (``Person.embedding_stage``)
and published as ``Person.embedding`` (the property of the vector index) in the same write
query that marks the run complete: readers see all of a run or none of it.

Resuming: the run's state (recommenders, data fingerprint, batches written) is checkpointed
to ``KOLGRAPH_HOME/refresh/<run_id>/``; a refresh that finds an unfinished run for the same
plan, data and parameters continues it (recording itself as the run's process) and skips the
batches already written. Any other run whose process is gone is marked ``interrupted`` and
its staged output removed when the refresh starts (``graph.store.runs``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from gnn.data.graph import GraphData
from gnn.fit import FitParams, choose_heuristics
from gnn.jobs import Log, load_graph, train_job
from gnn.pairs import Embeddings, RecGraph
from gnn.recommend import embed_graph, recommend_batch
from gnn.recommenders import DEFAULT_HEURISTIC, Heuristic, Recommender
from gnn.registry import LoadedModel, current_model_id, latest_model_id, load_model
from gnn.train import TrainParams
from graph.errors import KolgraphError
from graph.store import gnn_io
from graph.store.base import GraphStore
from graph.store.runs import claim_run, get_run, recover_interrupted, start_run

if TYPE_CHECKING:
    import pandas as pd

#: Recommendations per write query (one transaction each) of a refresh.
REC_WRITE_ROWS = 5000


class Progress(Protocol):
    """What a refresh calls on a progress bar (a ``tqdm`` bar has both)."""

    def update(self, n: int, /) -> object: ...

    def close(self) -> None: ...


#: Makes a progress bar of ``total`` steps described by ``desc``; it returns a ``Progress``
#: (typed ``Any`` until the command-line side types its bar factory).
BarFactory = Callable[[int, str], Any]


class RefreshError(KolgraphError, RuntimeError):
    """The refresh cannot run (e.g. no model good enough to promote); says why."""


@dataclass
class RefreshOptions:
    k: int = 10
    retrain: bool = False
    seed: int = 0
    device: str = "auto"
    batch_persons: int = 2000
    #: Chunks of a batch computed at once (threads): one per core, at most 2.
    workers: int = field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)))
    embedding_batch: int = 2000
    train_params: TrainParams | None = None
    fit_params: FitParams | None = None

    def fit(self) -> FitParams:
        """The training parameters when this refresh trains a model."""
        if self.fit_params is not None:
            return self.fit_params
        gnn = self.train_params or TrainParams(seed=self.seed, device=self.device)
        return FitParams(gnn=gnn, seed=self.seed)


@dataclass
class RefreshResult:
    run_id: str
    model_id: str | None
    persons: int
    recommendations: int
    resumed: bool
    trained: str | None
    recommender: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    """What a refresh writes with: a recommender per kind (``labels`` say which), and the
    model whose GraphSAGE embeds the persons (``None``: no embeddings this run)."""

    recommenders: dict[str, Recommender]
    labels: dict[str, str]
    model_id: str | None
    embedder: LoadedModel | None
    trained: str | None


class _State:
    """``state.json`` of one refresh run, saved after every written batch."""

    def __init__(self, folder: Path, values: dict[str, Any]):
        self.folder = folder
        self.values = values

    @classmethod
    def load(cls, folder: Path) -> _State | None:
        try:
            return cls(folder, json.loads((folder / "state.json").read_text("utf-8")))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "state.json.tmp"
        tmp.write_text(json.dumps(self.values), encoding="utf-8")
        os.replace(tmp, self.folder / "state.json")

    def done(self, key: str) -> set[int]:
        return set(self.values.setdefault(key, []))

    def mark(self, key: str, index: int) -> None:
        self.values.setdefault(key, []).append(index)
        self.save()


def _resumable(store: GraphStore, root: Path, wanted: dict[str, Any]) -> _State | None:
    if not root.exists():
        return None
    for folder in sorted(root.iterdir(), reverse=True):
        state = _State.load(folder)
        if state is None or any(state.values.get(k) != v for k, v in wanted.items()):
            continue
        run = get_run(store, state.values["run_id"])
        if run is not None and run["status"] == "running":
            return state
    return None


def _label(model_id: str | None, rec: Recommender) -> str:
    if isinstance(rec, Heuristic):
        return f"heuristic:{rec.name}"
    return f"model:{model_id}:{rec.name}"


def _plan(store: GraphStore, models_dir: Path, data: GraphData, opts: RefreshOptions,
          log: Log) -> Plan:
    trained = None
    if opts.retrain or latest_model_id(models_dir) is None:
        try:
            outcome = train_job(store, models_dir, data, opts.fit(), log=log)
        except ValueError as exc:  # too little data: heuristics below
            log(f"no model trained: {exc}")
        else:
            log(outcome.table)
            log(("promoted " if outcome.promoted else "not promoted ")
                + f"{outcome.model_id}: {outcome.decision}")
            trained = outcome.model_id
    recommenders: dict[str, Recommender] = {}
    model_id = current_model_id(models_dir)
    source = load_model(models_dir, model_id) if model_id else None
    embedder = source
    if source is None and (latest := latest_model_id(models_dir)) is not None:
        embedder = load_model(models_dir, latest)  # its heuristic choice and GraphSAGE
        for kind in embedder.choice:
            rec = embedder.recommender(kind)
            if isinstance(rec, Heuristic):
                recommenders[kind] = rec
    if source is not None:
        for kind in source.choice:
            rec = source.recommender(kind)
            if rec is not None:
                recommenders[kind] = rec
    missing = [k for k in ("people", "content") if k not in recommenders
               and (k == "people" or data.num_contents)]
    if missing:
        chosen, _rows = choose_heuristics(data, opts.fit())
        for kind in missing:
            recommenders[kind] = chosen.get(kind, Heuristic(DEFAULT_HEURISTIC[kind], kind))
    if not data.num_contents:
        recommenders.pop("content", None)
    labels = {kind: _label(model_id, rec) for kind, rec in recommenders.items()}
    if embedder is not None and embedder.model is None:
        embedder = None
    return Plan(recommenders, labels, model_id, embedder, trained)


def refresh(store: GraphStore, home: Path, opts: RefreshOptions | None = None,
            log: Log | None = None, bar: BarFactory | None = None,
            on_batch: Callable[[int], None] | None = None) -> RefreshResult:
    """Run (or resume) one refresh; see the module docstring. ``on_batch`` is called after
    each written recommendation batch with its index."""
    opts = opts or RefreshOptions()
    log = log or (lambda _m: None)
    data = load_graph(store)
    if data.num_persons == 0:
        raise RefreshError("the graph has no Person nodes; run kolgraph ingest first")
    plan = _plan(store, home / "models", data, opts, log)
    embedder_id = plan.embedder.model_id if plan.embedder else None
    wanted = {"recommender": plan.labels, "embedding_model": embedder_id,
              "fingerprint": data.fingerprint(), "k": opts.k, "seed": opts.seed,
              "batch_persons": opts.batch_persons}
    root = home / "refresh"
    state = _resumable(store, root, wanted)
    resumed = state is not None
    if state is not None:
        claim_run(store, state.values["run_id"])
        recover_interrupted(store)
    else:
        run_id = start_run(store, "refresh", {**wanted, "device": opts.device})
        state = _State(root / run_id, {**wanted, "run_id": run_id})
        state.save()
    run_id = state.values["run_id"]
    log(("resuming " if resumed else "starting ") + f"refresh {run_id}: "
        + ", ".join(f"{kind} by {label}" for kind, label in plan.labels.items())
        + (f"; embeddings by {embedder_id}" if embedder_id else "; no embedding model"))
    # on failure the run stays 'running' with its checkpoint: the next refresh resumes it
    written = _write_all(store, plan, data, opts, state, bar, on_batch, log)
    gnn_io.complete_refresh_run(store, run_id, {
        "model_id": plan.model_id, "recommender": plan.labels, "embedding_model": embedder_id,
        "persons": data.num_persons, "recommendations": written, "k": opts.k,
        "resumed": resumed})
    removed = gnn_io.delete_other_recommendations(store, run_id)
    log(f"refresh {run_id} complete: {written} recommendations for {data.num_persons} "
        f"persons; {removed} older recommendations removed")
    shutil.rmtree(state.folder, ignore_errors=True)
    return RefreshResult(run_id, plan.model_id, data.num_persons, written, resumed,
                         plan.trained, plan.labels)


def _bar(bar: BarFactory | None, total: int, desc: str) -> Progress:
    if bar is None:
        class _Null:
            def update(self, _n: int) -> None: ...
            def close(self) -> None: ...
        return _Null()
    return bar(total, desc)


def _embeddings(plan: Plan, data: GraphData, device: str, log: Log) -> Embeddings | None:
    if plan.embedder is None:
        return None
    model, schema = plan.embedder.model, plan.embedder.schema
    if model is None or schema is None:  # not kept by ``_plan``: it has no GraphSAGE model
        return None
    try:
        return embed_graph(model, schema, data, device)
    except Exception as exc:
        if plan.embedder.model_id == plan.model_id:
            raise  # the current model must fit the data (it says how to retrain)
        log(f"no embeddings this run: model {plan.embedder.model_id} does not fit the "
            f"data ({exc})")
        return None


def _write_all(store: GraphStore, plan: Plan, data: GraphData, opts: RefreshOptions,
               state: _State, bar: BarFactory | None,
               on_batch: Callable[[int], None] | None, log: Log) -> int:
    run_id = state.values["run_id"]
    emb = _embeddings(plan, data, opts.device, log)
    ids = data.person_ids
    if emb is not None:
        vectors = emb.h[: data.num_persons].float().cpu().numpy()
        gnn_io.ensure_vector_index(store, vectors.shape[1])
        done = state.done("embedding_batches")
        progress = _bar(bar, data.num_persons, "embeddings")
        for b, lo in enumerate(range(0, data.num_persons, opts.embedding_batch)):
            hi = min(lo + opts.embedding_batch, data.num_persons)
            if b not in done:
                rows = [{"person_id": str(ids[i]), "embedding": vectors[i].tolist()}
                        for i in range(lo, hi)]
                gnn_io.write_embeddings(store, rows, run_id)
                state.mark("embedding_batches", b)
            progress.update(hi - lo)
        progress.close()
    graph = RecGraph.build(data, embeddings=emb)
    done = state.done("recommendation_batches")
    written = int(state.values.get("written", 0))
    progress = _bar(bar, data.num_persons, "recommendations")

    def finish(sent: Future[int], b: int) -> None:
        nonlocal written
        written += sent.result()
        state.values["written"] = written
        state.mark("recommendation_batches", b)
        if on_batch:
            on_batch(b)

    # Each batch is written by one thread while this one computes the next (the database
    # is another process: the two run at once); batches are marked written in order.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="refresh-write") as pool:
        pending: tuple[Future[int], int] | None = None
        for b, lo in enumerate(range(0, data.num_persons, opts.batch_persons)):
            hi = min(lo + opts.batch_persons, data.num_persons)
            if b not in done:
                persons = np.arange(lo, hi)
                frames = [(kind, recommend_batch(graph, rec, persons, opts.k,
                                                   workers=opts.workers))
                          for kind, rec in plan.recommenders.items()]
                if pending is not None:
                    finish(*pending)
                pending = (pool.submit(_write_recommendations, store, frames, run_id), b)
            progress.update(hi - lo)
        if pending is not None:
            finish(*pending)
    progress.close()
    return written


def _write_recommendations(store: GraphStore, frames: list[tuple[str, pd.DataFrame]],
                           run_id: str) -> int:
    """Write the recommendation frames of one batch (kind, rows), ``REC_WRITE_ROWS`` rows
    a query; returns how many rows."""
    count = 0
    for kind, recs in frames:
        for start in range(0, len(recs), REC_WRITE_ROWS):
            gnn_io.write_recommendation_table(
                store, recs.iloc[start:start + REC_WRITE_ROWS], run_id, kind)
        count += len(recs)
    return count
