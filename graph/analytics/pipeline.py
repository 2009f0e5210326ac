"""The whole analysis over plain data: projection -> communities -> ranking -> profiles ->
audience overlap. ``kolgraph analyze`` reads the inputs from the store, calls ``analyze`` and
writes the result back; tests and benchmarks call it directly.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from graph.analytics import communities, community_ids, overlap, profiles, ranking
from graph.analytics.communities import Partition
from graph.analytics.graphs import PersonIndex, igraph_graph
from graph.analytics.projection import (
    EDGE_COLUMNS,
    combine,
    person_projection,
    symmetrize,
)
from graph.analytics.weights import KOL_COMPONENTS, Weights


@dataclass(frozen=True)
class AnalyticsInput:
    """What the analysis needs, as the readers of ``graph/store/analytics_io.py`` return it.

    ``persons``: ``person_id, display_name, followers_total``; ``accounts``: ``person,
    account_key, platform``; ``edges``: ``src_person, dst_person, type, count, last_at``;
    ``engagements``: ``person, content, type, count, amount, topic, platform, last_at,
    creator``.
    """

    persons: pd.DataFrame
    accounts: pd.DataFrame
    edges: pd.DataFrame
    engagements: pd.DataFrame


@dataclass
class AnalysisResult:
    """Per-person results (``person_id``, community and KOL values), community profiles,
    the partition, the audience overlap of the top KOLs and the run's metrics."""

    persons: pd.DataFrame
    communities: pd.DataFrame
    partition: Partition
    overlap: pd.DataFrame
    metrics: dict[str, Any] = field(default_factory=dict)
    #: The community number of the persons folded out of tiny communities (``None``: none).
    unassigned: int | None = None


def content_ties(engagements: pd.DataFrame) -> pd.DataFrame:
    """Engagements with content lifted to ties from the engaging person to the content's
    creator (``EDGE_COLUMNS``); engagements with content of unknown creator are dropped.

    >>> eng = pd.DataFrame({"person": ["a", "b"], "creator": ["k", None], "type": ["purchase",
    ...                     "like"], "count": [1, 2], "last_at": [5, 6]})
    >>> content_ties(eng).to_dict("records")
    [{'src_person': 'a', 'dst_person': 'k', 'type': 'purchase', 'count': 1, 'last_at': 5}]
    """
    known = engagements.dropna(subset=["creator"])
    return pd.DataFrame({"src_person": known["person"].to_numpy(),
                         "dst_person": known["creator"].to_numpy(),
                         "type": known["type"].to_numpy(), "count": known["count"].to_numpy(),
                         "last_at": known["last_at"].to_numpy()}, columns=EDGE_COLUMNS)


def all_ties(data: AnalyticsInput) -> pd.DataFrame:
    """Account ties and content ties together (``EDGE_COLUMNS``)."""
    ties = content_ties(data.engagements)
    return pd.concat([data.edges[EDGE_COLUMNS], ties], ignore_index=True) if len(ties) \
        else data.edges[EDGE_COLUMNS]


def person_index(data: AnalyticsInput) -> PersonIndex:
    """Every person of ``data``: its persons and the two ends of every tie (account ties and
    content ties), sorted."""
    content = content_ties(data.engagements)
    ends = pd.DataFrame({"src": pd.concat([data.edges["src_person"], content["src_person"]],
                                          ignore_index=True),
                         "dst": pd.concat([data.edges["dst_person"], content["dst_person"]],
                                          ignore_index=True)})
    return PersonIndex.build(data.persons["person_id"].astype(str), ends)


