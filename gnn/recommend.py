"""Embedding every node with a trained model and choosing the top-K recommendations.

Scoring every pair is out of reach for a large graph, so each person gets candidates
first: people two hops away (sampled), the most connected people, contents engaged by its
connections (sampled), the most popular contents and the top contents of its favourite
topic. Existing ties and engagements are removed; the model's decoder scores the rest.
Plain functions over ``GraphData`` and a model; deterministic for a given seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from gnn.data.features import FeatureSchema, check_compatible, node_features
from gnn.data.graph import GraphData
from gnn.data.split import contains, pair_keys
from gnn.loader.sampler import NeighborSampler
from gnn.nn.model import LinkPredictor
from gnn.train import Graphs, embed, pick_device, score_pairs, to_torch_adjacency

REC_COLUMNS = ["person_id", "kind", "rank", "target_id", "score", "reason"]


@dataclass
class Inference:
    """A model applied to the whole current graph: embeddings and the matrices that the
    pair features come from."""

    data: GraphData
    graphs: Graphs
    model: LinkPredictor
    schema: FeatureSchema
    h: torch.Tensor

    @property
    def person_embeddings(self) -> np.ndarray:
        return self.h[: self.data.num_persons].float().cpu().numpy()


def prepare(model: LinkPredictor, schema: FeatureSchema, data: GraphData,
            device: str = "auto") -> Inference:
    """Check the schema, compute features on the full graph and embed every node.

    Raises ``FeatureSchemaError`` when the data does not fit the model's schema.
    """
    check_compatible(schema, data)
    dev = pick_device(device)
    graphs = Graphs.build(data, schema, data.pp_src, data.pp_dst, data.pc_person,
                          data.pc_content)
    x = torch.from_numpy(node_features(data, graphs.adjacency, graphs.engagements,
                                       schema)).to(dev)
    model = model.to(dev)
    h = embed(model, x, to_torch_adjacency(graphs.node_adjacency(), dev))
    return Inference(data, graphs, model, schema, h)


@dataclass
class Candidates:
    """Static helpers shared by every batch: samplers, popular nodes, existing-pair keys."""

    pp_sampler: NeighborSampler
    pc_sampler: NeighborSampler
    popular_people: np.ndarray
    popular_content: np.ndarray
    topic_top: list[np.ndarray]
    pp_keys: np.ndarray
    pc_keys: np.ndarray

    @classmethod
    def build(cls, inf: Inference, fanout: int = 12, n_popular_people: int = 30,
              n_popular_content: int = 50, per_topic: int = 15) -> Candidates:
        """``fanout``: neighbours sampled per hop (so up to ``fanout**2`` two-hop
        candidates per person and kind)."""
        a, b = inf.graphs.adjacency, inf.graphs.engagements
        deg = np.asarray(a.sum(axis=1)).ravel()
        pop = np.asarray(b.sum(axis=0)).ravel()
        topic_top = []
        for t in range(len(inf.schema.topics)):
            members = np.flatnonzero(inf.graphs.content_topic == t)
            order = np.lexsort((members, -pop[members]))
            topic_top.append(members[order][:per_topic])
        data = inf.data
        return cls(NeighborSampler(a.indptr, a.indices, [fanout]),
                   NeighborSampler(b.indptr, b.indices, [fanout]),
                   np.lexsort((np.arange(len(deg)), -deg))[:n_popular_people],
                   np.lexsort((np.arange(len(pop)), -pop))[:n_popular_content],
                   topic_top,
                   pair_keys(data.pp_src, data.pp_dst, data.num_persons, undirected=True),
                   pair_keys(data.pc_person, data.pc_content, max(data.num_contents, 1)))


def _two_hop(sampler: NeighborSampler, second: NeighborSampler, persons: np.ndarray,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    p, s = sampler.neighbours(persons, sampler.fanouts[0], rng)
    if len(s) == 0:
        return p, s
    mids = np.unique(s)
    m, w = second.neighbours(mids, second.fanouts[0], rng)
    left = pd.DataFrame({"p": p, "s": s})
    right = pd.DataFrame({"s": m, "w": w})
    joined = left.merge(right, on="s", how="inner", sort=False)
    return joined["p"].to_numpy(np.int64), joined["w"].to_numpy(np.int64)


def _top_k(u: np.ndarray, v: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the best ``k`` per ``u`` (ties: smaller ``v`` first), grouped by ``u``."""
    order = np.lexsort((v, -score, u))
    su = u[order]
    start = np.r_[0, np.flatnonzero(su[1:] != su[:-1]) + 1]
    group_start = np.repeat(start, np.diff(np.r_[start, len(su)]))
    rank = np.arange(len(su)) - group_start
    return order[rank < k]


def _dedupe(u: np.ndarray, v: np.ndarray, n_v: int) -> tuple[np.ndarray, np.ndarray]:
    key = np.unique(u.astype(np.int64) * n_v + v)
    return key // n_v, key % n_v


