"""Jobs that wire the store to the pure GNN code: read the graph, train and register.

Only these jobs (and ``gnn/refresh.py``) touch a store, always through
``graph.store.gnn_io``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gnn.data.graph import GraphData
from gnn.evaluate import format_table, promotion_decision
from gnn.registry import current_model_id, save_model, set_current
from gnn.train import TrainParams, TrainResult, train
from graph.analytics.projection import person_projection
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
    its ``person_projection``, so both parts see the same person graph.
    """
    accounts = analytics_io.read_accounts(store)
    ties = analytics_io.read_interaction_edges(store, accounts)
    edges = person_projection(ties, TIE_WEIGHTS, half_life_days=NO_DECAY_DAYS)
    engagements = analytics_io.read_engagements(store, accounts).rename(
        columns={"person": "person_id", "content": "content_key"})
    persons = gnn_io.read_persons(store)
    platforms = accounts.groupby("person")["platform"].agg(
        lambda s: "|".join(sorted({str(p) for p in s if isinstance(p, str) and p})))
    persons["platforms"] = persons["person_id"].map(platforms).fillna("")
    return GraphData.from_frames(persons, edges, gnn_io.read_contents(store), engagements)


@dataclass
class TrainOutcome:
    model_id: str
    promoted: bool
    decision: str
    previous: str | None
    result: TrainResult
    table: str


def train_job(store: GraphStore, models_dir: Path, data: GraphData, params: TrainParams,
              log: Log | None = None) -> TrainOutcome:
    """Train on ``data``, save the model under ``models_dir`` as a ``train`` Run, and make
    it current only when it beats the best heuristic on validation Hits@50."""
    if data.num_persons < 10 or len(data.pp_src) < 20:
        raise ValueError(f"too little data to train on: {data.num_persons} persons, "
                         f"{len(data.pp_src)} ties (need at least 10 and 20)")
    run_id = start_run(store, "train", params.to_dict())
    try:
        result = train(data, params, log=log)
    except BaseException:
        finish_run(store, run_id, {"error": "training failed"}, status="failed")
        raise
    promoted, decision = promotion_decision(result.metrics)
    previous = current_model_id(models_dir)
    save_model(models_dir, run_id, result, promoted=promoted, decision=decision,
               created_at=utc_now())
    if promoted:
        set_current(models_dir, run_id)
    finish_run(store, run_id, {"promoted": promoted, "decision": decision,
                               "counts": result.counts, "epochs": result.epochs_run})
    return TrainOutcome(run_id, promoted, decision, previous, result,
                        format_table(result.metrics))
