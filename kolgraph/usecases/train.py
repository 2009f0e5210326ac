"""Train: fit the recommender (GraphSAGE embeddings and a learned ranker per task), compare
it with every heuristic and promote it when it beats them; list the trained models and make
one current by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gnn.fit import FitParams
from gnn.jobs import Log, TrainOutcome, load_graph, train_job
from gnn.registry import RegistryError, current_model_id, list_models, set_current
from graph.errors import NotFound
from graph.store.base import GraphStore

__all__ = ["FitParams", "TrainOutcome", "current_model", "models", "promote", "train"]


def train(store: GraphStore, models_dir: Path, params: FitParams,
          log: Log | None = None) -> TrainOutcome:
    """Train on the graph in ``store``, save the model under ``models_dir`` as a train run,
    and make it current only when it beats the best heuristic of a task on validation."""
    data = load_graph(store)
    if log is not None:
        log(f"graph: {data.counts()}")
    return train_job(store, models_dir, data, params, log=log)


def models(models_dir: Path) -> list[dict[str, Any]]:
    """The trained models, newest first (``current`` is ``*`` for the current one)."""
    return list_models(models_dir)


def current_model(models_dir: Path) -> str | None:
    """The id of the current model, ``None`` before any model was promoted."""
    return current_model_id(models_dir)


def promote(models_dir: Path, model_id: str) -> None:
    """Make ``model_id`` the current model (an operator's decision, whatever its scores)."""
    try:
        set_current(models_dir, model_id)
    except RegistryError as exc:
        raise NotFound(str(exc), param="model_id") from exc
