"""The overview dashboard's database reads: persons per platform and growth (persons and
accounts first seen per month). Each is one aggregation in the database returning a row per
platform or per day, never a row per person; callers cache them per ingest run. Valid in
FalkorDB and Neo4j 5."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from graph.store.base import GraphStore, Row

DAY_S = 86_400


def persons_per_platform(store: GraphStore) -> list[Row]:
    """``platform, persons`` (persons with at least one account there), most persons first."""
    return store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) "
                      "RETURN a.platform AS platform, count(DISTINCT p) AS persons "
                      "ORDER BY persons DESC, platform").rows


def _months(rows: list[Row], column: str) -> dict[str, int]:
    """Day-bucket counts (``day``: days since 1970-01-01, UTC) summed per ``YYYY-MM``."""
    out: Counter[str] = Counter()
    for row in rows:
        if row["day"] is None:
            continue
        day = dt.datetime.fromtimestamp(int(row["day"]) * DAY_S, dt.UTC)
        out[f"{day:%Y-%m}"] += int(row[column])
    return dict(out)


def growth_per_month(store: GraphStore) -> list[dict[str, int | str]]:
    """``month`` (``YYYY-MM``, UTC), ``persons`` (persons whose earliest account was created
    that month) and ``accounts`` (accounts created that month), oldest month first, every
    month between the first and the last present (zero where none). Accounts without
    ``created_at`` are not counted; a person counts by their earliest dated account."""
    accounts = store.read("MATCH (a:Account) WHERE a.created_at IS NOT NULL "
                          "RETURN toInteger(a.created_at) / $day AS day, count(a) AS n",
                          {"day": DAY_S}).rows
    persons = store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) "
                         "WHERE a.created_at IS NOT NULL "
                         "WITH p, min(toInteger(a.created_at)) AS first "
                         "RETURN first / $day AS day, count(p) AS n", {"day": DAY_S}).rows
    by_accounts, by_persons = _months(accounts, "n"), _months(persons, "n")
    months = sorted(set(by_accounts) | set(by_persons))
    if not months:
        return []
    year, month = map(int, months[0].split("-"))
    out: list[dict[str, int | str]] = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append({"month": key, "persons": by_persons.get(key, 0),
                    "accounts": by_accounts.get(key, 0)})
        if key >= months[-1]:
            return out
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
