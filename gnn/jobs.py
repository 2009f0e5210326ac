"""Jobs that wire the store to the pure GNN code: read the graph, train and register.

Only these jobs (and ``gnn/refresh.py``) touch a store, always through
``graph.store.gnn_io``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gnn.data.graph import GraphData
from gnn.evaluate import format_table, promotion_decision
from gnn.registry import current_model_id, save_model, set_current
from gnn.train import TrainParams, TrainResult, train
from graph.store import gnn_io
from graph.store.base import GraphStore
from graph.store.runs import finish_run, start_run, utc_now

Log = Callable[[str], None]


def load_graph(store: GraphStore) -> GraphData:
    """Persons, their ties, contents and engagements from the store, as ``GraphData``."""
    return GraphData.from_frames(gnn_io.read_persons(store), gnn_io.read_person_edges(store),
                                 gnn_io.read_contents(store), gnn_io.read_engagements(store))


@dataclass
class TrainOutcome:
    model_id: str
    promoted: bool
    decision: str
    previous: str | None
    result: TrainResult
    table: str


def train_job(store: GraphStore, models_dir: Path, data: GraphData, params: TrainParams,
              log: Log | None = None) -> TrainOutcome:
    """Train on ``data``, save the model under ``models_dir`` as a ``train`` Run, and make
    it current only when it beats the best heuristic on validation Hits@50."""
    if data.num_persons < 10 or len(data.pp_src) < 20:
        raise ValueError(f"too little data to train on: {data.num_persons} persons, "
                         f"{len(data.pp_src)} ties (need at least 10 and 20)")
    run_id = start_run(store, "train", params.to_dict())
    try:
        result = train(data, params, log=log)
    except BaseException:
        finish_run(store, run_id, {"error": "training failed"}, status="failed")
        raise
    promoted, decision = promotion_decision(result.metrics)
    previous = current_model_id(models_dir)
    save_model(models_dir, run_id, result, promoted=promoted, decision=decision,
               created_at=utc_now())
    if promoted:
        set_current(models_dir, run_id)
    finish_run(store, run_id, {"promoted": promoted, "decision": decision,
                               "counts": result.counts, "epochs": result.epochs_run})
    return TrainOutcome(run_id, promoted, decision, previous, result,
                        format_table(result.metrics))
