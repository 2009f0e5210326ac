"""The model registry: one folder per trained model under ``KOLGRAPH_HOME/models/``.

``models/<model_id>/`` holds ``weights.pt`` (state dict), ``model.json`` (architecture,
creation time, promotion decision), ``feature_schema.json``, ``metrics.json`` (the table
rows), ``params.json``, ``counts.json`` (data sizes) and ``curve.json`` (loss and validation
Hits@50 per epoch). ``models/CURRENT`` names the current model.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from gnn.data.features import FeatureSchema, FeatureSchemaError
from gnn.evaluate import GNN, best_heuristic, method_value
from gnn.nn.model import LinkPredictor
from gnn.train import TrainResult

CURRENT = "CURRENT"


class RegistryError(RuntimeError):
    """A model folder is missing or unreadable; the message names the path."""


@dataclass
class LoadedModel:
    model_id: str
    model: LinkPredictor
    schema: FeatureSchema
    info: dict[str, Any]


def _write_json(path: Path, value: object) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)


def save_model(models_dir: Path, model_id: str, result: TrainResult, *, promoted: bool,
               decision: str, created_at: str) -> Path:
    """Write every file of one model; return its folder."""
    folder = models_dir / model_id
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(result.model.state_dict(), folder / "weights.pt")
    _write_json(folder / "model.json", {
        "model_id": model_id, "created_at": created_at, "config": result.model.config,
        "promoted": promoted, "decision": decision, "epochs_run": result.epochs_run,
        "seconds_per_epoch": result.seconds_per_epoch})
    _write_json(folder / "feature_schema.json", result.schema.to_dict())
    _write_json(folder / "metrics.json", result.metrics)
    _write_json(folder / "params.json", result.params.to_dict())
    _write_json(folder / "counts.json", result.counts)
    _write_json(folder / "curve.json", result.curve)
    return folder


def set_current(models_dir: Path, model_id: str) -> None:
    """Make ``model_id`` the current model (atomic rename of ``CURRENT``)."""
    if not (models_dir / model_id / "weights.pt").exists():
        raise RegistryError(f"{models_dir / model_id}: no such model")
    tmp = models_dir / (CURRENT + ".tmp")
    tmp.write_text(model_id + "\n", encoding="utf-8")
    os.replace(tmp, models_dir / CURRENT)


def current_model_id(models_dir: Path) -> str | None:
    """The id in ``models/CURRENT``, or ``None`` when no model was promoted yet."""
    path = models_dir / CURRENT
    if not path.exists():
        return None
    return path.read_text(encoding="utf-8").strip() or None


def load_model(models_dir: Path, model_id: str | None = None) -> LoadedModel:
    """Load one model (default: the current one) with its schema."""
    model_id = model_id or current_model_id(models_dir)
    if model_id is None:
        raise RegistryError(f"{models_dir}: no current model; run kolgraph train")
    folder = models_dir / model_id
    try:
        info = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        raw_schema = json.loads((folder / "feature_schema.json").read_text(encoding="utf-8"))
        state = torch.load(folder / "weights.pt", map_location="cpu", weights_only=True)
    except FileNotFoundError as exc:
        raise RegistryError(f"{folder}: incomplete model folder ({exc.filename} missing)") \
            from exc
    schema = FeatureSchema.from_dict(raw_schema)
    config = info["config"]
    if int(config["in_dim"]) != schema.dim:
        raise FeatureSchemaError(
            f"{folder / 'feature_schema.json'}: {schema.dim} features, but the weights "
            f"expect in_dim={config['in_dim']}")
    model = LinkPredictor(**config)
    model.load_state_dict(state)
    model.eval()
    return LoadedModel(model_id, model, schema, info)


def list_models(models_dir: Path) -> list[dict[str, Any]]:
    """One summary row per model folder, newest first."""
    current = current_model_id(models_dir)
    rows = []
    if not models_dir.exists():
        return rows
    for folder in sorted(models_dir.iterdir(), reverse=True):
        info_path = folder / "model.json"
        if not folder.is_dir() or not info_path.exists():
            continue
        info = json.loads(info_path.read_text(encoding="utf-8"))
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        counts = json.loads((folder / "counts.json").read_text(encoding="utf-8"))
        name, best = best_heuristic(metrics, "val", "people")
        rows.append({
            "model_id": folder.name, "current": "*" if folder.name == current else "",
            "created_at": info.get("created_at"), "promoted": info.get("promoted"),
            "persons": counts.get("persons"), "epochs": info.get("epochs_run"),
            "val_hits50_people": method_value(metrics, "val", "people", GNN),
            "best_heuristic_people": f"{name} {best:.4f}",
            "val_hits50_content": method_value(metrics, "val", "content", GNN),
            "test_hits50_people": method_value(metrics, "test", "people", GNN)})
    return rows
