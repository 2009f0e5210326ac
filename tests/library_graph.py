"""The small, deterministic graph the Cypher library is tested on.

``tests/data/library/input`` (12 persons, 18 accounts on zhihu / bilibili / dedao, 6 contents)
is ingested by the real ``graph.ingest.pipeline``; then three analyze runs and three refresh
runs are written through the real writers of ``graph/store/analytics_io.py`` and
``graph/store/gnn_io.py``:

- analyze ``A_OLD`` (complete, older), ``A_CUR`` (complete, the current one) and ``A_NEW``
  (still running: its communities exist but must stay invisible);
- refresh ``R_OLD`` (complete, older), ``R_CUR`` (current) and ``R_NEW`` (running).

Persons are named by a short handle (``W`` = 王老师 ...); ``PERSONS`` gives the account each
handle is found by, and ``build_library_graph`` returns handle -> ``person_id``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from graph.config import Settings
from graph.ingest.pipeline import ingest_folder
from graph.store import analytics_io as aio
from graph.store import gnn_io
from graph.store.base import GraphStore
from graph.store.runs import finish_run, start_run

INPUT = Path(__file__).resolve().parent / "data" / "library" / "input"

#: handle -> (an account of the person, display name)
PERSONS: dict[str, tuple[str, str]] = {
    "W": ("zhihu:wang", "王老师"), "L": ("zhihu:li", "李博士"), "J": ("dedao:jiang", "蒋十四"),
    "C": ("zhihu:chen", "陈同学"), "S": ("bilibili:sun", "孙八"), "Z": ("zhihu:zhao", "赵六"),
    "Q": ("bilibili:qian", "钱七"), "F": ("bilibili:feng", "冯十二"),
    "ZH": ("zhihu:zhou", "周九"), "WU": ("dedao:wu", "吴十"), "ZE": ("zhihu:zheng", "郑十一"),
    "WEI": ("zhihu:wei", "卫十三"),
}

#: The current analysis: handle -> (community_id, kol_score, pagerank, kol_rank, community_rank)
CURRENT: dict[str, tuple[int, float, float, int, int]] = {
    "W": (0, 0.95, 0.30, 1, 1), "L": (1, 0.90, 0.25, 2, 1), "J": (2, 0.50, 0.10, 3, 1),
    "C": (0, 0.30, 0.05, 4, 2), "S": (1, 0.25, 0.05, 5, 2), "Z": (0, 0.20, 0.04, 6, 3),
    "Q": (1, 0.15, 0.04, 7, 3), "F": (1, 0.12, 0.03, 8, 4), "ZH": (0, 0.10, 0.03, 9, 4),
    "WU": (1, 0.05, 0.02, 10, 5), "ZE": (0, 0.02, 0.02, 11, 5), "WEI": (2, 0.01, 0.01, 12, 2),
}
CURRENT_LABELS = {0: ("知识管理 / 学习方法", "zhihu"), 1: ("经济学", "bilibili"),
                  2: ("学习方法", "dedao")}

A_OLD = "analyze-20251230T000000.000000-old000"
A_CUR = "analyze-20251231T000000.000000-cur000"
A_NEW = "analyze-20260101T000000.000000-new000"
R_OLD = "refresh-20251230T000000-old000"
R_CUR = "refresh-20251231T000000-cur000"
R_NEW = "refresh-20260101T000000-new000"

#: 2026-01-01T00:00:00Z, the "now" of the time-window tests.
AS_OF = 1767225600


def _person_ids(store: GraphStore) -> dict[str, str]:
    rows = store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) "
                      "RETURN a.account_key AS k, p.person_id AS p").rows
    by_account = {r["k"]: r["p"] for r in rows}
    return {h: by_account[acc] for h, (acc, _) in PERSONS.items()}


def _persons_frame(ids: dict[str, str], values: dict[str, tuple]) -> pd.DataFrame:
    rows = []
    for handle, (community, score, pagerank, rank, crank) in values.items():
        rows.append({"person_id": ids[handle], "community_id": community, "kol_score": score,
                     "pagerank": pagerank, "in_strength": score * 10,
                     "engagement_rate": score / 2, "reach": int(score * 100),
                     "betweenness": pagerank / 2, "kol_rank": rank, "community_rank": crank})
    return pd.DataFrame(rows)


def _profiles(labels: dict[int, tuple[str, str]], members: dict[int, int]) -> pd.DataFrame:
    return pd.DataFrame([
        {"community_id": c, "size": members[c], "label": label, "top_platform": platform,
         "density": 0.5, "modularity_share": 0.3, "topics": json.dumps([label]),
         "platform_mix": json.dumps({platform: 1.0}), "top_kols": "[]", "links": "[]"}
        for c, (label, platform) in labels.items()])


def _analysis(store: GraphStore, run_id: str, ids: dict[str, str],
              values: dict[str, tuple], labels: dict[int, tuple[str, str]],
              publish: bool) -> None:
    start_run(store, "analyze", {"test": True}, run_id=run_id)
    persons = _persons_frame(ids, values)
    sizes = persons["community_id"].value_counts().to_dict()
    aio.write_communities(store, run_id, _profiles(labels, sizes),
                          persons[["person_id", "community_id"]])
    aio.stage_person_values(store, run_id, persons)
    if publish:
        aio.publish_run(store, run_id, {"test": True})


def _recommendations(store: GraphStore, run_id: str, ids: dict[str, str],
                     people: list[tuple], content: list[tuple], complete: bool) -> None:
    start_run(store, "refresh", {"test": True}, run_id=run_id)
    gnn_io.write_recommendations(store, [
        {"person_id": ids[p], "target_id": ids[t], "score": s, "rank": r, "reason": why}
        for p, t, s, r, why in people], run_id, "people")
    gnn_io.write_recommendations(store, [
        {"person_id": ids[p], "target_id": t, "score": s, "rank": r, "reason": why}
        for p, t, s, r, why in content], run_id, "content")
    if complete:
        finish_run(store, run_id, {"test": True})


def build_library_graph(store: GraphStore, settings: Settings) -> dict[str, str]:
    """Load the library test graph into ``store``; return handle -> person_id."""
    ingest_folder(store, settings, INPUT)
    ids = _person_ids(store)
    # An older complete analysis (communities 7 and 8, other scores) ...
    old = {h: (7 if v[0] == 0 else 8, 1.0 - v[1], v[2], 13 - v[3], 1) for h, v in CURRENT.items()}
    _analysis(store, A_OLD, ids, old, {7: ("旧社区甲", "zhihu"), 8: ("旧社区乙", "dedao")}, True)
    # ... the current one ...
    _analysis(store, A_CUR, ids, CURRENT, CURRENT_LABELS, True)
    # ... and a newer one still running: everybody in community 0, nothing published.
    running = {h: (0, 0.5, 0.5, 1, 1) for h in CURRENT}
    _analysis(store, A_NEW, ids, running, {0: ("未完成", "bilibili")}, False)

    _recommendations(store, R_OLD, ids, [("C", "WEI", 0.99, 1, "old run")],
                     [("C", "dedao:k2", 0.99, 1, "old run")], True)
    _recommendations(
        store, R_CUR, ids,
        [("C", "ZE", 0.8, 1, "也关注了王老师"), ("C", "J", 0.6, 2, "同样关注学习方法"),
         ("S", "W", 0.9, 1, "在得到关注了王老师")],
        [("C", "dedao:k1", 0.7, 1, "王老师的听众买了3次")], True)
    _recommendations(store, R_NEW, ids, [("C", "Q", 0.95, 1, "unfinished run")], [], False)
    return ids
