"""The model registry: one folder per trained recommender under ``KOLGRAPH_HOME/models/``.

``models/<model_id>/`` holds ``model.json`` (creation time, promotion decision, the
recommender chosen per task, GraphSAGE's architecture), ``recommender.json`` (that choice
and every recommender's calibration), ``metrics.json`` (the ranking table and, labelled as
secondary, GraphSAGE's Hits@K against random negatives), ``params.json``, ``counts.json``;
with a GraphSAGE model ``weights.pt``, ``feature_schema.json`` and ``curve.json``; with a
learned ranker ``ranker_<kind>.txt`` (LightGBM) and ``ranker_<kind>.json``.
``models/CURRENT`` names the current (promoted) model.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gnn.data.features import FeatureSchema, FeatureSchemaError
from gnn.recommenders import LEARNED, LearnedRanker, Recommender
from graph.errors import KolgraphError
from graph.store.faults import file_write_fault

if TYPE_CHECKING:
    from gnn.fit import FitParams, FitResult
    from gnn.nn.model import LinkPredictor

CURRENT = "CURRENT"
KINDS = ("people", "content")


class RegistryError(KolgraphError, RuntimeError):
    """A model folder is missing or unreadable; the message names the path."""


@dataclass
class LoadedModel:
    """A saved recommender: GraphSAGE (when there was enough data), rankers, choices."""

    model_id: str
    model: LinkPredictor | None
    schema: FeatureSchema | None
    info: dict[str, Any]
    rankers: dict[str, LearnedRanker] = field(default_factory=dict)
    choice: dict[str, str] = field(default_factory=dict)
    calibrations: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)

    def recommender(self, kind: str) -> Recommender | None:
        """The recommender this model serves ``kind`` with (``None``: no such task)."""
        from gnn.fit import calibrated_heuristic

        name = self.choice.get(kind)
        if name is None:
            return None
        if name == LEARNED and kind in self.rankers:
            return self.rankers[kind]
        return calibrated_heuristic(kind, name, self.calibrations)


def _write_json(path: Path, value: object) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def save_model(models_dir: Path, model_id: str, result: FitResult, params: FitParams, *,
               created_at: str) -> Path:
    """Write every file of one trained recommender; return its folder.

    The files are written in ``.partial-<model_id>``, renamed to ``<model_id>`` once
    written, and ``model.json`` comes last: a failed save (a full disk: ``DiskFull`` naming
    the file or folder) leaves no folder behind."""
    folder = models_dir / model_id
    partial = models_dir / f".partial-{model_id}"
    renamed = False
    try:
        partial.mkdir(parents=True, exist_ok=True)
        info = _write_model_files(partial, model_id, result, params, created_at=created_at)
        os.replace(partial, folder)
        renamed = True
        _write_json(folder / "model.json", info)  # last: a folder with model.json is complete
    except Exception as exc:
        shutil.rmtree(folder if renamed else partial, ignore_errors=True)
        fault = file_write_fault(exc, models_dir)
        if fault is not None:
            raise fault from exc
        raise
    return folder


def _write_model_files(folder: Path, model_id: str, result: FitResult, params: FitParams,
                       *, created_at: str) -> dict[str, Any]:
    """Every file of the model but ``model.json``; what ``model.json`` is to hold."""
    import torch

    gnn = result.gnn
    info: dict[str, Any] = {
        "model_id": model_id, "created_at": created_at, "promoted": result.promoted,
        "decision": result.decision, "choice": result.choice, "split": result.split,
        "config": gnn.model.config if gnn else None,
        "epochs_run": gnn.epochs_run if gnn else 0,
        "seconds_per_epoch": gnn.seconds_per_epoch if gnn else 0.0}
    if gnn is not None:
        torch.save(gnn.model.state_dict(), folder / "weights.pt")
        _write_json(folder / "feature_schema.json", gnn.schema.to_dict())
        _write_json(folder / "curve.json", gnn.curve)
    for ranker in result.rankers.values():
        ranker.save(folder)
    _write_json(folder / "recommender.json", {"choice": result.choice,
                                               "calibrations": result.calibrations()})
    _write_json(folder / "metrics.json", {
        "ranking": result.rows,
        "secondary_hits_vs_random_negatives": gnn.metrics if gnn else []})
    _write_json(folder / "params.json", params.to_dict())
    _write_json(folder / "counts.json", result.counts)
    return info


def set_current(models_dir: Path, model_id: str) -> None:
    """Make ``model_id`` the current model (atomic rename of ``CURRENT``)."""
    if not (models_dir / model_id / "model.json").exists():
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


def latest_model_id(models_dir: Path) -> str | None:
    """The newest complete model folder, promoted or not (``None`` when there is none)."""
    if not models_dir.exists():
        return None
    ids = sorted(f.name for f in models_dir.iterdir() if (f / "model.json").exists())
    return ids[-1] if ids else None


def load_model(models_dir: Path, model_id: str | None = None) -> LoadedModel:
    """Load one model (default: the current one)."""
    model_id = model_id or current_model_id(models_dir)
    if model_id is None:
        raise RegistryError(f"{models_dir}: no current model; run kolgraph train")
    folder = models_dir / model_id
    try:
        info = _read_json(folder / "model.json")
        rec = _read_json(folder / "recommender.json")
    except FileNotFoundError as exc:
        raise RegistryError(f"{folder}: incomplete model folder ({exc.filename} missing)") \
            from exc
    except json.JSONDecodeError as exc:
        raise RegistryError(f"{folder}: unreadable model file ({exc})") from exc
    if "choice" not in rec:
        raise RegistryError(f"{folder}: made by an older kolgraph (no recommender choice); "
                            "retrain it (a refresh with retrain)")
    model, schema = _load_gnn(folder, info)
    rankers = {kind: r for kind in KINDS if (r := LearnedRanker.load(folder, kind))}
    return LoadedModel(model_id, model, schema, info, rankers, dict(rec["choice"]),
                       dict(rec.get("calibrations", {})))


def _load_gnn(folder: Path, info: dict[str, Any]
              ) -> tuple[LinkPredictor | None, FeatureSchema | None]:
    if not info.get("config"):
        return None, None
    import torch

    from gnn.nn.model import LinkPredictor

    try:
        schema = FeatureSchema.from_dict(_read_json(folder / "feature_schema.json"))
        state = torch.load(folder / "weights.pt", map_location="cpu", weights_only=True)
    except FileNotFoundError as exc:
        raise RegistryError(f"{folder}: incomplete model folder ({exc.filename} missing)") \
            from exc
    config = info["config"]
    if int(config["in_dim"]) != schema.dim:
        raise FeatureSchemaError(
            f"{folder / 'feature_schema.json'}: {schema.dim} features, but the weights "
            f"expect in_dim={config['in_dim']}")
    model = LinkPredictor(**config)
    model.load_state_dict(state)
    model.eval()
    return model, schema


def _metric(rows: list[dict[str, Any]], task: str, method: str, metric: str) -> float | None:
    for row in rows:
        if row.get("task") == task and row.get("method") == method:
            return float(row[metric])
    return None


def _best(rows: list[dict[str, Any]], task: str, metric: str) -> str:
    best = max((r for r in rows if r.get("task") == task and r.get("method") != LEARNED),
               key=lambda r: float(r[metric]), default=None)
    return f"{best['method']} {float(best[metric]):.4f}" if best else ""


def list_models(models_dir: Path, metric: str = "recall@50") -> list[dict[str, Any]]:
    """One summary row per model folder, newest first: which recommender serves each task
    and its validation ``metric`` next to the best heuristic's."""
    current = current_model_id(models_dir)
    rows: list[dict[str, Any]] = []
    if not models_dir.exists():
        return rows
    for folder in sorted(models_dir.iterdir(), reverse=True):
        info_path = folder / "model.json"
        if not folder.is_dir() or not info_path.exists():
            continue
        info = _read_json(info_path)
        metrics = _read_json(folder / "metrics.json")
        ranking = metrics.get("ranking", []) if isinstance(metrics, dict) else []
        counts = _read_json(folder / "counts.json")
        choice = info.get("choice", {})
        rows.append({
            "model_id": folder.name, "current": "*" if folder.name == current else "",
            "created_at": info.get("created_at"), "promoted": info.get("promoted"),
            "persons": counts.get("persons"), "epochs": info.get("epochs_run"),
            "people_recommender": choice.get("people", ""),
            f"val_{metric}_people": _metric(ranking, "people", LEARNED, metric),
            "best_heuristic_people": _best(ranking, "people", metric),
            "content_recommender": choice.get("content", ""),
            f"val_{metric}_content": _metric(ranking, "content", LEARNED, metric),
            "best_heuristic_content": _best(ranking, "content", metric)})
    return rows
