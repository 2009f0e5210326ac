"""The reads behind campaign attribution (``graph.analytics.attribution``): the campaign
KOLs' share touches, the purchases of the contents they touched, and the buyers' ties to
those KOLs. Parameterised Cypher that both backends run (FalkorDB's subset of Neo4j's);
lists go in batches of ``BATCH`` through ``UNWIND``.

Times are the graph's epoch seconds; ``None`` bounds are open.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from graph.store.base import GraphStore, Row

BATCH = 2_000
TOUCH_TYPES: tuple[str, ...] = ("share",)
PURCHASE_TYPES: tuple[str, ...] = ("purchase", "subscribe")
#: Wider than any epoch second the graph holds: stands for an open bound.
_OPEN = 2**62

# Each share edge gives two touches: its first and its last time (``first_at`` is absent on
# edges ingested before it was kept: the last time then stands for both).
_TOUCHES = (
    "UNWIND $ids AS id MATCH (p:Person {person_id: id})-[:HAS_ACCOUNT]->(:Account)"
    "-[e:ENGAGED]->(c:Content) WHERE e.type IN $types "
    "WITH p, c, [coalesce(e.first_at, e.last_at), e.last_at] AS times "
    "UNWIND times AS at WITH DISTINCT p, c, at WHERE at >= $start AND at < $end "
    "RETURN p.person_id AS kol, c.content_key AS content_key, at AS touched_at")

_PURCHASES = (
    "UNWIND $keys AS key MATCH (c:Content {content_key: key})<-[e:ENGAGED]-(:Account)"
    "<-[:HAS_ACCOUNT]-(b:Person) "
    "WHERE e.type IN $types AND e.last_at >= $start AND e.last_at < $end "
    "RETURN b.person_id AS buyer, c.content_key AS content_key, e.type AS type, "
    "e.last_at AS purchased_at, coalesce(e.amount, c.price, 0.0) AS amount, "
    "c.platform AS platform")

# The WITH after each hop keeps FalkorDB's planner from filtering the whole pattern at once
# (hundreds of times slower with the KOL test in one MATCH).
_TIES = (
    "UNWIND $buyers AS id MATCH (b:Person {person_id: id}) WITH b "
    "MATCH (b)-[:HAS_ACCOUNT]->(:Account)-[t:FOLLOWS|INTERACTED]->(a:Account) WITH b, t, a "
    "MATCH (a)<-[:HAS_ACCOUNT]-(k:Person) "
    "WHERE k.person_id IN $kols AND k <> b AND coalesce(t.type, 'follow') IN $tie_types "
    "WITH b, k, min(coalesce(t.since, t.first_at)) AS tied_since "
    "WHERE tied_since IS NOT NULL "
    "RETURN b.person_id AS buyer, k.person_id AS kol, tied_since")


def _bound(value: int | None, default: int) -> int:
    return default if value is None else int(value)


def _batched_read(store: GraphStore, query: str, name: str, values: Sequence[str],
                  params: dict[str, object]) -> list[Row]:
    rows: list[Row] = []
    items = list(dict.fromkeys(values))
    for at in range(0, len(items), BATCH):
        rows += store.read(query, {**params, name: items[at:at + BATCH]}).rows
    return rows


def read_touches(store: GraphStore, kols: Sequence[str], start: int | None,
                 end: int | None, types: Sequence[str] = TOUCH_TYPES) -> pd.DataFrame:
    """``kol, content_key, touched_at``: the first and the last time (one row when they are
    the same) of each engagement of ``types`` (shares) by an account of a person of ``kols``,
    those with ``start <= time < end``."""
    rows = _batched_read(store, _TOUCHES, "ids", kols,
                         {"types": list(types), "start": _bound(start, -_OPEN),
                          "end": _bound(end, _OPEN)})
    return _frame(rows, ["kol", "content_key", "touched_at"], {"touched_at": "int64"})


def read_purchases(store: GraphStore, content_keys: Sequence[str], start: int | None,
                   end: int | None, types: Sequence[str] = PURCHASE_TYPES) -> pd.DataFrame:
    """``buyer, content_key, type, purchased_at, amount, platform``: the purchases and
    subscriptions of the given contents with ``start <= last_at < end``, by person
    (``amount``: the engagement's, else the content's price, else 0)."""
    rows = _batched_read(store, _PURCHASES, "keys", content_keys,
                         {"types": list(types), "start": _bound(start, -_OPEN),
                          "end": _bound(end, _OPEN)})
    return _frame(rows, ["buyer", "content_key", "type", "purchased_at", "amount", "platform"],
                  {"purchased_at": "int64", "amount": "float64"})


def read_ties(store: GraphStore, buyers: Sequence[str], kols: Sequence[str],
              tie_types: Sequence[str]) -> pd.DataFrame:
    """``buyer, kol, tied_since``: for each buyer and each person of ``kols`` it follows or
    interacted with (``FOLLOWS`` counts as type ``follow``; only ``tie_types``), the earliest
    ``since`` / ``first_at`` of those ties. Ties without a time are left out."""
    if not kols:
        return _frame([], ["buyer", "kol", "tied_since"], {"tied_since": "int64"})
    rows = _batched_read(store, _TIES, "buyers", buyers,
                         {"kols": list(dict.fromkeys(kols)), "tie_types": list(tie_types)})
    return _frame(rows, ["buyer", "kol", "tied_since"], {"tied_since": "int64"})


def _frame(rows: list[Row], columns: list[str], types: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return frame.astype({c: types.get(c, "object") for c in columns})
