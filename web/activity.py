"""A person's activity (``graph.store.person_reads.person_activity``: counts per
15-minute bucket) summed per calendar month of a time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

#: The series of ``person_activity`` and the key each has in a month's row.
SERIES = {"engagement": "engagement", "conversion": "conversions"}


def _months(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``.

    >>> _months("2025-11", "2026-02")
    ['2025-11', '2025-12', '2026-01', '2026-02']
    """
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def monthly(rows: Iterable[Mapping[str, Any]], bucket_s: int,
            tz: dt.tzinfo) -> list[dict[str, Any]]:
    """``rows`` (``series, bucket, n``; ``bucket * bucket_s`` epoch seconds) summed per
    month of ``tz``: ``month`` (``YYYY-MM``), ``engagement``, ``conversions``, oldest first,
    with the months without activity between the first and the last as zeros.

    >>> rows = [{"series": "engagement", "bucket": 0, "n": 2},
    ...         {"series": "conversion", "bucket": 4, "n": 1}]
    >>> monthly(rows, 900, dt.timezone(dt.timedelta(hours=-1)))
    [{'month': '1969-12', 'engagement': 2, 'conversions': 0}, \
{'month': '1970-01', 'engagement': 0, 'conversions': 1}]
    """
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        key = SERIES.get(str(row["series"]))
        if key is None or row.get("bucket") is None:
            continue
        at = dt.datetime.fromtimestamp(int(row["bucket"]) * bucket_s, dt.UTC).astimezone(tz)
        month = counts.setdefault(at.strftime("%Y-%m"), {})
        month[key] = month.get(key, 0) + int(row["n"] or 0)
    if not counts:
        return []
    return [{"month": m, "engagement": counts.get(m, {}).get("engagement", 0),
             "conversions": counts.get(m, {}).get("conversions", 0)}
            for m in _months(min(counts), max(counts))]
