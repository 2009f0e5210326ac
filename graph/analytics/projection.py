"""The person projection: ties between accounts (follows, interactions, engagements with
someone's content) lifted to the persons who own them and summed into one weighted edge per
ordered pair of persons.

A tie ``A -> B`` of type ``t``, seen ``count`` times, last at ``last_at`` (epoch seconds),
weighs ``weights[t] * (1 + ln(count)) * 0.5 ** ((now - last_at) / half_life)``; unknown
types weigh 0, self-ties (two accounts of one person) are dropped.

>>> import pandas as pd
>>> edges = pd.DataFrame({"src_person": ["a", "a", "b"], "dst_person": ["b", "b", "a"],
...                       "type": ["follow", "share", "like"], "count": [1, 1, 1],
...                       "last_at": [0, 0, 0]})
>>> w = {"follow": 1.0, "share": 4.0, "like": 0.5}
>>> person_projection(edges, w, half_life_days=30, now=0).to_dict("records")
[{'src': 'a', 'dst': 'b', 'weight': 5.0}, {'src': 'b', 'dst': 'a', 'weight': 0.5}]
>>> symmetrize(person_projection(edges, w, 30, 0)).to_dict("records")
[{'src': 'a', 'dst': 'b', 'weight': 5.5}]
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

EDGE_COLUMNS = ["src_person", "dst_person", "type", "count", "last_at"]
SECONDS_PER_DAY = 86_400.0


def recency_factor(last_at: np.ndarray, now: float, half_life_days: float) -> np.ndarray:
    """``0.5 ** (age / half_life)`` per tie, 1 for ties without a time or from the future.

    >>> recency_factor(np.array([0.0, -86400.0 * 10, np.nan]), 0.0, 10.0).tolist()
    [1.0, 0.5, 1.0]
    """
    age_days = (now - np.asarray(last_at, dtype=float)) / SECONDS_PER_DAY
    age_days = np.where(np.isnan(age_days), 0.0, np.clip(age_days, 0.0, None))
    return np.power(0.5, age_days / half_life_days)


def person_projection(edges: pd.DataFrame, weights: Mapping[str, float],
                      half_life_days: float, now: float | None = None) -> pd.DataFrame:
    """Directed weighted person graph ``DataFrame[src, dst, weight]``, sorted by (src, dst).

    ``edges`` has the columns of ``EDGE_COLUMNS`` (as ``read_interaction_edges`` returns);
    ``now`` (epoch seconds) defaults to this clock. Edges of weight 0 are dropped.
    """
    if edges.empty:
        return pd.DataFrame({"src": pd.Series(dtype=object), "dst": pd.Series(dtype=object),
                             "weight": pd.Series(dtype=float)})
    now = time.time() if now is None else float(now)
    type_w = edges["type"].map(dict(weights)).fillna(0.0).to_numpy(dtype=float)
    count = pd.to_numeric(edges["count"], errors="coerce").fillna(1).to_numpy(dtype=float)
    last_at = pd.to_numeric(edges["last_at"], errors="coerce").to_numpy(dtype=float)
    weight = (type_w * (1.0 + np.log(np.clip(count, 1.0, None)))
              * recency_factor(last_at, now, half_life_days))
    frame = pd.DataFrame({"src": edges["src_person"].to_numpy(),
                          "dst": edges["dst_person"].to_numpy(), "weight": weight})
    frame = frame[(frame["src"] != frame["dst"]) & (frame["weight"] > 0)]
    return _sum_pairs(frame)


def _sum_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per ``(src, dst)`` of ``frame``, weights summed, sorted by (src, dst). Persons
    given as positions (non-negative integers) are grouped by one integer key each."""
    src, dst = frame["src"].to_numpy(), frame["dst"].to_numpy()
    if not (len(frame) and np.issubdtype(src.dtype, np.integer)
            and np.issubdtype(dst.dtype, np.integer) and min(src.min(), dst.min()) >= 0):
        out = frame.groupby(["src", "dst"], as_index=False, sort=True)[["weight"]].sum()
        return out.reset_index(drop=True)
    size = int(max(src.max(), dst.max())) + 1
    keys, inverse = np.unique(src.astype(np.int64) * size + dst, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=frame["weight"].to_numpy(dtype=float),
                         minlength=keys.size)
    return pd.DataFrame({"src": keys // size, "dst": keys % size, "weight": weight})


def symmetrize(directed: pd.DataFrame) -> pd.DataFrame:
    """Undirected version of a projection: one row per unordered pair (``src < dst``), the
    weights of both directions summed. Persons are compared as text, or as numbers when
    they are positions (integers)."""
    src, dst = directed["src"].to_numpy(), directed["dst"].to_numpy()
    if not (np.issubdtype(src.dtype, np.integer) and np.issubdtype(dst.dtype, np.integer)):
        src, dst = src.astype(str), dst.astype(str)
    lo, hi = np.where(src < dst, src, dst), np.where(src < dst, dst, src)
    frame = pd.DataFrame({"src": lo, "dst": hi, "weight": directed["weight"].to_numpy()})
    return _sum_pairs(frame)


def combine(*projections: pd.DataFrame) -> pd.DataFrame:
    """Sum several directed projections into one (same columns, sorted by (src, dst))."""
    frames = [p for p in projections if len(p)]
    if not frames:
        return projections[0] if projections else person_projection(
            pd.DataFrame(columns=EDGE_COLUMNS), {}, 1.0)
    return _sum_pairs(pd.concat(frames, ignore_index=True))
