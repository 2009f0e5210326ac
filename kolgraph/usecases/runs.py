"""Runs: the history of ingest, analyze, refresh and train runs."""

from __future__ import annotations

from typing import Any

from graph.errors import InvalidInput
from graph.store.base import GraphStore
from graph.store.runs import RUN_KINDS, list_runs, recover_interrupted

__all__ = ["RUN_KINDS", "runs"]


def runs(store: GraphStore, kind: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Recent runs, newest first, with their ``params`` and ``metrics`` and, for runs that
    wrote recommendations, ``recommender`` (which recommender wrote each kind, as text).
    Runs whose process is gone are marked ``interrupted`` first (and their leftovers
    removed)."""
    if kind is not None and kind not in RUN_KINDS:
        raise InvalidInput("kind", f"one of {', '.join(RUN_KINDS)}; got {kind!r}")
    if limit < 1:
        raise InvalidInput("limit", f"must be at least 1, got {limit}")
    recover_interrupted(store)
    rows = list_runs(store, kind, limit)
    for row in rows:
        written_by = (row.get("metrics") or {}).get("recommender")
        row["recommender"] = ("; ".join(f"{k}: {v}" for k, v in written_by.items())
                              if isinstance(written_by, dict) else "")
    return rows
