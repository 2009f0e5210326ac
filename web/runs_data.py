"""Runs and the model registry, for the Runs page and its API: run history with metrics, the
trained models, and one model's training curve and evaluation table (files of
``KOLGRAPH_HOME/models/<model_id>/``, see ``gnn/registry.py``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import abort

from graph.store.runs import list_runs
from web.context import get_settings, get_store

_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")


def runs(kind: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Runs, newest first (params and metrics decoded)."""
    return list_runs(get_store(), kind, limit=limit)


def models() -> dict[str, Any]:
    """``{"current": id or None, "items": the train use-case's model rows}``."""
    from kolgraph.usecases import train  # imports the GNN code: only when a page needs it

    models_dir = get_settings().models_dir
    return {"current": train.current_model(models_dir), "items": train.models(models_dir)}


def _model_file(model_id: str, name: str) -> Path:
    models_dir = get_settings().models_dir
    if not _MODEL_ID.match(model_id) or not (models_dir / model_id / "model.json").is_file():
        abort(404, description=f"model {model_id!r}: not found")
    return models_dir / model_id / name


def model_curve(model_id: str) -> list[dict[str, Any]]:
    """GraphSAGE's loss (and validation Hits@50 where evaluated) per epoch of one model
    (empty when the model has no GraphSAGE part)."""
    path = _model_file(model_id, "curve.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def model_metrics(model_id: str) -> dict[str, list[dict[str, Any]]]:
    """``ranking``: the recommenders compared as users see them (a row per task and method:
    recall, precision, NDCG at 10/20/50 and MRR on validation pairs); ``secondary``:
    GraphSAGE's own Hits@K against random negatives."""
    raw = json.loads(_model_file(model_id, "metrics.json").read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        return {"ranking": [], "secondary": raw}
    return {"ranking": raw.get("ranking", []),
            "secondary": raw.get("secondary_hits_vs_random_negatives", [])}


def model_evaluation(model_id: str) -> list[dict[str, Any]]:
    """The ranking table of one model (``model_metrics``'s ``ranking``)."""
    return model_metrics(model_id)["ranking"]


def model_id_or_current(model_id: str) -> str:
    """``model_id``, or the current model's id for ``current``; 404 when there is none."""
    if model_id != "current":
        return model_id
    current = models()["current"]
    if current is None:
        abort(404, description="no current model yet: run kolgraph train or refresh")
    return str(current)
