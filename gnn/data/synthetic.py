"""A synthetic audience graph as plain frames, for tests and for the benchmark without a
database: communities with a favourite topic, skewed popularity, triadic closure, persons
on several platforms, contents engaged mostly within the community's topic.

>>> g = synthetic_graph(persons=300, seed=1)
>>> g.num_persons, g.num_contents > 0, len(g.pp_src) > 300
(300, True, True)
"""

from __future__ import annotations

from typing import TypedDict, Unpack

import numpy as np
import pandas as pd

from gnn.data.graph import GraphData

PLATFORMS = ("bilibili", "dedao", "ximalaya", "zhihu", "channels")


def synthetic_frames(persons: int = 2000, seed: int = 0, mean_degree: float = 8.0,
                     community_size: int = 60, topics: int = 12,
                     closure: float = 0.35) -> dict[str, pd.DataFrame]:
    """Frames in the shape ``graph.store.gnn_io`` reads: persons, person_edges, contents,
    engagements."""
    rng = np.random.default_rng(seed)
    n = persons
    n_comm = max(1, n // community_size)
    comm = np.sort(rng.integers(0, n_comm, size=n))
    starts = np.searchsorted(comm, np.arange(n_comm))
    sizes = np.bincount(comm, minlength=n_comm)
    # edges: most inside the community, skewed towards its first (popular) members
    m = int(n * mean_degree / 2 * (1 - closure))
    src = rng.integers(0, n, size=m)
    inside = rng.random(m) < 0.85
    c = comm[src]
    local = (sizes[c] * rng.random(m) ** 1.6).astype(np.int64)
    dst = np.where(inside, starts[c] + local, (n * rng.random(m) ** 1.3).astype(np.int64))
    # triadic closure: u - v - w becomes u - w
    order = np.argsort(np.concatenate([src, dst]), kind="stable")
    both_s = np.concatenate([src, dst])[order]
    both_d = np.concatenate([dst, src])[order]
    indptr = np.searchsorted(both_s, np.arange(n + 1))
    k = int(n * mean_degree / 2 * closure)
    pick = rng.integers(0, len(both_s), size=k)
    u, v = both_s[pick], both_d[pick]
    deg_v = indptr[v + 1] - indptr[v]
    w = both_d[indptr[v] + (rng.random(k) * deg_v).astype(np.int64)]
    src, dst = np.concatenate([src, u]), np.concatenate([dst, w])
    keep = src != dst
    ids = np.array([f"p{i:07d}" for i in range(n)])
    person_edges = pd.DataFrame({"src": ids[src[keep]], "dst": ids[dst[keep]],
                                 "weight": rng.integers(1, 4, size=int(keep.sum()))})
    # platforms: a home platform per community plus extras
    home = rng.integers(0, len(PLATFORMS), size=n_comm)[comm]
    extra = rng.random((n, len(PLATFORMS))) < 0.15
    extra[np.arange(n), home] = True
    platforms = ["|".join(PLATFORMS[j] for j in np.flatnonzero(row)) for row in extra]
    followers = (rng.pareto(1.5, size=n) * 50).astype(np.int64)
    persons_df = pd.DataFrame({"person_id": ids, "followers_total": followers,
                               "platforms": platforms, "community_id": comm})
    # contents: one topic each; a community favours one topic
    n_content = max(60, n // 25)
    c_topic = rng.integers(0, topics, size=n_content)
    c_plat = rng.integers(0, len(PLATFORMS), size=n_content)
    topic_names = np.array([f"topic{t:02d}" for t in range(topics)])
    keys = np.array([f"{PLATFORMS[p]}:c{i:06d}" for i, p in enumerate(c_plat)])
    contents = pd.DataFrame({"content_key": keys, "platform": np.array(PLATFORMS)[c_plat],
                             "topic": topic_names[c_topic],
                             "price": rng.choice([0.0, 9.9, 49.0, 199.0], size=n_content)})
    by_topic = [np.flatnonzero(c_topic == t) for t in range(topics)]
    fav = rng.integers(0, topics, size=n_comm)[comm]
    n_eng = 1 + rng.poisson(3.0, size=n)
    person = np.repeat(np.arange(n), n_eng)
    e = len(person)
    on_topic = rng.random(e) < 0.75
    t = fav[person]
    pool_sizes = np.array([len(b) for b in by_topic])
    local = (pool_sizes[t] * rng.random(e) ** 1.8).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(pool_sizes)])
    flat = np.concatenate(by_topic)
    topical = flat[offsets[t] + np.minimum(local, np.maximum(pool_sizes[t] - 1, 0))]
    anywhere = (n_content * rng.random(e) ** 2.0).astype(np.int64)
    content = np.where(on_topic & (pool_sizes[t] > 0), topical, anywhere)
    engagements = pd.DataFrame({"person_id": ids[person], "content_key": keys[content],
                                "count": rng.integers(1, 5, size=e),
                                "amount": np.where(rng.random(e) < 0.1, 49.0, 0.0)})
    return {"persons": persons_df, "person_edges": person_edges, "contents": contents,
            "engagements": engagements}


class SyntheticOptions(TypedDict, total=False):
    """The keyword arguments of ``synthetic_frames`` after ``persons`` and ``seed``."""

    mean_degree: float
    community_size: int
    topics: int
    closure: float


def synthetic_graph(persons: int = 2000, seed: int = 0,
                    **kwargs: Unpack[SyntheticOptions]) -> GraphData:
    """``synthetic_frames`` indexed as ``GraphData``."""
    f = synthetic_frames(persons, seed, **kwargs)
    return GraphData.from_frames(f["persons"], f["person_edges"], f["contents"],
                                 f["engagements"])
