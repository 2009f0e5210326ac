"""Jobs that wire the store to the pure GNN code: read the graph, train and register.

Only these jobs (and ``gnn/refresh.py``) touch a store, always through
``graph.store.gnn_io``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gnn.data.graph import GraphData
from gnn.evaluate import format_ranking_table
from gnn.fit import FitParams, FitResult, fit_recommender
from gnn.registry import current_model_id, save_model, set_current
from graph.analytics.projection import person_projection
from graph.errors import KolgraphError, NotReady
from graph.store import analytics_io, gnn_io
from graph.store.base import GraphStore
from graph.store.runs import finish_run, start_run, utc_now

Log = Callable[[str], None]


#: Every social tie counts the same for link prediction (the analytics weighs them for KOL
#: ranking); repeated ties add ``1 + ln(count)``; no recency decay.
TIE_WEIGHTS = {t: 1.0 for t in ("follow", "mention", "reply", "comment", "share", "like")}
NO_DECAY_DAYS = 1e12


def load_graph(store: GraphStore) -> GraphData:
    """Persons, their ties, contents and engagements from the store, as ``GraphData``.

    Ties and engagements are read with the analytics' readers and projected to persons with
    its ``person_projection``, so both parts see the same person graph. Each tie keeps the
    first time it was seen, each engagement its time; persons carry the label of their
    community in the current analysis (``community_label``).
    """
    accounts = analytics_io.read_accounts(store)
    ties = analytics_io.read_interaction_edges(store, accounts)
    edges = person_projection(ties, TIE_WEIGHTS, half_life_days=NO_DECAY_DAYS)
    if len(edges):
        edges = edges.merge(_first_seen(ties), on=["src", "dst"], how="left")
    engagements = analytics_io.read_engagements(store, accounts).rename(
        columns={"person": "person_id", "content": "content_key", "last_at": "time"})
    persons = gnn_io.read_persons(store)
    platforms = accounts.groupby("person")["platform"].agg(
        lambda s: "|".join(sorted({str(p) for p in s if isinstance(p, str) and p})))
    persons["platforms"] = persons["person_id"].map(platforms).fillna("")
    persons["community_label"] = persons["community_id"].map(_community_labels(store))
    return GraphData.from_frames(persons, edges, gnn_io.read_contents(store), engagements)


def _first_seen(ties: pd.DataFrame) -> pd.DataFrame:
    """Earliest ``first_at`` of each directed person pair: ``src, dst, time``."""
    frame = pd.DataFrame({"src": ties["src_person"], "dst": ties["dst_person"],
                          "time": pd.to_numeric(ties["first_at"], errors="coerce")})
    return frame.groupby(["src", "dst"], as_index=False, sort=False)[["time"]].min()


def _community_labels(store: GraphStore) -> dict[object, str]:
    run_id = analytics_io.current_analyze_run_id(store)
    if run_id is None:
        return {}
    communities = analytics_io.read_communities(store, run_id)
    return {row.community_id: str(row.label) for row in communities.itertuples(index=False)
            if isinstance(row.label, str) and row.label}


@dataclass
class TrainOutcome:
    model_id: str
    promoted: bool
    decision: str
    previous: str | None
    result: FitResult
    table: str


def train_job(store: GraphStore, models_dir: Path, data: GraphData, params: FitParams,
              log: Log | None = None) -> TrainOutcome:
    """Train the recommender on ``data`` (``gnn.fit``), save it under ``models_dir`` as a
    ``train`` Run, and make it current only when it beats the best heuristic of a task on
    validation recall@K."""
    if data.num_persons < 10 or (len(data.pp_src) < 20 and len(data.pc_person) < 20):
        raise NotReady(f"too little data to train on: {data.num_persons} persons, "
                         f"{len(data.pp_src)} ties, {len(data.pc_person)} engagements "
                         "(need at least 10 persons and 20 ties or engagements)")
    run_id = start_run(store, "train", params.to_dict())
    try:
        result = fit_recommender(data, params, log=log)
    except BaseException:
        finish_run(store, run_id, {"error": "training failed"}, status="failed")
        raise
    previous = current_model_id(models_dir)
    try:
        save_model(models_dir, run_id, result, params, created_at=utc_now())
    except BaseException:
        with contextlib.suppress(KolgraphError):  # the database may be as full
            finish_run(store, run_id, {"error": "saving the model failed"}, status="failed")
        raise
    if result.promoted:
        set_current(models_dir, run_id)
    finish_run(store, run_id, {"promoted": result.promoted, "decision": result.decision,
                               "recommender": result.choice, "counts": result.counts,
                               "epochs": result.gnn.epochs_run if result.gnn else 0})
    return TrainOutcome(run_id, result.promoted, result.decision, previous, result,
                        format_ranking_table(result.rows))
