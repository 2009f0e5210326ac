"""Train: fit the recommender (GraphSAGE embeddings and a learned ranker per task), compare
it with every heuristic and promote it when it beats them. Importing it imports PyTorch;
listing and promoting models by hand is ``kolgraph.usecases.models``, which does not."""

from __future__ import annotations

from pathlib import Path

from gnn.fit import FitParams
from gnn.jobs import Log, TrainOutcome, load_graph, train_job
from graph.store.base import GraphStore

__all__ = ["FitParams", "TrainOutcome", "train"]


def train(store: GraphStore, models_dir: Path, params: FitParams,
          log: Log | None = None) -> TrainOutcome:
    """Train on the graph in ``store``, save the model under ``models_dir`` as a train run,
    and make it current only when it beats the best heuristic of a task on validation."""
    data = load_graph(store)
    if log is not None:
        log(f"graph: {data.counts()}")
    return train_job(store, models_dir, data, params, log=log)

