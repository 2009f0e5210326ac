"""Runs: every derived result (communities, scores, embeddings, recommendations) and every
ingest belongs to a ``(:Run)``. A run is ``running`` while it is written, then ``complete``
(or ``failed``); readers use the latest complete run of a kind, so they never see half of one.

A run records the process writing it (``pid``, ``host``, ``proc_start``: the process's start
time, so a recycled pid is not mistaken for it). A ``running`` run whose process is gone is
``interrupted``: ``recover_interrupted`` marks it so and removes what it wrote, at the
next start of a run and when runs are listed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.store.base import GraphStore, Row

RUN_KINDS = ("ingest", "analyze", "refresh", "train")
RUN_STATUSES = ("running", "complete", "failed", "interrupted")


def process_start(pid: int) -> int | None:
    """The start time of process ``pid`` in clock ticks since boot (``/proc/<pid>/stat``),
    or ``None`` when there is no such process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[19])


def process_identity() -> dict[str, Any]:
    """``pid``, ``host`` and ``proc_start`` of this process, as stored on the runs it
    writes."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "proc_start": process_start(pid)}


def process_gone(pid: Any, host: Any, proc_start: Any) -> bool:
    """Whether the process recorded on a run no longer runs. Only a process of this host
    can be told gone; a run without a recorded process (older versions) never is."""
    if pid is None or host != socket.gethostname():
        return False
    now = process_start(int(pid))
    return now is None or (proc_start is not None and now != int(proc_start))


def utc_now() -> str:
    """The current UTC time as an ISO-8601 string with seconds, e.g. 2026-11-22T08:00:00Z."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_id(kind: str) -> str:
    """A unique run id that sorts by start time to the microsecond:
    ``<kind>-<UTC yyyymmddTHHMMSS.ffffff>-<random>``. ``current_run`` breaks ties of
    ``finished_at`` (whole seconds) by run id, so the later of two runs of a kind finished in
    the same second is the current one."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")
    return f"{kind}-{stamp}-{uuid.uuid4().hex[:6]}"


def start_run(store: GraphStore, kind: str, params: Mapping[str, Any] | None = None,
              run_id: str | None = None) -> str:
    """Record a new ``running`` Run of ``kind``; return its id."""
    if kind not in RUN_KINDS:
        raise ValueError(f"unknown run kind {kind!r}; one of {RUN_KINDS}")
    run_id = run_id or new_run_id(kind)
    recover_interrupted(store)
    store.write(
        "MERGE (r:Run {run_id: $run_id}) "
        "SET r.kind = $kind, r.status = 'running', r.started_at = $now, "
        "r.params = $params, r.metrics = '{}', "
        "r.pid = $pid, r.host = $host, r.proc_start = $proc_start",
        {"run_id": run_id, "kind": kind, "now": utc_now(),
         "params": json.dumps(dict(params or {}), ensure_ascii=False, default=str),
         **process_identity()},
    )
    return run_id


def claim_run(store: GraphStore, run_id: str) -> None:
    """Record this process as the writer of ``run_id`` (a run resumed by a new process)."""
    store.write("MATCH (r:Run {run_id: $run_id}) "
                "SET r.pid = $pid, r.host = $host, r.proc_start = $proc_start",
                {"run_id": run_id, **process_identity()})


def finish_run(store: GraphStore, run_id: str, metrics: Mapping[str, Any] | None = None,
               status: str = "complete") -> None:
    """Mark a run ``complete`` (or ``failed``, ``interrupted``) with its metrics as a JSON
    string."""
    store.write(
        "MATCH (r:Run {run_id: $run_id}) "
        "SET r.status = $status, r.finished_at = $now, r.metrics = $metrics",
        {"run_id": run_id, "status": status, "now": utc_now(),
         "metrics": json.dumps(dict(metrics or {}), ensure_ascii=False, default=str)},
    )


def add_metrics(store: GraphStore, run_id: str, metrics: Mapping[str, Any]) -> None:
    """Add ``metrics`` to those recorded for run ``run_id`` (a key already there takes the
    new value); its status and times stay. Figures known only after a run was finished (the
    clean-up after an analyze run was published) are recorded this way."""
    rows = store.read("MATCH (r:Run {run_id: $run_id}) RETURN r.metrics AS metrics",
                      {"run_id": run_id}).rows
    if not rows:
        return
    recorded = _decode(rows[0]).get("metrics")
    merged = {**(recorded if isinstance(recorded, dict) else {}), **metrics}
    store.write("MATCH (r:Run {run_id: $run_id}) SET r.metrics = $metrics",
                {"run_id": run_id,
                 "metrics": json.dumps(merged, ensure_ascii=False, default=str)})


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


# --------------------------------------------------------------- interrupted runs
#: What a run of each kind leaves behind while it is written, as batched write queries
#: (each deletes or clears at most ``$batch`` items and returns how many as ``n``).
_LEFTOVERS: dict[str, tuple[str, ...]] = {
    "analyze": (
        "MATCH (c:Community)<-[m:IN_COMMUNITY]-() WHERE c.run_id = $run_id "
        "WITH m LIMIT $batch DELETE m RETURN count(*) AS n",
        "MATCH (c:Community) WHERE c.run_id = $run_id "
        "WITH c LIMIT $batch DETACH DELETE c RETURN count(*) AS n",
        "MATCH (p:Person) WHERE p.analyze_stage_run = $run_id WITH p LIMIT $batch "
        "SET p.analyze_stage = null, p.analyze_stage_run = null RETURN count(*) AS n",
    ),
    "refresh": (
        "MATCH ()-[r:RECOMMENDED]->() WHERE r.run_id = $run_id "
        "WITH r LIMIT $batch DELETE r RETURN count(*) AS n",
        "MATCH (p:Person) WHERE p.embedding_stage_run = $run_id WITH p LIMIT $batch "
        "SET p.embedding_stage = null, p.embedding_stage_run = null RETURN count(*) AS n",
    ),
}


def discard_leftovers(store: GraphStore, run_id: str, kind: str, batch: int = 2_000) -> int:
    """Remove what an unfinished run of ``kind`` wrote (an analyze's communities, their
    memberships and staged values; a refresh's recommendations and staged embeddings), in
    batches; returns how many items went."""
    total = 0
    for query in _LEFTOVERS.get(kind, ()):
        while True:
            rows = store.write(query, {"run_id": run_id, "batch": batch})
            n = int(rows[0]["n"]) if rows else 0
            total += n
            if n < batch:
                break
    return total


def recover_interrupted(store: GraphStore) -> list[str]:
    """Mark every ``running`` run whose process is gone (``process_gone``) ``interrupted``
    and remove its leftovers; returns their ids."""
    rows = store.read("MATCH (r:Run) WHERE r.status = 'running' "
                      "RETURN r.run_id AS run_id, r.kind AS kind, r.pid AS pid, "
                      "r.host AS host, r.proc_start AS proc_start").rows
    gone = [r for r in rows if process_gone(r["pid"], r["host"], r["proc_start"])]
    for run in gone:
        discard_leftovers(store, str(run["run_id"]), str(run["kind"]))
        store.write("MATCH (r:Run {run_id: $run_id}) WHERE r.status = 'running' "
                    "SET r.status = 'interrupted', r.finished_at = $now",
                    {"run_id": run["run_id"], "now": utc_now()})
    return [str(r["run_id"]) for r in gone]
