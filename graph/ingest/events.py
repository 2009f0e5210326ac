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


def _digest(frame: pd.DataFrame) -> str:
    hashed = np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy())
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:24]


def _by_day(kind: str, frame: pd.DataFrame, identity: list[str], keys: list[str],
            aggregate: dict[str, tuple[str, str]]) -> list[EventBatch]:
    if frame.empty:
        return []
    frame = frame.assign(_day=frame["ts"].to_numpy() // DAY)
    batches = []
    for day, part in frame.groupby("_day", sort=True):
        grouped = part.groupby(keys, sort=True).agg(**aggregate).reset_index()
        rows = grouped.to_dict("records")
        key = f"{kind}:{int(day)}:{_digest(part[identity])}"
        batches.append(EventBatch(key, kind, len(part), rows))
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
