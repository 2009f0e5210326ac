"""Campaign attribution: which purchases a campaign's KOLs caused, and the revenue each earns.

Plain functions over DataFrames; ``graph.store.attribution_reads`` reads the inputs and
``kolgraph.usecases.attribution`` wires the two together.

Inputs (times are Unix epoch seconds, UTC, as everywhere in the graph):

- ``touches``: ``kol, content_key, touched_at`` — a campaign KOL shared the content
  (``ENGAGED {type: 'share'}``: its ``first_at`` and its ``last_at``, one touch each). A
  creation is no touch of its own: ``CREATED``
  carries no time, so it cannot be placed before or after a purchase; a KOL launching its
  own content counts through its share of it.
- ``ties``: ``buyer, kol, tied_since`` — the buyer follows or interacted with one of the
  KOL's accounts (the audience of ``ranking.AUDIENCE_TIE_TYPES``) since that time (the
  earliest ``FOLLOWS.since`` / ``INTERACTED.first_at``).
- ``purchases``: ``buyer, content_key, type, purchased_at, amount, platform`` — purchases
  and subscriptions (``ENGAGED {type: 'purchase' | 'subscribe'}``).

A purchase **qualifies** for a KOL when the KOL touched the content inside the campaign
window (``window.start <= touched_at < window.end``), the purchase came at or after the
touch and at most ``lookback_s`` after it (so it may fall up to the lookback after the
window ends), the buyer was tied to the KOL at or before the purchase, and the buyer is not
the KOL. A rule then splits the purchase among its qualifying KOLs:

- ``last_touch``: the KOL whose touch came last before the purchase gets all of it;
- ``first_touch``: the KOL whose touch came first gets all of it;
- ``linear``: every qualifying KOL gets an equal share.

Equal touch times go to the smaller ``kol`` id, so the result never depends on row order.

What the graph keeps limits what can be found: one ``ENGAGED`` per (account, content, type)
with its first and last time. A KOL who shared a content three times is seen at the first
and the last share, so purchases caused by a share in between, more than the lookback after
the first, are missed; a purchase repeated is seen at its last time. Ties keep their first
time (``since``, ``first_at``), so "tied before the purchase" is exact.

>>> touches = pd.DataFrame({"kol": ["A", "B"], "content_key": ["c", "c"],
...                         "touched_at": [100, 200]})
>>> ties = pd.DataFrame({"buyer": ["u", "u"], "kol": ["A", "B"], "tied_since": [0, 0]})
>>> purchases = pd.DataFrame({"buyer": ["u"], "content_key": ["c"], "type": ["purchase"],
...                           "purchased_at": [300], "amount": [50.0],
...                           "platform": ["zhihu"]})
>>> rows = attribute(touches, ties, purchases, rule="linear", window=Window(None, None))
>>> rows[["kol", "share", "revenue"]].to_dict("records")
[{'kol': 'A', 'share': 0.5, 'revenue': 25.0}, {'kol': 'B', 'share': 0.5, 'revenue': 25.0}]
>>> last = attribute(touches, ties, purchases, rule="last_touch", window=Window(None, None))
>>> last[["kol", "touched_at", "share"]].to_dict("records")
[{'kol': 'B', 'touched_at': 200, 'share': 1.0}]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

RULES: tuple[str, ...] = ("last_touch", "first_touch", "linear")
DEFAULT_LOOKBACK_DAYS = 7
#: Campaign dates are calendar days of this zone (the project's default display time zone).
DEFAULT_TIMEZONE = "Asia/Shanghai"
DAY_S = 86_400

TOUCH_COLUMNS: tuple[str, ...] = ("kol", "content_key", "touched_at")
TIE_COLUMNS: tuple[str, ...] = ("buyer", "kol", "tied_since")
PURCHASE_COLUMNS: tuple[str, ...] = ("buyer", "content_key", "type", "purchased_at", "amount",
                                     "platform")
ROW_COLUMNS: tuple[str, ...] = ("purchase", "buyer", "content_key", "type", "purchased_at",
                                "amount", "platform", "kol", "touched_at", "tied_since",
                                "share", "revenue")


@dataclass(frozen=True)
class Window:
    """A campaign's time window in epoch seconds: ``start`` inclusive, ``end`` exclusive;
    ``None`` leaves that side open."""

    start: int | None
    end: int | None

    def contains(self, times: pd.Series) -> pd.Series:
        """Which of ``times`` fall inside the window."""
        inside = pd.Series(True, index=times.index)
        if self.start is not None:
            inside &= times >= self.start
        if self.end is not None:
            inside &= times < self.end
        return inside


def window_of(starts_on: str | None, ends_on: str | None,
              timezone: str = DEFAULT_TIMEZONE) -> Window:
    """The window of a campaign running from ``starts_on`` to ``ends_on`` (``YYYY-MM-DD``,
    both days included, in ``timezone``): from midnight starting ``starts_on`` to midnight
    ending ``ends_on``. A missing date leaves that side open.

    >>> window_of("2026-01-01", "2026-01-01")
    Window(start=1767196800, end=1767283200)
    >>> window_of(None, "2026-01-01", "UTC").end
    1767312000
    """
    zone = ZoneInfo(timezone)

    def midnight(day: str) -> int:
        return int(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(),
                                       tzinfo=zone).timestamp())

    start = midnight(starts_on) if starts_on else None
    end = midnight((dt.date.fromisoformat(ends_on) + dt.timedelta(days=1)).isoformat()) \
        if ends_on else None
    return Window(start, end)


def qualifying(touches: pd.DataFrame, ties: pd.DataFrame, purchases: pd.DataFrame, *,
               window: Window, lookback_s: int = DEFAULT_LOOKBACK_DAYS * DAY_S
               ) -> pd.DataFrame:
    """Every (purchase, KOL) pair where the purchase qualifies for the KOL (see the module
    docstring): the purchase's columns, its number ``purchase`` (purchases ordered by time,
    buyer, content, type), ``kol``, ``first_touch`` and ``last_touch`` (the KOL's earliest and
    latest qualifying touch times) and ``tied_since``; sorted by purchase, then KOL."""
    bought = _numbered(purchases)
    touched = touches.loc[window.contains(touches["touched_at"]), list(TOUCH_COLUMNS)]
    pairs = bought.merge(touched, on="content_key")
    pairs = pairs[(pairs["touched_at"] <= pairs["purchased_at"])
                  & (pairs["purchased_at"] <= pairs["touched_at"] + lookback_s)
                  & (pairs["buyer"] != pairs["kol"])]
    tied = ties.groupby(["buyer", "kol"], as_index=False)["tied_since"].min()
    pairs = pairs.merge(tied, on=["buyer", "kol"])
    pairs = pairs[pairs["tied_since"] <= pairs["purchased_at"]]
    keys = ["purchase", "kol"]
    out = pairs.groupby(keys, as_index=False).agg(first_touch=("touched_at", "min"),
                                                  last_touch=("touched_at", "max"),
                                                  tied_since=("tied_since", "first"))
    out = out.merge(bought, on="purchase")
    columns = ["purchase", *PURCHASE_COLUMNS, "kol", "first_touch", "last_touch", "tied_since"]
    return out[columns].sort_values(keys, kind="stable").reset_index(drop=True)


def _numbered(purchases: pd.DataFrame) -> pd.DataFrame:
    ordered = purchases[list(PURCHASE_COLUMNS)].sort_values(
        ["purchased_at", "buyer", "content_key", "type"], kind="stable")
    return ordered.assign(purchase=np.arange(len(ordered), dtype=np.int64),
                          amount=ordered["amount"].astype(float).fillna(0.0))


def attribute(touches: pd.DataFrame, ties: pd.DataFrame, purchases: pd.DataFrame, *,
              rule: str = "last_touch", window: Window,
              lookback_s: int = DEFAULT_LOOKBACK_DAYS * DAY_S) -> pd.DataFrame:
    """One row per (attributed purchase, credited KOL) under ``rule`` (one of ``RULES``):
    ``ROW_COLUMNS`` — the purchase (``purchase`` numbers it), the ``kol``, the touch that
    counted (``touched_at``: the last qualifying one, the first for ``first_touch``),
    ``tied_since``, the KOL's ``share`` of the purchase and the ``revenue`` credited
    (``amount * share``). Purchases that qualify for no KOL are left out."""
    if rule not in RULES:
        raise ValueError(f"rule: one of {', '.join(RULES)}, got {rule!r}")
    pairs = qualifying(touches, ties, purchases, window=window, lookback_s=lookback_s)
    if rule == "linear":
        chosen = pairs.assign(touched_at=pairs["last_touch"],
                              share=1.0 / pairs.groupby("purchase")["kol"].transform("size"))
    else:
        column = "last_touch" if rule == "last_touch" else "first_touch"
        ranked = pairs.sort_values(["purchase", column, "kol"],
                                   ascending=[True, rule == "first_touch", True],
                                   kind="stable")
        chosen = ranked.drop_duplicates("purchase").assign(touched_at=ranked[column],
                                                           share=1.0)
    chosen = chosen.assign(revenue=chosen["amount"] * chosen["share"])
    return chosen[list(ROW_COLUMNS)].sort_values(["purchase", "kol"], kind="stable") \
        .reset_index(drop=True)


def revenue_by(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Attributed rows summed by ``column``: ``column, purchases`` (purchases credited in
    part or whole), ``credit`` (sum of shares), ``revenue``; most revenue first, then by
    ``column``.

    >>> rows = pd.DataFrame({"purchase": [0, 0, 1], "kol": ["A", "B", "A"],
    ...                      "share": [0.5, 0.5, 1.0], "revenue": [5.0, 5.0, 20.0]})
    >>> revenue_by(rows, "kol").values.tolist()
    [['A', 2, 1.5, 25.0], ['B', 1, 0.5, 5.0]]
    """
    out = rows.groupby(column, as_index=False).agg(purchases=("purchase", "nunique"),
                                                   credit=("share", "sum"),
                                                   revenue=("revenue", "sum"))
    out["purchases"] = out["purchases"].astype(int)
    return out.sort_values(["revenue", column], ascending=[False, True], kind="stable") \
        .reset_index(drop=True)


def totals(rows: pd.DataFrame, purchases: pd.DataFrame) -> dict[str, float | int]:
    """``purchases`` and ``revenue`` of all the purchases given (those of the contents the
    KOLs touched), ``attributed_purchases`` and ``attributed_revenue`` of ``rows``, and
    ``attributed_share`` (attributed revenue / revenue, 0 when there is none).

    >>> totals(pd.DataFrame({"purchase": [0], "revenue": [10.0]}),
    ...        pd.DataFrame({"amount": [10.0, 30.0]}))["attributed_share"]
    0.25
    """
    revenue = float(purchases["amount"].astype(float).fillna(0.0).sum())
    attributed = float(rows["revenue"].sum())
    return {"purchases": int(len(purchases)), "revenue": round(revenue, 2),
            "attributed_purchases": int(rows["purchase"].nunique()),
            "attributed_revenue": round(attributed, 2),
            "attributed_share": round(attributed / revenue, 4) if revenue else 0.0}