def people_batch(inf: Inference, cand: Candidates, persons: np.ndarray, k: int,
                 rng: np.random.Generator) -> pd.DataFrame:
    """Top-``k`` people for each of ``persons`` (indices), as ``REC_COLUMNS`` rows."""
    data = inf.data
    n = data.num_persons
    u2, v2 = _two_hop(cand.pp_sampler, cand.pp_sampler, persons, rng)
    u = np.concatenate([u2, np.repeat(persons, len(cand.popular_people))])
    v = np.concatenate([v2, np.tile(cand.popular_people, len(persons))])
    u, v = _dedupe(u, v, n)
    keep = (u != v) & ~contains(cand.pp_keys, np.minimum(u, v) * n + np.maximum(u, v))
    u, v = u[keep], v[keep]
    if len(u) == 0:
        return pd.DataFrame(columns=REC_COLUMNS)
    scores, feats = inf.graphs.pp_features(u, v, by_source=True)
    logit = score_pairs(inf.model, inf.h, "people", u, v, feats, n)
    top = _top_k(u, v, logit, k)
    u, v, logit = u[top], v[top], logit[top]
    cn = scores["common_neighbours"][top]
    community = data.persons["community_id"].to_numpy()
    profile = inf.graphs.profile
    fav = np.where(profile.sum(axis=1) > 0, profile.argmax(axis=1), -1)
    reasons = []
    for i in range(len(u)):
        cu, cv = community[u[i]], community[v[i]]
        if cn[i] > 0:
            reasons.append(f"shared neighbours: {int(cn[i])}")
        elif cu is not None and cv is not None and not pd.isna(cu) and cu == cv:
            reasons.append("same community")
        elif fav[u[i]] >= 0 and fav[u[i]] == fav[v[i]]:
            reasons.append(f"topic match: {inf.schema.topics[fav[u[i]]]}")
        else:
            reasons.append("similar profile")
    return _frame(data.person_ids[u], "people", u, data.person_ids[v], logit, reasons)


def content_batch(inf: Inference, cand: Candidates, persons: np.ndarray, k: int,
                  rng: np.random.Generator) -> pd.DataFrame:
    """Top-``k`` contents for each of ``persons`` (indices), as ``REC_COLUMNS`` rows."""
    data = inf.data
    n_c = data.num_contents
    if n_c == 0:
        return pd.DataFrame(columns=REC_COLUMNS)
    u2, c2 = _two_hop(cand.pp_sampler, cand.pc_sampler, persons, rng)
    profile = inf.graphs.profile
    fav = np.where(profile.sum(axis=1) > 0, profile.argmax(axis=1), -1)
    topical_u, topical_c = [], []
    for t, top in enumerate(cand.topic_top):
        who = persons[fav[persons] == t]
        topical_u.append(np.repeat(who, len(top)))
        topical_c.append(np.tile(top, len(who)))
    u = np.concatenate([u2, np.repeat(persons, len(cand.popular_content)), *topical_u])
    c = np.concatenate([c2, np.tile(cand.popular_content, len(persons)), *topical_c])
    u, c = _dedupe(u, c, n_c)
    keep = ~contains(cand.pc_keys, u * n_c + c)
    u, c = u[keep], c[keep]
    if len(u) == 0:
        return pd.DataFrame(columns=REC_COLUMNS)
    scores, feats = inf.graphs.pc_features(u, c, by_source=True)
    logit = score_pairs(inf.model, inf.h, "content", u, c, feats, data.num_persons)
    top = _top_k(u, c, logit, k)
    u, c, logit = u[top], c[top], logit[top]
    engaged = scores["connections_engaged"][top]
    match = scores["topic_match"][top]
    ctopic = data.contents["topic"].to_numpy()
    reasons = []
    for i in range(len(u)):
        if engaged[i] > 0:
            reasons.append(f"shared neighbours: {int(engaged[i])} engaged")
        elif match[i] > 0:
            reasons.append(f"topic match: {ctopic[c[i]]}")
        else:
            reasons.append("popular")
    return _frame(data.person_ids[u], "content", u, data.content_keys[c], logit, reasons)


def _frame(person_ids: np.ndarray, kind: str, u: np.ndarray, targets: np.ndarray,
           logit: np.ndarray, reasons: list[str]) -> pd.DataFrame:
    start = np.r_[0, np.flatnonzero(u[1:] != u[:-1]) + 1] if len(u) else np.zeros(0, int)
    rank = np.arange(len(u)) - np.repeat(start, np.diff(np.r_[start, len(u)])) + 1
    score = np.round(1.0 / (1.0 + np.exp(-logit.astype(np.float64))), 6)
    return pd.DataFrame({"person_id": person_ids, "kind": kind, "rank": rank,
                         "target_id": targets, "score": score, "reason": reasons},
                        columns=REC_COLUMNS)


def recommend_batch(inf: Inference, cand: Candidates, persons: np.ndarray, k: int,
                    seed: int, batch_index: int) -> pd.DataFrame:
    """People and content recommendations of one batch of persons; the sampling seed
    depends only on ``seed`` and ``batch_index``, so equal data gives equal output."""
    rng = np.random.default_rng([seed, batch_index])
    return pd.concat([people_batch(inf, cand, persons, k, rng),
                      content_batch(inf, cand, persons, k, rng)], ignore_index=True)
