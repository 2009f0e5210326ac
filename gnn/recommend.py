"""The recommendation path: candidates → scores → top-K → calibrated score and reasons.

``recommend_batch`` is what a refresh writes as ``RECOMMENDED`` and what every evaluation
measures (``gnn.ranking``): the same function, whatever the recommender (a heuristic or the
learned ranker). ``embed_graph`` applies a trained GraphSAGE model to a graph so that its
embeddings can be written and used as pair features.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gnn.data.graph import GraphData
from gnn.data.rowwise import rank_within, top_k_per_group
from gnn.pairs import PAIR_CHUNK, Embeddings, Limits, PairBatch, RecGraph, pairs_for
from gnn.reasons import reasons_for
from gnn.recommenders import Recommender

if TYPE_CHECKING:
    from gnn.data.features import FeatureSchema
    from gnn.nn.model import LinkPredictor

REC_COLUMNS = ["person_id", "kind", "rank", "target_id", "score", "reason", "evidence"]
#: What writes the ``evidence`` column: ``json.dumps(e, ensure_ascii=False)``, the encoder
#: made once instead of once per recommendation (the same text).
_EVIDENCE_JSON = json.JSONEncoder(ensure_ascii=False)


def embed_graph(model: LinkPredictor, schema: FeatureSchema, data: GraphData,
                device: str = "auto") -> Embeddings:
    """Check ``data`` against the model's feature schema, compute the node features on
    ``data``'s whole graph and embed every node.

    Raises ``FeatureSchemaError`` when the data does not fit the model's schema.
    """
    import torch

    from gnn.data.features import check_compatible, node_features
    from gnn.train import Graphs, embed, pick_device, to_torch_adjacency

    check_compatible(schema, data)
    dev = pick_device(device)
    graphs = Graphs.build(data, schema, data.pp_src, data.pp_dst,
                          data.pc_person, data.pc_content)
    x = torch.from_numpy(node_features(data, graphs.adjacency, graphs.engagements,
                                       schema)).to(dev)
    model = model.to(dev)
    h = embed(model, x, to_torch_adjacency(graphs.node_adjacency(), dev))
    return Embeddings(h, model)


@dataclass
class TopK:
    """The first ``k`` candidates of each person of a batch, by the recommender's order:
    rows of ``batch`` in ``rows`` with their 1-based ``rank``."""

    batch: PairBatch
    rows: np.ndarray
    rank: np.ndarray

    @property
    def person(self) -> np.ndarray:
        return self.batch.u[self.rows]

    @property
    def target(self) -> np.ndarray:
        return self.batch.v[self.rows]


def rank_batch(batch: PairBatch, recommender: Recommender, k: int) -> TopK:
    """The best ``k`` candidates of each person of ``batch`` by ``recommender``, among those
    of its ``shortlist`` (the learned ranker's first stage; every candidate for a
    heuristic): ``TopK.batch`` is that shortlist, with its GraphSAGE features computed."""
    batch = recommender.shortlist(batch)
    if len(batch) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return TopK(batch, empty, empty)
    rows, rank = top_k_per_group(batch.u, batch.v, recommender.order(batch), k)
    return TopK(batch, rows, rank)


def top_k(g: RecGraph, recommender: Recommender, persons: np.ndarray, k: int,
          limits: Limits | None = None) -> TopK:
    """Candidates of ``persons`` (sorted indices) ranked by ``recommender``; the best
    ``k`` of each person. The GraphSAGE features are computed for its shortlist only."""
    return rank_batch(pairs_for(recommender.kind, g, persons, limits, defer_gnn=True),
                      recommender, k)


def recommend_batch(g: RecGraph, recommender: Recommender, persons: np.ndarray, k: int,
                    limits: Limits | None = None, workers: int = 1) -> pd.DataFrame:
    """Top-``k`` recommendations of ``recommender.kind`` for ``persons``, as rows of
    ``REC_COLUMNS``: ``score`` is the calibrated probability (see ``Calibration``; without
    a calibration, the percentile of the candidate among the person's candidates),
    ``reason`` names the evidence and ``evidence`` holds it as JSON.

    Computed ``PAIR_CHUNK`` persons at a time (each person's rows depend on its own
    candidates only), so that a large batch never holds all its candidates at once; with
    ``workers`` > 1, that many chunks at once in threads (the sparse products, sorts,
    LightGBM and torch release the interpreter lock), concatenated in order: the same
    rows."""
    persons = np.sort(np.asarray(persons, dtype=np.int64))
    chunks = [persons[lo:lo + PAIR_CHUNK] for lo in range(0, len(persons), PAIR_CHUNK)]

    def one(chunk: np.ndarray) -> pd.DataFrame:
        return _recommend_chunk(g, recommender, chunk, k, limits)

    if workers > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix="recommend") as pool:
            frames = list(pool.map(one, chunks))
    else:
        frames = [one(chunk) for chunk in chunks]
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=REC_COLUMNS)
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _recommend_chunk(g: RecGraph, recommender: Recommender, persons: np.ndarray, k: int,
                     limits: Limits | None) -> pd.DataFrame:
    top = top_k(g, recommender, persons, k, limits)
    if len(top.rows) == 0:
        return pd.DataFrame(columns=REC_COLUMNS)
    sub = top.batch.take(top.rows)
    if recommender.calibration.fitted:
        probability = recommender.calibration.probability(recommender.signal(sub))
    else:  # nothing held out to calibrate on: the percentile among the person's candidates
        #    (of its shortlist, for a learned ranker)
        probability = rank_within(top.batch.u, recommender.signal(top.batch))[top.rows]
    reasons, evidence = reasons_for(g, top.batch, top.rows)
    data = g.data
    targets = (data.persons["person_id"] if recommender.kind == "people"
               else data.contents["content_key"])
    return pd.DataFrame({  # ids read for these rows only, not for the whole graph
        "person_id": data.persons["person_id"].take(top.person).to_numpy(),
        "kind": recommender.kind,
        "rank": top.rank.astype(np.int64),
        "target_id": targets.take(top.target).to_numpy(),
        "score": np.round(probability, 6),
        "reason": reasons,
        "evidence": [_EVIDENCE_JSON.encode(e) for e in evidence],
    }, columns=REC_COLUMNS)
