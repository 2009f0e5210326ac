"""Events (interactions, engagements) to self-identifying, aggregated batches.

A batch holds the distinct events of one kind on one UTC day, aggregated to one row per
relationship (one per (src, dst, type) pair or (account, content, type)). Its key is
``<kind>:<day>:<digest of the sorted events>``: the same events always give the same key,
so a batch whose key is in the ledger (``IngestBatch``) has been applied and is skipped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

DAY = 86_400


@dataclass(frozen=True)
class EventBatch:
    """One unit of work: ``rows`` are written together with the ledger entry ``key``."""

    key: str
    kind: str
    events: int
    rows: list[dict[str, Any]]


def _by_day(kind: str, frame: pd.DataFrame, identity: list[str], keys: list[str],
            aggregate: dict[str, tuple[str, str]]) -> list[EventBatch]:
    if frame.empty:
        return []
    day = frame["ts"].to_numpy() // DAY
    hashes = pd.util.hash_pandas_object(frame[identity], index=False).to_numpy()
    order = np.lexsort((hashes, day))
    event_days, event_starts = np.unique(day[order], return_index=True)
    event_ends = np.append(event_starts[1:], len(order))
    sorted_hashes = hashes[order]
    grouped = frame.assign(_day=day).groupby(["_day", *keys], sort=True).agg(
        **aggregate).reset_index()
    row_days, row_starts = np.unique(grouped["_day"].to_numpy(), return_index=True)
    row_ends = np.append(row_starts[1:], len(grouped))
    records = grouped.drop(columns="_day").to_dict("records")
    batches = []
    for i, d in enumerate(event_days):
        digest = hashlib.sha256(sorted_hashes[event_starts[i]:event_ends[i]].tobytes())
        key = f"{kind}:{int(d)}:{digest.hexdigest()[:24]}"
        assert row_days[i] == d
        batches.append(EventBatch(key, kind, int(event_ends[i] - event_starts[i]),
                                  records[row_starts[i]:row_ends[i]]))
    return batches


def interaction_batches(events: pd.DataFrame) -> list[EventBatch]:
    """Batches of ``follows`` (type follow) and ``interacted`` (other types) per day.

    ``events`` has columns src, dst, type, ts (distinct events). Rows: ``s, d, t, c`` (count),
    ``f`` (first ts), ``l`` (last ts).

    >>> ev = pd.DataFrame({"src": ["a", "a", "a"], "dst": ["b", "b", "c"],
    ...                    "type": ["like", "like", "follow"], "ts": [5, 9, 7]})
    >>> [(b.kind, b.rows) for b in interaction_batches(ev)]  # doctest: +NORMALIZE_WHITESPACE
    [('follows', [{'s': 'a', 'd': 'c', 'f': 7}]),
     ('interacted', [{'s': 'a', 'd': 'b', 't': 'like', 'c': 2, 'f': 5, 'l': 9}])]
    """
    ev = events.rename(columns={"src": "s", "dst": "d", "type": "t"})
    ident = ["s", "d", "t", "ts"]
    follow = ev["t"].to_numpy() == "follow"
    follows = _by_day("follows", ev[follow], ident, ["s", "d"], {"f": ("ts", "min")})
    other = _by_day("interacted", ev[~follow], ident, ["s", "d", "t"],
                    {"c": ("ts", "size"), "f": ("ts", "min"), "l": ("ts", "max")})
    return follows + other


def engagement_batches(events: pd.DataFrame) -> list[EventBatch]:
    """Batches of ``engaged`` per day: rows ``a, k`` (content key), ``t``, ``c`` (count),
    ``l`` (last ts), ``m`` (amount sum). ``events`` has account, content, type, ts, amount.
    """
    ev = events.rename(columns={"account": "a", "content": "k", "type": "t", "amount": "m"})
    return _by_day("engaged", ev, ["a", "k", "t", "ts", "m"], ["a", "k", "t"],
                   {"c": ("ts", "size"), "l": ("ts", "max"), "m": ("m", "sum")})
