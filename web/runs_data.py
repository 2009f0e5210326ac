"""Runs and the model registry, for the Runs page and its API: run history with metrics (and
each run's table row: algorithm, duration, counts, parameters), the trained models, and one
model's training curve and evaluation table (files of ``KOLGRAPH_HOME/models/<model_id>/``,
see ``gnn/registry.py``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from babel.dates import format_timedelta
from flask import abort
from flask_babel import get_locale

from kolgraph.usecases import runs as runs_usecase
from web.context import get_settings, get_store
from web.i18n import recommenders_text
from web.translate import lazy_gettext as _l

_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")


def runs(kind: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Runs, newest first (params and metrics decoded; runs whose process is gone marked
    ``interrupted`` first, as ``kolgraph runs`` does)."""
    return runs_usecase.runs(get_store(), kind, limit=limit)


#: The counts a run table shows, from ``Run.metrics`` (ingest's under ``totals``), in order.
COUNTS: tuple[tuple[str, Any], ...] = (
    ("persons", _l("persons")), ("communities", _l("communities")),
    ("unassigned_persons", _l("unassigned")), ("recommendations", _l("recommendations")),
    ("loaded", _l("rows loaded")), ("quarantined", _l("rows quarantined")),
)


def _stamp(value: Any) -> dt.datetime | None:
    try:
        stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def duration_seconds(run: Mapping[str, Any]) -> float | None:
    """Seconds from ``started_at`` to ``finished_at`` (``None`` while running or unreadable)."""
    if not run.get("started_at") or not run.get("finished_at"):
        return None
    start, end = _stamp(run["started_at"]), _stamp(run["finished_at"])
    return None if start is None or end is None else max(0.0, (end - start).total_seconds())


def human_duration(seconds: float | None) -> str:
    """``seconds`` in the request's language, to two units: ``2 min 13 sec``, ``2分钟 13秒``,
    ``1 hr 5 min``; empty for ``None``."""
    if seconds is None:
        return ""
    locale = get_locale()
    whole = int(round(seconds))
    parts: list[tuple[int, int, Literal["hour", "minute", "second"]]] = [
        (whole // 3600, 3600, "hour"), (whole % 3600 // 60, 60, "minute"),
        (whole % 60, 1, "second")]
    shown = [p for p in parts if p[0]][:2] or [(0, 1, "second")]
    return " ".join(format_timedelta(n * unit, granularity=name, threshold=10**9,
                                     format="short", locale=locale)
                    for n, unit, name in shown)


def run_row(run: Mapping[str, Any]) -> dict[str, Any]:
    """A run as the run table shows it: ``run`` itself plus ``algorithm`` (analyze's
    community algorithm, or what wrote a refresh's recommendations), ``duration`` (human) and
    ``duration_s``, ``counts`` (``[(label, value)]`` of ``COUNTS`` present in its metrics)
    and ``params`` (a mapping, empty when none)."""
    metrics = run.get("metrics") if isinstance(run.get("metrics"), Mapping) else {}
    params = run.get("params") if isinstance(run.get("params"), Mapping) else {}
    assert metrics is not None and params is not None
    totals = metrics.get("totals") if isinstance(metrics.get("totals"), Mapping) else {}
    found = {**(totals or {}), **metrics}
    algorithm = params.get("algorithm") or metrics.get("algorithm") or ""
    recommender = metrics.get("recommender")
    if not algorithm and isinstance(recommender, Mapping):
        # "model:<id>:learned_ranker" -> "learned_ranker" (the model id is in the details)
        algorithm = recommenders_text({k: str(v).rsplit(":", 1)[-1]
                                       for k, v in recommender.items()})
    seconds = duration_seconds(run)
    counts = [(label, found[key]) for key, label in COUNTS
              if isinstance(found.get(key), int | float) and not isinstance(found[key], bool)]
    return {**run, "algorithm": str(algorithm), "duration_s": seconds,
            "duration": human_duration(seconds), "counts": counts, "params": dict(params)}


def run_rows(runs_: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``run_row`` of each run."""
    return [run_row(r) for r in runs_]


def models() -> dict[str, Any]:
    """``{"current": id or None, "items": the train use-case's model rows}``."""
    from kolgraph.usecases import models as registry  # reads the model files, not PyTorch

    models_dir = get_settings().models_dir
    return {"current": registry.current_model(models_dir), "items": registry.models(models_dir)}


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
