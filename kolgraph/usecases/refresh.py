"""Refresh, the nightly job: embed every person, write embeddings, the vector index and the
top-K recommendations of each kind as one refresh run (see ``gnn/refresh.py``)."""

from __future__ import annotations

from pathlib import Path

from gnn.jobs import Log
from gnn.refresh import BarFactory, RefreshOptions, RefreshResult
from gnn.refresh import refresh as run_refresh
from gnn.train import TrainParams
from graph.errors import InvalidInput
from graph.store.base import GraphStore

__all__ = ["RefreshOptions", "RefreshResult", "TrainParams", "refresh"]


def refresh(store: GraphStore, home: Path, options: RefreshOptions | None = None,
            log: Log | None = None, bar: BarFactory | None = None) -> RefreshResult:
    """Run, or resume, one refresh of the graph in ``store`` with the models of ``home``
    (training one first when ``options.retrain`` or when there is none)."""
    options = options or RefreshOptions()
    if options.k < 1:
        raise InvalidInput("k", f"must be at least 1, got {options.k}")
    return run_refresh(store, home, options, log=log, bar=bar)
