"""Runs: every derived result (communities, scores, embeddings, recommendations) and every
ingest belongs to a ``(:Run)``. A run is ``running`` while it is written, then ``complete``
(or ``failed``); readers use the latest complete run of a kind, so they never see half of one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

from graph.store.base import GraphStore, Row

RUN_KINDS = ("ingest", "analyze", "refresh", "train")


def utc_now() -> str:
    """The current UTC time as an ISO-8601 string with seconds, e.g. 2026-11-22T08:00:00Z."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_id(kind: str) -> str:
    """A sortable, unique run id: ``<kind>-<UTC timestamp>-<random>``."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{kind}-{stamp}-{uuid.uuid4().hex[:6]}"


def start_run(store: GraphStore, kind: str, params: Mapping[str, Any] | None = None,
              run_id: str | None = None) -> str:
    """Record a new ``running`` Run of ``kind``; return its id."""
    if kind not in RUN_KINDS:
        raise ValueError(f"unknown run kind {kind!r}; one of {RUN_KINDS}")
    run_id = run_id or new_run_id(kind)
    store.write(
        "MERGE (r:Run {run_id: $run_id}) "
        "SET r.kind = $kind, r.status = 'running', r.started_at = $now, "
        "r.params = $params, r.metrics = '{}'",
        {"run_id": run_id, "kind": kind, "now": utc_now(),
         "params": json.dumps(dict(params or {}), ensure_ascii=False, default=str)},
    )
    return run_id


def finish_run(store: GraphStore, run_id: str, metrics: Mapping[str, Any] | None = None,
               status: str = "complete") -> None:
    """Mark a run ``complete`` (or ``failed``) with its metrics as a JSON string."""
    store.write(
        "MATCH (r:Run {run_id: $run_id}) "
        "SET r.status = $status, r.finished_at = $now, r.metrics = $metrics",
        {"run_id": run_id, "status": status, "now": utc_now(),
         "metrics": json.dumps(dict(metrics or {}), ensure_ascii=False, default=str)},
    )


def _decode(row: Row) -> Row:
    out = dict(row)
    for key in ("params", "metrics"):
        if isinstance(out.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                out[key] = json.loads(out[key])
    return out


_RUN_COLUMNS = (
    "r.run_id AS run_id, r.kind AS kind, r.status AS status, r.started_at AS started_at, "
    "r.finished_at AS finished_at, r.params AS params, r.metrics AS metrics"
)


def current_run(store: GraphStore, kind: str) -> Row | None:
    """The latest complete run of ``kind`` (params and metrics decoded), or ``None``."""
    rows = store.read(
        f"MATCH (r:Run {{kind: $kind, status: 'complete'}}) RETURN {_RUN_COLUMNS} "
        "ORDER BY r.finished_at DESC, r.run_id DESC LIMIT 1",
        {"kind": kind},
    ).rows
    return _decode(rows[0]) if rows else None


def get_run(store: GraphStore, run_id: str) -> Row | None:
    """One run by id, or ``None``."""
    rows = store.read(f"MATCH (r:Run {{run_id: $run_id}}) RETURN {_RUN_COLUMNS}",
                      {"run_id": run_id}).rows
    return _decode(rows[0]) if rows else None


def list_runs(store: GraphStore, kind: str | None = None, limit: int = 50) -> list[Row]:
    """Runs, newest first, optionally of one kind."""
    where = "WHERE r.kind = $kind " if kind else ""
    rows = store.read(
        f"MATCH (r:Run) {where}RETURN {_RUN_COLUMNS} ORDER BY r.started_at DESC, r.run_id DESC "
        "LIMIT $limit",
        {"kind": kind, "limit": limit},
    ).rows
    return [_decode(r) for r in rows]
