"""Community profiles: size, top topics, platform mix, top KOLs, density, each community's
share of the modularity and its strongest links to other communities.

Everything is computed from plain arrays and DataFrames; JSON-valued columns (``topics``,
``platform_mix``, ``top_kols``, ``links``) are JSON strings ready to be stored (neither
database stores a map as a property).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import cast

import numpy as np
import pandas as pd

PROFILE_COLUMNS = ["community_id", "size", "label", "top_platform", "density",
                   "modularity_share", "topics", "platform_mix", "top_kols", "links"]


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _by_int(frame: pd.DataFrame, column: str) -> Iterator[tuple[int, pd.DataFrame]]:
    """``frame`` grouped by its integer ``column`` (community numbers), keys as ``int``:
    pandas types a group key as any scalar."""
    for key, group in frame.groupby(column):
        yield int(cast(int, key)), group


def edge_summary(membership: np.ndarray, src: np.ndarray, dst: np.ndarray,
                 weight: np.ndarray, resolution: float = 1.0) -> pd.DataFrame:
    """Per community: ``internal_edges``, ``internal_weight``, ``degree_weight`` and
    ``modularity_share = L_c / m - resolution * (d_c / 2m) ** 2`` (undirected edges).

    >>> m = np.array([0, 0, 1, 1]); s = np.array([0, 2, 1]); d = np.array([1, 3, 2])
    >>> edge_summary(m, s, d, np.ones(3))["internal_edges"].tolist()
    [1, 1]
    """
    count = int(membership.max()) + 1 if membership.size else 0
    cs, cd = membership[src], membership[dst]
    inside = cs == cd
    internal_edges = np.bincount(cs[inside], minlength=count)
    internal_w = np.bincount(cs[inside], weights=weight[inside], minlength=count)
    degree_w = (np.bincount(cs, weights=weight, minlength=count)
                + np.bincount(cd, weights=weight, minlength=count))
    m = float(weight.sum())
    share = (internal_w / m - resolution * (degree_w / (2 * m)) ** 2) if m > 0 \
        else np.zeros(count)
    return pd.DataFrame({"community_id": np.arange(count), "internal_edges": internal_edges,
                         "internal_weight": internal_w, "degree_weight": degree_w,
                         "modularity_share": share})


def strongest_links(membership: np.ndarray, src: np.ndarray, dst: np.ndarray,
                    weight: np.ndarray, top: int = 3) -> dict[int, list[dict[str, float]]]:
    """For each community, its ``top`` heaviest links to other communities:
    ``[{"community_id": c, "weight": w}, ...]`` by decreasing weight."""
    cs, cd = membership[src], membership[dst]
    across = cs != cd
    frame = pd.DataFrame({"a": np.r_[cs[across], cd[across]], "b": np.r_[cd[across], cs[across]],
                          "weight": np.r_[weight[across], weight[across]]})
    if frame.empty:
        return {}
    sums = frame.groupby(["a", "b"], as_index=False)[["weight"]].sum()
    sums = sums.sort_values(["a", "weight", "b"], ascending=[True, False, True])
    best = sums.groupby("a").head(top)
    return {a: [{"community_id": int(b), "weight": round(float(w), 4)}
                for b, w in zip(g["b"], g["weight"], strict=True)]
            for a, g in _by_int(best, "a")}


def _top_shares(frame: pd.DataFrame, key: str, value: str, top: int) -> dict[int, dict]:
    """Per community, the ``top`` values of ``key`` by their share of ``value``."""
    sums = frame.groupby(["community_id", key], as_index=False)[[value]].sum()
    totals = sums.groupby("community_id")[value].transform("sum")
    sums["share"] = np.where(totals > 0, sums[value] / totals, 0.0)
    sums = sums.sort_values(["community_id", "share", key], ascending=[True, False, True])
    best = sums.groupby("community_id").head(top)
    return {c: {str(k): round(float(s), 4) for k, s in zip(g[key], g["share"], strict=True)}
            for c, g in _by_int(best, "community_id")}


def community_profiles(ids: np.ndarray, membership: np.ndarray, src: np.ndarray,
                       dst: np.ndarray, weight: np.ndarray, *, kol_score: np.ndarray,
                       engagements: pd.DataFrame, accounts: pd.DataFrame,
                       resolution: float = 1.0, top_kols: int = 5,
                       top_topics: int = 5) -> pd.DataFrame:
    """One row per community (columns ``PROFILE_COLUMNS``), by community number.

    ``ids``/``membership``/``kol_score``: per person (positions ``0..n-1``); ``src, dst,
    weight``: the symmetrised projection over those positions; ``engagements``: ``person,
    topic, count`` (what members engage with); ``accounts``: ``person, platform``.
    ``label`` joins the top three topics with `` / ``.
    """
    n = ids.size
    count = int(membership.max()) + 1 if n else 0
    size = np.bincount(membership, minlength=count)
    summary = edge_summary(membership, src, dst, weight, resolution)
    pairs = size * (size - 1) / 2.0
    density = np.divide(summary["internal_edges"].to_numpy(float), pairs,
                        out=np.zeros(count), where=pairs > 0)
    community_of = pd.Series(membership, index=pd.Index(ids, name="person"))

    eng = engagements.dropna(subset=["topic"])
    eng = eng.assign(community_id=community_of.reindex(eng["person"]).to_numpy(),
                     count=pd.to_numeric(eng["count"], errors="coerce").fillna(1))
    topics = _top_shares(eng.dropna(subset=["community_id"]), "topic", "count", top_topics)
    acc = accounts.assign(community_id=community_of.reindex(accounts["person"]).to_numpy(),
                          one=1).dropna(subset=["community_id"])
    platforms = _top_shares(acc, "platform", "one", 10)
    links = strongest_links(membership, src, dst, weight)

    order = np.lexsort((np.arange(n), -np.asarray(kol_score, dtype=float), membership))
    firsts = pd.DataFrame({"community_id": membership[order], "person": ids[order],
                           "kol_score": np.asarray(kol_score, dtype=float)[order]})
    kols = {c: [{"person_id": str(p), "kol_score": round(float(s), 4)}
                for p, s in zip(g["person"], g["kol_score"], strict=True)]
            for c, g in _by_int(firsts.groupby("community_id").head(top_kols), "community_id")}

    modularity_share = summary["modularity_share"].to_numpy(dtype=float)
    rows = []
    for c in range(count):
        topic_share = topics.get(c, {})
        mix = platforms.get(c, {})
        rows.append({
            "community_id": c, "size": int(size[c]),
            "label": " / ".join(list(topic_share)[:3]),
            "top_platform": next(iter(mix), ""),
            "density": float(density[c]),
            "modularity_share": float(modularity_share[c]),
            "topics": _dumps(topic_share), "platform_mix": _dumps(mix),
            "top_kols": _dumps(kols.get(c, [])), "links": _dumps(links.get(c, [])),
        })
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)