def projection(data: AnalyticsInput, weights: Weights, now: float | None = None,
               index: PersonIndex | None = None) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The directed person projection of account ties and content ties (the latter weighted
    by ``weights.content_interaction``), all ties together, and the "now" of the decay
    (epoch seconds; default: this clock, never a time taken from the data, so that one
    row dated in the future cannot age every other tie).

    With ``index`` (``person_index``), persons are given by their positions in it, in the
    projection and in the ties: integers, which group and compare faster than the ids."""
    content = content_ties(data.engagements)
    edges = data.edges[EDGE_COLUMNS]
    if index is not None:
        edges = _coded(edges, index)
        content = _coded(content, index)
    ties = pd.concat([edges, content], ignore_index=True) if len(content) else edges
    now = time.time() if now is None else float(now)
    directed = combine(
        person_projection(edges, weights.interaction,
                          weights.half_life_days, now),
        person_projection(content, weights.content_interaction, weights.half_life_days, now))
    return directed, ties, now


def _coded(ties: pd.DataFrame, index: PersonIndex) -> pd.DataFrame:
    """``ties`` with ``src_person`` and ``dst_person`` replaced by positions in ``index``."""
    return ties.assign(src_person=index.positions(ties["src_person"]),
                       dst_person=index.positions(ties["dst_person"]))


#: An engine that finds communities and PageRank elsewhere (in the database): person ids in
#: the analysis' order in, (community of each, PageRank of each summing to 1) out.
CommunitiesAndRank = Callable[[list[str]], tuple[np.ndarray, np.ndarray]]


def analyze(data: AnalyticsInput, weights: Weights, *,
            algorithm: str = communities.DEFAULT_ALGORITHM, resolution: float = 1.0,
            seed: int = 0, now: float | None = None,
            engine: CommunitiesAndRank | None = None,
            min_community_size: int = 1) -> AnalysisResult:
    """Run the whole analysis; ``now`` (epoch seconds, the time the ties' recency is
    measured from) defaults to this clock; ties dated after it count as new.

    With ``engine``, communities and PageRank come from it instead of igraph and the sparse
    power iteration (the rest is the same); its partition's modularity is measured on this
    projection, so that the two can be compared.

    Communities of fewer than ``min_community_size`` persons are folded into one bucket,
    numbered after the kept ones (``AnalysisResult.unassigned``); the partition and its
    modularity stay those found. Each profile's ``label`` is its top topics and top KOL's name.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    # persons as positions in one index from here on: integers group and compare fast
    index = person_index(data)
    n = index.n
    directed, ties, now = projection(data, weights, now, index)
    sym = symmetrize(directed)
    d_src, d_dst, d_w = (directed[c].to_numpy(dtype=t) for c, t in
                         (("src", np.int64), ("dst", np.int64), ("weight", float)))
    s_src, s_dst, s_w = (sym[c].to_numpy(dtype=t) for c, t in
                         (("src", np.int64), ("dst", np.int64), ("weight", float)))
    positions = np.arange(n)
    # the one igraph graph of the run: communities, modularity and betweenness
    graph = igraph_graph(n, s_src, s_dst, s_w, directed=False)
    lap("projection_s")

    pagerank = None
    if engine is None:
        partition = communities.detect_communities(n, s_src, s_dst, s_w, algorithm=algorithm,
                                                   resolution=resolution, seed=seed,
                                                   graph=graph)
    else:
        found, pagerank = engine(list(index.ids))
        membership = communities.renumber_by_size(found)
        partition = communities.Partition(
            membership, communities.modularity(n, s_src, s_dst, s_w, membership, resolution,
                                               graph=graph),
            algorithm, resolution)
    membership, kept = community_ids.fold_small(partition.membership, min_community_size)
    unassigned = kept if membership.size and int(membership.max()) == kept else None
    lap("communities_s")

    audience = ranking.audience_pairs(ties.iloc[:len(data.edges)])  # account ties only
    reach = ranking.reach(audience).reindex(positions).fillna(0).to_numpy()
    followers_known = data.persons.set_index(data.persons["person_id"].astype(str)) \
        ["followers_total"].reindex(index.ids).fillna(0).to_numpy(dtype=float)
    received = ranking.received_interactions(ties).reindex(positions).fillna(0).to_numpy()
    comp = pd.DataFrame({
        "pagerank": ranking.pagerank(n, d_src, d_dst, d_w) if pagerank is None else pagerank,
        "in_strength": ranking.in_strength(n, d_dst, d_w),
        "reach": reach.astype(np.int64),
        "engagement_rate": ranking.engagement_rate(received, np.maximum(followers_known,
                                                                        reach)),
        "betweenness": ranking.betweenness(n, s_src, s_dst, s_w,
                                           exact_below=weights.betweenness_exact_below,
                                           samples=weights.betweenness_samples, seed=seed,
                                           graph=graph),
    })
    score = ranking.kol_score(comp[list(KOL_COMPONENTS)], weights.kol_score)
    names = data.persons.set_index(data.persons["person_id"].astype(str))["display_name"]
    persons = pd.DataFrame({"person_id": index.ids,
                            "display_name": names.reindex(index.ids).to_numpy(),
                            "community_id": membership})
    persons = pd.concat([persons, comp], axis=1)
    persons["kol_score"] = score
    persons["kol_rank"] = ranking.ranks(score, tiebreak=comp["pagerank"].to_numpy())
    persons["community_rank"] = ranking.ranks(score, group=membership,
                                              tiebreak=comp["pagerank"].to_numpy())
    lap("ranking_s")

    eng = data.engagements[["person", "topic", "count"]]
    accounts = data.accounts[["person", "platform"]]
    profile = profiles.community_profiles(index.ids, membership, s_src, s_dst, s_w,
                                          kol_score=score, engagements=eng, accounts=accounts,
                                          resolution=resolution)
    profile["label"] = _labels(profile, names)
    top = persons.nsmallest(weights.overlap_top_n, "kol_rank").index.tolist()
    overlaps = overlap.audience_overlap(audience, top)
    overlaps["a"] = index.ids[overlaps["a"].to_numpy(dtype=np.int64)].astype(object)
    overlaps["b"] = index.ids[overlaps["b"].to_numpy(dtype=np.int64)].astype(object)
    lap("profiles_s")

    metrics = {"persons": n, "projection_edges": int(len(directed)),
               "undirected_edges": int(len(sym)), "communities": kept,
               "communities_found": partition.count,
               "unassigned_persons": int((membership == unassigned).sum())
               if unassigned is not None else 0,
               "modularity": round(partition.modularity, 6), "algorithm": algorithm,
               "resolution": resolution, "seed": seed, "now": now, **timings}
    return AnalysisResult(persons, profile, partition, overlaps, metrics, unassigned)


def _labels(profile: pd.DataFrame, names: pd.Series) -> list[str]:
    """Each community's label: its top three topics and its top KOL's display name."""
    labels = []
    for topics_json, kols_json in zip(profile["topics"], profile["top_kols"], strict=True):
        kols = json.loads(kols_json or "[]")
        top = kols[0]["person_id"] if kols else None
        name = names.get(top) if top is not None else None
        labels.append(community_ids.human_label(
            list(json.loads(topics_json or "{}")),
            str(name) if isinstance(name, str) and name else top))
    return labels
