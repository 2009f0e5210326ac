"""Recommend: one person's current recommendations (people or content, from the current
refresh run) and look-alike persons (by embedding)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.errors import InvalidInput, NotFound, NotReady
from graph.store import gnn_io
from graph.store.base import GraphStore
from graph.store.runs import current_run

KINDS = ("people", "content")


def current_refresh_run(store: GraphStore) -> dict[str, Any]:
    """The current complete refresh run; ``NotReady`` when there is none."""
    run = current_run(store, "refresh")
    if run is None:
        raise NotReady("no complete refresh run yet; run kolgraph refresh")
    return run


@dataclass(frozen=True)
class Recommendations:
    """The ``rows`` (``rank, target_id, name, score, reason``) shown for one person, of
    refresh run ``run_id``, which stored ``stored_k`` per person and kind."""

    run_id: str
    kind: str
    rows: list[dict[str, Any]]
    stored_k: int


def _check(store: GraphStore, person_id: str, k: int) -> None:
    if k < 1:
        raise InvalidInput("k", f"must be at least 1, got {k}")
    if not gnn_io.person_exists(store, person_id):
        raise NotFound(f"no person {person_id!r}", param="person_id")


def recommendations(store: GraphStore, person_id: str, kind: str = "people",
                    k: int = 10) -> Recommendations:
    """The top ``k`` recommendations of ``kind`` for ``person_id`` in the current refresh
    run (fewer when the run stored fewer, or found fewer candidates)."""
    if kind not in KINDS:
        raise InvalidInput("kind", f"one of {', '.join(KINDS)}; got {kind!r}")
    run = current_refresh_run(store)
    _check(store, person_id, k)
    run_id = str(run["run_id"])
    rows = gnn_io.recommendations_for(store, run_id, person_id, kind, k)
    return Recommendations(run_id, kind, rows, int((run.get("params") or {}).get("k") or 0))


def similar(store: GraphStore, person_id: str, k: int = 10) -> list[dict[str, Any]]:
    """The ``k`` persons nearest to ``person_id`` by embedding: ``person_id, display_name,
    similarity, community_id, kol_score``."""
    _check(store, person_id, k)
    try:
        return gnn_io.similar_persons(store, person_id, k)
    except LookupError as exc:
        raise NotReady(f"{person_id!r} has no embedding yet; run kolgraph refresh",
                       param="person_id") from exc
