"""Database: apply the schema, count what the graph holds, and start, stop or inspect the
embedded database server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.config import Settings
from graph.errors import KolgraphError
from graph.store import embedded
from graph.store.base import GraphStore


def apply_schema(store: GraphStore) -> list[str]:
    """Apply the unique keys and indexes of the schema (idempotent); the new statements."""
    return list(store.apply_schema())


def counts(store: GraphStore) -> list[dict[str, Any]]:
    """``{"name", "count"}`` per node label, then per relationship type."""
    found = {**store.node_counts(), **store.relationship_counts()}
    return [{"name": name, "count": int(count)} for name, count in found.items()]


def embedded_dir(settings: Settings) -> Path:
    """The folder of the embedded database; an error when another backend is configured."""
    if settings.backend != "embedded":
        raise KolgraphError(f"the configured backend is {settings.backend}; only the embedded "
                            "database is started, stopped and inspected by kolgraph")
    return settings.db_dir


def start(settings: Settings,
          on_progress: embedded.ProgressCallback | None = None) -> embedded.ServerStatus:
    """Start the embedded database server (no-op when it already runs) and wait while it
    loads its data; ``on_progress`` hears how far loading is, about once a second."""
    return embedded.start(embedded_dir(settings), on_progress=on_progress)


def stop(settings: Settings) -> bool:
    """Stop the embedded database server; whether it was running."""
    return embedded.stop(embedded_dir(settings))


def status(settings: Settings) -> dict[str, Any]:
    """``{"running", "pid", "socket", "data_dir", **detail}`` of the embedded database."""
    info = embedded.status(embedded_dir(settings))
    return {"running": info.running, "pid": info.pid, "socket": str(info.socket),
            "data_dir": str(info.data_dir), **info.detail}
