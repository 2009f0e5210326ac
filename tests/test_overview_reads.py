"""The overview dashboard's reads (``graph/store/overview_reads.py``) on both databases."""

from __future__ import annotations

import datetime as dt

from graph.store import overview_reads


def _t(year: int, month: int, day: int = 15) -> int:
    return int(dt.datetime(year, month, day, 12, tzinfo=dt.UTC).timestamp())


def test_persons_per_platform_and_growth(any_store):
    accounts = [  # person, platform, created_at
        ("p1", "zhihu", _t(2025, 11)), ("p1", "bilibili", _t(2026, 1, 31)),
        ("p2", "zhihu", _t(2026, 1, 1)), ("p3", "zhihu", None),
        ("p4", "dedao", _t(2025, 11, 30)), ("p4", "zhihu", _t(2026, 2)),
    ]
    any_store.write(
        "UNWIND $rows AS r MERGE (p:Person {person_id: r.p}) "
        "CREATE (p)-[:HAS_ACCOUNT]->(:Account {account_key: r.p + ':' + r.f, "
        "platform: r.f, created_at: r.t})",
        {"rows": [{"p": p, "f": f, "t": t} for p, f, t in accounts]})
    assert overview_reads.persons_per_platform(any_store) == [
        {"platform": "zhihu", "persons": 4}, {"platform": "bilibili", "persons": 1},
        {"platform": "dedao", "persons": 1}]
    assert overview_reads.growth_per_month(any_store) == [
        {"month": "2025-11", "persons": 2, "accounts": 2},
        {"month": "2025-12", "persons": 0, "accounts": 0},
        {"month": "2026-01", "persons": 1, "accounts": 2},
        {"month": "2026-02", "persons": 0, "accounts": 1}]


def test_growth_is_empty_without_creation_times(any_store):
    any_store.write("CREATE (:Person {person_id: 'x'})-[:HAS_ACCOUNT]->"
                    "(:Account {account_key: 'zhihu:x', platform: 'zhihu'})")
    assert overview_reads.growth_per_month(any_store) == []
