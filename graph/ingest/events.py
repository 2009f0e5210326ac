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
#: Optional column of precomputed row hashes of the identity columns (see ``_by_day``).
ROW_HASH = "_h"


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One 64-bit hash per row of ``frame[columns]`` (values only, not names), the input of
    the batch digests: the same events give the same hashes in every run."""
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


@dataclass(frozen=True)
class EventBatch:
    """One unit of work: ``rows`` are written together with the ledger entry ``key``.

    ``rows`` is a DataFrame in the column order of the kind's write query (a slice of the
    run's aggregated table: no Python object per row). ``first`` marks the rows whose
    relationship occurs for the first time in this run (earlier days of the run do not
    hold it); the writer may CREATE those when the graph had no relationship of the kind.
    """

    key: str
    kind: str
    events: int
    rows: pd.DataFrame
    first: np.ndarray

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts (for reading and tests)."""
        return [{str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                for r in self.rows.to_dict("records")]


def _by_day(kind: str, frame: pd.DataFrame, identity: list[str], keys: list[str],
            aggregate: dict[str, tuple[str, str]]) -> list[EventBatch]:
    if frame.empty:
        return []
    day = frame["ts"].to_numpy() // DAY
    # the digest hashes the events' key strings: a caller that replaces the keys by
    # integer positions hashes the strings first (ROW_HASH)
    hashes = (frame[ROW_HASH].to_numpy() if ROW_HASH in frame
              else row_hashes(frame, identity))
    order = np.argsort(day, kind="stable")
    event_days, event_starts = np.unique(day[order], return_index=True)
    event_ends = np.append(event_starts[1:], len(order))
    day_hashes = hashes[order]  # by day; each day's are sorted for its digest below
    del hashes, order
    grouped, first = _aggregate(frame, day, keys, aggregate)
    row_days, row_starts = np.unique(grouped["_day"].to_numpy(), return_index=True)
    row_ends = np.append(row_starts[1:], len(grouped))
    table = grouped.drop(columns="_day")
    batches = []
    for i, d in enumerate(event_days):
        digest = hashlib.sha256(np.sort(day_hashes[event_starts[i]:event_ends[i]]).tobytes())
        key = f"{kind}:{int(d)}:{digest.hexdigest()[:24]}"
        assert row_days[i] == d
        lo, hi = int(row_starts[i]), int(row_ends[i])
        batches.append(EventBatch(key, kind, int(event_ends[i] - event_starts[i]),
                                  table.iloc[lo:hi], first[lo:hi]))
    return batches


def _aggregate(frame: pd.DataFrame, day: np.ndarray, keys: list[str],
               aggregate: dict[str, tuple[str, str]]) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` grouped by (``day``, ``keys``) in sorted order and aggregated (columns
    ``_day``, ``keys``, then ``aggregate``'s: name -> (column, min/max/sum/size)), and
    whether each row's ``keys`` occur there for the first time (its earliest day).

    Integer and categorical keys whose codes fit one 64-bit integer (every run of up to
    millions of accounts) are sorted as that integer: several times faster than pandas'
    groupby; other keys (the key strings of the Neo4j path) go through pandas.
    """
    codes = [day] + [frame[k].cat.codes.to_numpy() if isinstance(frame[k].dtype,
                                                                  pd.CategoricalDtype)
                     else frame[k].to_numpy() for k in keys]
    packed = _pack(codes[1:]) if all(c.dtype.kind in "iu" for c in codes) else None
    both = _pack([codes[0], packed]) if packed is not None else None
    if packed is None or both is None:
        grouped = frame.groupby([pd.Series(day, index=frame.index, name="_day"), *keys],
                                sort=True, observed=True).agg(**aggregate).reset_index()
        return grouped, ~grouped.duplicated(subset=keys, keep="first").to_numpy()
    order = np.argsort(both, kind="stable")
    ordered = both[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    at = order[starts]
    out: dict[str, object] = {"_day": day[at]}
    for k in keys:
        dtype = frame[k].dtype
        out[k] = frame[k].to_numpy()[at] if not isinstance(
            dtype, pd.CategoricalDtype) else pd.Categorical.from_codes(
            frame[k].cat.codes.to_numpy()[at], dtype=dtype)
    reduce = {"min": np.minimum, "max": np.maximum, "sum": np.add}
    for name, (column, how) in aggregate.items():
        if how == "size":
            out[name] = np.diff(np.append(starts, len(order)))
        else:
            # validation bounds every value (``validate.MAX_NUMBER``): a sum cannot overflow,
            # and if it ever did this raises instead of storing inf
            with np.errstate(over="raise", invalid="raise"):
                out[name] = reduce[how].reduceat(frame[column].to_numpy()[order], starts)
    first = np.zeros(len(starts), dtype=bool)
    first[np.unique(packed[at], return_index=True)[1]] = True  # the earliest day's row
    return pd.DataFrame(out), first


def _pack(columns: list[np.ndarray]) -> np.ndarray | None:
    """Non-negative integer ``columns`` as one int64 per row that sorts as the rows do
    (first column most significant); ``None`` when they need more than 63 bits."""
    packed = np.zeros(len(columns[0]), dtype=np.int64)
    bits = 0
    for column in columns:
        if len(column) and column.min() < 0:
            return None
        width = int(column.max()).bit_length() if len(column) else 0
        bits += width
        if bits > 63:
            return None
        packed = (packed << width) | column.astype(np.int64)
    return packed


def interaction_batches(events: pd.DataFrame) -> list[EventBatch]:
    """Batches of ``follows`` (type follow) and ``interacted`` (other types) per day.

    ``events`` has columns src, dst, type, ts (distinct events). Rows: ``s, d, t, c`` (count),
    ``f`` (first ts), ``l`` (last ts).

    >>> ev = pd.DataFrame({"src": ["a", "a", "a"], "dst": ["b", "b", "c"],
    ...                    "type": ["like", "like", "follow"], "ts": [5, 9, 7]})
    >>> [(b.kind, b.records()) for b in interaction_batches(ev)]  # doctest: +NORMALIZE_WHITESPACE
    [('follows', [{'s': 'a', 'd': 'c', 'f': 7}]),
     ('interacted', [{'s': 'a', 'd': 'b', 't': 'like', 'c': 2, 'f': 5, 'l': 9}])]
    """
    ev = events.rename(columns={"src": "s", "dst": "d", "type": "t"})
    ident = ["s", "d", "t", "ts"]
    follow = (ev["t"] == "follow").to_numpy()
    follows = _by_day("follows", ev[follow], ident, ["s", "d"], {"f": ("ts", "min")})
    other = _by_day("interacted", ev[~follow], ident, ["s", "d", "t"],
                    {"c": ("ts", "size"), "f": ("ts", "min"), "l": ("ts", "max")})
    return follows + other


def engagement_batches(events: pd.DataFrame) -> list[EventBatch]:
    """Batches of ``engaged`` per day: rows ``a, k`` (content key), ``t``, ``c`` (count),
    ``l`` (last ts), ``m`` (amount sum), ``f`` (first ts). ``events`` has account, content,
    type, ts, amount.
    """
    ev = events.rename(columns={"account": "a", "content": "k", "type": "t", "amount": "m"})
    return _by_day("engaged", ev, ["a", "k", "t", "ts", "m"], ["a", "k", "t"],
                   {"c": ("ts", "size"), "l": ("ts", "max"), "m": ("m", "sum"),
                    "f": ("ts", "min")})


#: The input kinds whose rows are events, in the order they are batched and written.
SOURCES = ("interactions", "engagements")

#: Grouping keys and how the values of one relationship's rows add up, by kind.
KEYS = {"follows": ["s", "d"], "interacted": ["s", "d", "t"], "engaged": ["a", "k", "t"]}
COMBINE = {
    "follows": {"f": "min"},
    "interacted": {"c": "sum", "f": "min", "l": "max"},
    "engaged": {"c": "sum", "l": "max", "m": "sum", "f": "min"},
}


def groups(batches: list[EventBatch], max_rows: int) -> list[list[EventBatch]]:
    """Consecutive batches cut into groups of about ``max_rows`` rows (a batch is never
    split; a group has at least one batch)."""
    out: list[list[EventBatch]] = []
    size = 0
    for batch in batches:
        if not out or size + len(batch.rows) > max_rows:
            out.append([])
            size = 0
        out[-1].append(batch)
        size += len(batch.rows)
    return out


def combine(kind: str, group: list[EventBatch], fresh: bool
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``group`` (batches of one kind) added up to one row per relationship,
    split into ``(created, merged)``: ``created`` are relationships whose first row in the
    run is in this group, when ``fresh`` (the graph had no relationship of this kind before
    the run); ``merged`` are all others. Columns as in the batches' rows.

    >>> ev = pd.DataFrame({"src": ["a", "a", "a"], "dst": ["b", "b", "b"],
    ...                    "type": ["like"] * 3, "ts": [5, 86_405, 2 * 86_400]})
    >>> bs = interaction_batches(ev)
    >>> created, merged = combine("interacted", bs[1:], fresh=True)
    >>> len(created), merged.to_dict("records")
    (0, [{'s': 'a', 'd': 'b', 't': 'like', 'c': 2, 'f': 86405, 'l': 172800}])
    """
    keys = KEYS[kind]
    rows = pd.concat([b.rows for b in group], ignore_index=True)
    first = np.concatenate([b.first for b in group])
    columns = list(rows.columns)
    if len(group) > 1:
        rows = rows.assign(_first=first).groupby(keys, sort=False).agg(
            **{c: (c, how) for c, how in COMBINE[kind].items()},
            _first=("_first", "max")).reset_index()
        first = rows.pop("_first").to_numpy()
    rows = rows[columns]
    if not fresh:
        return rows.iloc[:0], rows
    return rows[first], rows[~first]
