"""The nightly refresh: embed every person with the current model, write the embeddings with
a vector index and the top-K ``RECOMMENDED`` relationships as one ``refresh`` Run.

Visibility: recommendations carry the run id and readers take the latest complete refresh
run, so a new run appears at once when it is marked complete; older runs' relationships
are deleted afterwards. ``Person.embedding`` is overwritten batch by batch (a vector index
can only cover one property), so it may mix two runs while a refresh is writing.

Resuming: the run's state (model, data fingerprint, batches written) is checkpointed to
``KOLGRAPH_HOME/refresh/<run_id>/``; a refresh that finds an unfinished run for the same
model, data and parameters continues it and skips the batches already written.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gnn.data.graph import GraphData
from gnn.jobs import Log, load_graph, train_job
from gnn.recommend import Candidates, prepare, recommend_batch
from gnn.registry import LoadedModel, RegistryError, current_model_id, load_model
from gnn.train import TrainParams
from graph.store import gnn_io
from graph.store.base import GraphStore
from graph.store.runs import finish_run, get_run, start_run

BarFactory = Callable[[int, str], Any]


class RefreshError(RuntimeError):
    """The refresh cannot run (e.g. no model good enough to promote); says why."""


@dataclass
class RefreshOptions:
    k: int = 10
    retrain: bool = False
    seed: int = 0
    device: str = "auto"
    batch_persons: int = 2000
    embedding_batch: int = 2000
    train_params: TrainParams | None = None


@dataclass
class RefreshResult:
    run_id: str
    model_id: str
    persons: int
    recommendations: int
    resumed: bool
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


def _model(store: GraphStore, models_dir: Path, data: GraphData, opts: RefreshOptions,
           log: Log) -> tuple[LoadedModel, str | None]:
    trained = None
    if opts.retrain or current_model_id(models_dir) is None:
        params = opts.train_params or TrainParams(seed=opts.seed, device=opts.device)
        outcome = train_job(store, models_dir, data, params, log=log)
        log(outcome.table)
        log(("promoted " if outcome.promoted else "not promoted ")
            + f"{outcome.model_id}: {outcome.decision}")
        trained = outcome.model_id
    try:
        return load_model(models_dir), trained
    except RegistryError as exc:
        raise RefreshError("no current model: the trained model did not beat the best "
                           "heuristic on validation Hits@50, so there is nothing to "
                           "refresh with: train longer (kolgraph train --epochs N) or make a "
                           "model current by hand (kolgraph models, then kolgraph models "
                           "--promote MODEL_ID)") from exc


def refresh(store: GraphStore, home: Path, opts: RefreshOptions | None = None,
            log: Log | None = None, bar: BarFactory | None = None,
            on_batch: Callable[[int], None] | None = None) -> RefreshResult:
    """Run (or resume) one refresh; see the module docstring. ``on_batch`` is called after
    each written recommendation batch with its index."""
    opts = opts or RefreshOptions()
    log = log or (lambda _m: None)
    models_dir = home / "models"
    data = load_graph(store)
    if data.num_persons == 0:
        raise RefreshError("the graph has no Person nodes; run kolgraph ingest first")
    loaded, trained = _model(store, models_dir, data, opts, log)
    wanted = {"model_id": loaded.model_id, "fingerprint": data.fingerprint(), "k": opts.k,
              "seed": opts.seed, "batch_persons": opts.batch_persons}
    root = home / "refresh"
    state = _resumable(store, root, wanted)
    resumed = state is not None
    if state is None:
        run_id = start_run(store, "refresh", {**wanted, "device": opts.device})
        state = _State(root / run_id, {**wanted, "run_id": run_id})
        state.save()
    run_id = state.values["run_id"]
    log(("resuming " if resumed else "starting ") + f"refresh {run_id} with model "
        f"{loaded.model_id}")
    # on failure the run stays 'running' with its checkpoint: the next refresh resumes it
    written = _write_all(store, loaded, data, opts, state, bar, on_batch)
    finish_run(store, run_id, {"model_id": loaded.model_id, "persons": data.num_persons,
                               "recommendations": written, "k": opts.k,
                               "resumed": resumed})
    removed = gnn_io.delete_other_recommendations(store, run_id)
    log(f"refresh {run_id} complete: {written} recommendations for {data.num_persons} "
        f"persons; {removed} older recommendations removed")
    shutil.rmtree(state.folder, ignore_errors=True)
    return RefreshResult(run_id, loaded.model_id, data.num_persons, written, resumed, trained)


def _bar(bar: BarFactory | None, total: int, desc: str) -> Any:
    if bar is None:
        class _Null:
            def update(self, _n: int) -> None: ...
            def close(self) -> None: ...
        return _Null()
    return bar(total, desc)


def _write_all(store: GraphStore, loaded: LoadedModel, data: GraphData,
               opts: RefreshOptions, state: _State, bar: BarFactory | None,
               on_batch: Callable[[int], None] | None) -> int:
    run_id = state.values["run_id"]
    inf = prepare(loaded.model, loaded.schema, data, opts.device)
    emb = inf.person_embeddings
    gnn_io.ensure_vector_index(store, emb.shape[1])
    ids = data.person_ids
    done = state.done("embedding_batches")
    progress = _bar(bar, data.num_persons, "embeddings")
    for b, lo in enumerate(range(0, data.num_persons, opts.embedding_batch)):
        hi = min(lo + opts.embedding_batch, data.num_persons)
        if b not in done:
            rows = [{"person_id": str(ids[i]), "embedding": emb[i].tolist()}
                    for i in range(lo, hi)]
            gnn_io.write_embeddings(store, rows, run_id)
            state.mark("embedding_batches", b)
        progress.update(hi - lo)
    progress.close()
    cand = Candidates.build(inf)
    done = state.done("recommendation_batches")
    written = int(state.values.get("written", 0))
    progress = _bar(bar, data.num_persons, "recommendations")
    for b, lo in enumerate(range(0, data.num_persons, opts.batch_persons)):
        hi = min(lo + opts.batch_persons, data.num_persons)
        if b not in done:
            recs = recommend_batch(inf, cand, np.arange(lo, hi), opts.k, opts.seed, b)
            for kind in ("people", "content"):
                part = recs[recs["kind"] == kind]
                rows = part[["person_id", "target_id", "score", "rank", "reason"]].to_dict(
                    "records")
                for start in range(0, len(rows), 5000):
                    gnn_io.write_recommendations(store, rows[start:start + 5000], run_id, kind)
            written += len(recs)
            state.values["written"] = written
            state.mark("recommendation_batches", b)
            if on_batch:
                on_batch(b)
        progress.update(hi - lo)
    progress.close()
    return written
