"""Measuring what a user gets: the recommendations a refresh stored, against pairs hidden
before ingest, next to every heuristic computed on the same graph through the same
recommendation path.

The hidden pairs are account keys (``graph.ingest.edge_list``: ``a, b``; for contents ``b``
is a content key). ``measure_stored`` maps them to persons (identity resolution may have
merged accounts), drops pairs that the loaded graph still holds through other accounts, and
reports the ranking metrics of the current refresh run's stored lists and of each heuristic
(``gnn.ranking.evaluate``) for the same persons.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from gnn.data.graph import GraphData
from gnn.evaluate import MetricRow, ranking_metrics
from gnn.jobs import load_graph
from gnn.pairs import RecGraph
from gnn.ranking import Truth, evaluate, sample_persons
from gnn.recommenders import heuristics_for
from graph.store import analytics_io, gnn_io
from graph.store.base import GraphStore
from graph.store.runs import current_run

STORED = "kolgraph refresh (stored)"


def stored_recommendations(store: GraphStore, run_id: str, kind: str) -> pd.DataFrame:
    """``person_id, target_id, rank`` of every stored recommendation of ``kind``."""
    rows = [r for batch in gnn_io.stream_recommendations(store, run_id) for r in batch
            if r["kind"] == kind]
    return pd.DataFrame(rows, columns=["person_id", "kind", "rank", "target_id", "score",
                                       "reason"])[["person_id", "target_id", "rank"]]


def _truth(data: GraphData, owner: pd.Series, kind: str, hidden: pd.DataFrame) -> Truth:
    persons = pd.Series(np.arange(data.num_persons), index=data.person_ids)
    a = persons.reindex(owner.reindex(hidden["a"]).to_numpy()).to_numpy()
    if kind == "people":
        b = persons.reindex(owner.reindex(hidden["b"]).to_numpy()).to_numpy()
        existing = data.person_adjacency()
    else:
        b = pd.Series(np.arange(data.num_contents), index=data.content_keys).reindex(
            hidden["b"]).to_numpy()
        existing = data.engagement_matrix()
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok].astype(np.int64), b[ok].astype(np.int64)
    keep = (np.asarray(existing[a, b]).ravel() == 0) & ((a != b) | (kind != "people"))
    n = data.num_persons if kind == "people" else data.num_contents
    pairs = np.unique(np.stack([a[keep], b[keep]], axis=1), axis=0) if keep.any() \
        else np.zeros((0, 2), dtype=np.int64)
    return Truth.of(kind, pairs[:, 0], pairs[:, 1], n)


def measure_stored(store: GraphStore, hidden: dict[str, pd.DataFrame], *,
                   persons: int = 2000, seed: int = 0, k: int = 50
                   ) -> list[MetricRow]:
    """Ranking metrics of the stored recommendations and of every heuristic against the
    ``hidden`` pairs of each kind, for up to ``persons`` persons per kind that have one.
    Rows: ``task, method`` + metrics + ``seconds`` (+ ``recommender`` for the stored)."""
    run = current_run(store, "refresh")
    if run is None:
        raise LookupError("no complete refresh run to measure")
    labels = (run.get("metrics") or {}).get("recommender") or {}
    data = load_graph(store)
    accounts = analytics_io.read_accounts(store)
    owner = pd.Series(accounts["person"].to_numpy(), index=accounts["account_key"].to_numpy())
    index = {"people": pd.Series(np.arange(data.num_persons), index=data.person_ids),
             "content": pd.Series(np.arange(data.num_contents), index=data.content_keys)}
    started = time.perf_counter()
    graph = RecGraph.build(data)
    build = time.perf_counter() - started
    rows: list[MetricRow] = []
    for kind, pairs in hidden.items():
        truth = _truth(data, owner, kind, pairs)
        chosen = sample_persons(truth, persons, seed)
        stored = stored_recommendations(store, str(run["run_id"]), kind)
        sp = index["people"].reindex(stored["person_id"]).to_numpy()
        st = index[kind].reindex(stored["target_id"]).to_numpy()
        fine = ~(np.isnan(sp) | np.isnan(st))
        rows.append({"task": kind, "method": STORED,
                     **ranking_metrics(sp[fine].astype(np.int64), st[fine].astype(np.int64),
                                       stored["rank"].to_numpy()[fine].astype(np.int64),
                                       truth.person, truth.target, chosen),
                     "seconds": float("nan"), "persons": len(chosen),
                     "recommender": str(labels.get(kind, ""))})
        for row in evaluate(graph, heuristics_for(kind), truth, chosen, k=k, calibrate=False,
                            split="hidden"):
            row["seconds"] = round(build + float(row["candidates_s"]) + float(row["seconds"]),
                                   2)
            row["persons"] = len(chosen)
            rows.append(row)
    return rows


def best_baseline(rows: list[MetricRow], kind: str = "people",
                  metric: str = "recall@50") -> tuple[str, float]:
    """The heuristic row of ``kind`` with the highest ``metric`` (name, value)."""
    best = max((r for r in rows if r["method"] != STORED and r["task"] == kind),
               key=lambda r: float(r[metric]))
    return str(best["method"]), float(best[metric])


def stored_value(rows: list[MetricRow], kind: str = "people",
                 metric: str = "recall@50") -> float:
    """The stored recommendations' ``metric`` for ``kind``."""
    return float(next(r[metric] for r in rows
                      if r["method"] == STORED and r["task"] == kind))
