"""Models: list the trained recommender models and make one current by hand.

Only the model registry's JSON files are read here, never PyTorch, so that ``kolgraph models``
and the web's models page start quickly; training is ``kolgraph.usecases.train``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gnn.registry import RegistryError, current_model_id, list_models, set_current
from graph.errors import NotFound

__all__ = ["current_model", "models", "promote"]


def models(models_dir: Path) -> list[dict[str, Any]]:
    """The trained models under ``models_dir``, newest first (``current`` is ``*`` for the
    current one)."""
    return list_models(models_dir)


def current_model(models_dir: Path) -> str | None:
    """The id of the current model, ``None`` before any model was promoted."""
    return current_model_id(models_dir)


def promote(models_dir: Path, model_id: str) -> None:
    """Make ``model_id`` the current model (an operator's decision, whatever its scores);
    ``NotFound`` naming ``model_id`` when there is no such model."""
    try:
        set_current(models_dir, model_id)
    except RegistryError as exc:
        raise NotFound(str(exc), param="model_id") from exc
