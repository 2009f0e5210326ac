"""The analysts' Cypher library (``cypher/library``, ``graph/querylib.py``) and
``kolgraph query``: every library query against the embedded database loaded with the small
graph of ``tests/library_graph.py``, whose answers are known by construction (the comments
say why), plus header parsing, parameter binding, read-only enforcement and the timeout.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph import querylib
from graph.config import Settings
from graph.querylib import (
    LibraryError,
    ParameterError,
    UnknownQuery,
    bind_params,
    get_query,
    list_queries,
    parse_query_file,
    run_library_query,
)
from graph.store import QueryTimeout, ReadOnlyViolation
from graph.store.falkordb_store import FalkorDBStore
from tests.conftest import BACKENDS, neo4j_store
from tests.library_graph import A_CUR, AS_OF, R_CUR, build_library_graph

GRAPH = "cypherlib"
ID_KEYS = {"person_id", "person_ids", "target_id", "top_kol_id", "person_a", "person_b",
           "from_person", "to_person"}


def ts(text: str) -> int:
    """Epoch seconds of an ISO UTC time, as the ingest stores them."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp())


class _Any:
    """Matches any non-empty value (run ids and times made when the test runs)."""

    def __eq__(self, other: object) -> bool:
        return bool(other)

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()


@pytest.fixture(scope="module")
def lib_store(_server: Path, settings: Settings) -> Iterator[tuple[FalkorDBStore, dict]]:
    with FalkorDBStore(_server, GRAPH) as old:  # left over by an interrupted run
        old.drop_all()
    store = FalkorDBStore(_server, GRAPH)
    store.apply_schema()
    ids = build_library_graph(store, settings)
    yield store, ids
    store.drop_all()
    store.close()


@pytest.fixture(scope="module", params=BACKENDS)
def lib_any_store(request: pytest.FixtureRequest, settings: Settings) -> Iterator[tuple[Any, dict]]:
    """The library graph on the embedded store, and on the session's Neo4j server
    (tests/conftest.py)."""
    if request.param == "embedded":
        yield request.getfixturevalue("lib_store")
        return
    store = neo4j_store(request.getfixturevalue("neo4j_env"))
    ids = build_library_graph(store, settings)
    yield store, ids
    store.drop_all()
    store.close()


def _expand(value: Any, key: str, ids: dict[str, str]) -> Any:
    if key not in ID_KEYS:
        return value
    if isinstance(value, list):
        return [ids.get(v, v) for v in value]
    return ids.get(value, value) if isinstance(value, str) else value


def _approx(value: Any) -> Any:
    if isinstance(value, float):
        return pytest.approx(value, abs=1e-9)
    if isinstance(value, list):
        return [_approx(v) for v in value]
    return value


# Every library query: a list of (parameters, expected rows as tuples in header-column order).
# Handles (W = 王老师, L = 李博士, ...; tests/library_graph.py) stand for person ids.
CASES: dict[str, list[tuple[dict[str, Any], list[tuple]]]] = {
    # W's audience: C, Z, ZH, ZE, Q, S, J (7); L's: C, ZH, Q, F, S, J (6); both: C, ZH, Q, S, J.
    "audience_overlap": [
        ({"person_a": "W", "person_b": "L"}, [("王老师", "李博士", 7, 6, 5, 8, 0.625)]),
        ({"person_a": "L", "person_b": "WEI"}, [("李博士", "卫十三", 6, 0, 0, 6, 0.0)])],
    # Members' accounts per platform in the current analysis (not the old or running one).
    "communities_by_platform_mix": [
        ({}, [(0, "知识管理 / 学习方法", 5, 8, 3, ["zhihu", "dedao", "bilibili"], [5, 2, 1],
               5 / 8),
              (1, "经济学", 5, 7, 3, ["bilibili", "dedao", "zhihu"], [4, 2, 1], 4 / 7),
              (2, "学习方法", 2, 3, 3, ["bilibili", "dedao", "zhihu"], [1, 1, 1], 1 / 3)]),
        ({"k": 1}, [(0, "知识管理 / 学习方法", 5, 8, 3, ["zhihu", "dedao", "bilibili"],
                     [5, 2, 1], 5 / 8)])],
    "community_overview": [
        ({}, [(0, "知识管理 / 学习方法", 5, "zhihu", "王老师", "W", A_CUR),
              (1, "经济学", 5, "bilibili", "李博士", "L", A_CUR),
              (2, "学习方法", 2, "dedao", "蒋十四", "J", A_CUR)])],
    # Community 0: W shares c1, k1; C buys c1, c2; Z buys c1, k1 and views k1; ZH buys c1.
    "community_top_topics": [
        ({"community_id": 0}, [("知识管理", 4, 4), ("学习方法", 3, 2), ("经济学", 1, 1)]),
        ({"community_id": 1}, [("学习方法", 2, 2), ("经济学", 2, 2)])],
    "content_buyers": [
        ({"content_key": "zhihu:c1"},
         [("ZH", "周九", "zhihu:zhou", ts("2025-12-02T00:00:00"), 199.0, 0),
          ("C", "陈同学", "zhihu:chen", ts("2025-12-04T12:00:00"), 199.0, 0),
          ("Z", "赵六", "zhihu:zhao", ts("2025-12-20T00:00:00"), 199.0, 0)]),
        ({"content_key": "bilibili:v1"}, [])],
    # W shared c1 on 12-03 and k1 on 12-05. ZH bought c1 before the share; Z bought c1 on
    # 12-20 but followed W only from 12-25; Z bought k1 22 days after the share.
    "conversion_attribution": [
        ({"person_id": "W"},
         [("zhihu:c1", "知识管理30讲", ts("2025-12-03T00:00:00"), "C", "陈同学",
           ts("2025-12-04T12:00:00"), 36, 199.0, ts("2025-11-20T00:00:00")),
          ("dedao:k1", "高效学习课", ts("2025-12-05T00:00:00"), "S", "孙八",
           ts("2025-12-06T00:00:00"), 24, 99.0, ts("2025-12-01T00:00:00")),
          ("dedao:k1", "高效学习课", ts("2025-12-05T00:00:00"), "J", "蒋十四",
           ts("2025-12-07T00:00:00"), 48, 99.0, ts("2025-12-05T00:00:00"))]),
        ({"person_id": "W", "window_days": 30, "k": 4},
         [("zhihu:c1", "知识管理30讲", ts("2025-12-03T00:00:00"), "C", "陈同学",
           ts("2025-12-04T12:00:00"), 36, 199.0, ts("2025-11-20T00:00:00")),
          ("dedao:k1", "高效学习课", ts("2025-12-05T00:00:00"), "S", "孙八",
           ts("2025-12-06T00:00:00"), 24, 99.0, ts("2025-12-01T00:00:00")),
          ("dedao:k1", "高效学习课", ts("2025-12-05T00:00:00"), "J", "蒋十四",
           ts("2025-12-07T00:00:00"), 48, 99.0, ts("2025-12-05T00:00:00")),
          ("dedao:k1", "高效学习课", ts("2025-12-05T00:00:00"), "Z", "赵六",
           ts("2025-12-27T00:00:00"), 528, 99.0, ts("2025-12-25T00:00:00"))]),
        ({"person_id": "L"},
         [("zhihu:c2", "经济学入门", ts("2025-12-01T00:00:00"), "C", "陈同学",
           ts("2025-12-03T00:00:00"), 48, 299.0, ts("2025-11-25T00:00:00"))])],
    # W (0) reaches Q, S (1) and J (2); L (1) reaches C, ZH (0) and J (2); J (2) reaches W and
    # L; S (1) reaches only W (0); Z's ties stay in community 0.
    "cross_platform_bridges": [
        ({}, [("W", "王老师", 0, 2, [1, 2], 3, ["bilibili", "dedao"], 0.95),
              ("L", "李博士", 1, 2, [0, 2], 3, ["zhihu", "bilibili"], 0.90),
              ("J", "蒋十四", 2, 2, [0, 1], 2, ["dedao", "bilibili"], 0.50)]),
        ({"min_communities": 1, "k": 4},
         [("W", "王老师", 0, 2, [1, 2], 3, ["bilibili", "dedao"], 0.95),
          ("L", "李博士", 1, 2, [0, 2], 3, ["zhihu", "bilibili"], 0.90),
          ("J", "蒋十四", 2, 2, [0, 1], 2, ["dedao", "bilibili"], 0.50),
          ("S", "孙八", 1, 1, [0], 1, ["dedao"], 0.25)])],
    # Two complete analyze and refresh runs each, one running of each; one ingest.
    "current_runs": [
        ({}, [("analyze", A_CUR, ANY, 2, 1), ("ingest", ANY, ANY, 1, 0),
              ("refresh", R_CUR, ANY, 2, 1)])],
    # Followers of W: C 11-20, Z 12-25 (zhihu) and 12-26 (dedao), ZH 06-01, ZE 12-28,
    # Q 12-27, S 12-01, J 12-05; of L: C 11-25, ZH 11-01, Q 12-15, F 12-30, S 10-01.
    "fast_growing_persons": [
        ({"as_of": AS_OF}, [("W", "王老师", 4, 7, 4 / 7, 8800), ("L", "李博士", 2, 5, 0.4, 5000)]),
        ({"as_of": AS_OF, "days": 7},
         [("W", "王老师", 3, 7, 3 / 7, 8800), ("L", "李博士", 1, 5, 0.2, 5000)])],
    "find_persons": [
        ({"name_contains": "b站"},
         [("W", "王老师", 3, ["bilibili:wang_b"], 0.95), ("L", "李博士", 2, ["bilibili:li_b"], 0.9),
          ("J", "蒋十四", 2, ["bilibili:jiang_b"], 0.5)]),
        ({"name_contains": "十"},
         [("J", "蒋十四", 2, ["bilibili:jiang_b", "dedao:jiang"], 0.5),
          ("F", "冯十二", 1, ["bilibili:feng"], 0.12), ("WU", "吴十", 1, ["dedao:wu"], 0.05),
          ("ZE", "郑十一", 1, ["zhihu:zheng"], 0.02), ("WEI", "卫十三", 1, ["zhihu:wei"], 0.01)])],
    # Last own activity: WU bought k2 on 2025-08-01; WEI never did anything; ZH's last act is
    # the purchase of c1 on 12-02.
    "inactive_community_members": [
        ({"community_id": 1, "as_of": AS_OF},
         [("WU", "吴十", ts("2025-08-01T00:00:00"), 153, 0.05)]),
        ({"community_id": 2, "as_of": AS_OF}, [("WEI", "卫十三", None, None, 0.01)]),
        ({"community_id": 0, "days": 20, "as_of": AS_OF},
         [("ZH", "周九", ts("2025-12-02T00:00:00"), 30, 0.1)])],
    # Cross-community ties: C->L, ZH->L, Q->W, S->W (0-1); J->W (0-2); J->L (1-2).
    "inter_community_links": [
        ({}, [(0, "知识管理 / 学习方法", 1, "经济学", 4),
              (0, "知识管理 / 学习方法", 2, "学习方法", 1),
              (1, "经济学", 2, "学习方法", 1)]),
        ({"min_ties": 2}, [(0, "知识管理 / 学习方法", 1, "经济学", 4)])],
    # C follows and commented twice; Z follows on two platforms; ZH follows and replied.
    "kol_audience": [
        ({"person_id": "W"},
         [("C", "陈同学", 0, 2, 3, ["zhihu"]), ("ZH", "周九", 0, 2, 2, ["zhihu"]),
          ("Z", "赵六", 0, 2, 2, ["dedao", "zhihu"]), ("S", "孙八", 1, 1, 1, ["dedao"]),
          ("J", "蒋十四", 2, 1, 1, ["dedao"]), ("ZE", "郑十一", 0, 1, 1, ["zhihu"]),
          ("Q", "钱七", 1, 1, 1, ["bilibili"])]),
        ({"person_id": "W", "k": 1}, [("C", "陈同学", 0, 2, 3, ["zhihu"])]),
        ({"person_id": "WEI"}, [])],
    "kol_content_performance": [
        ({"person_id": "W"},
         [("zhihu:c1", "知识管理30讲", "zhihu", "course", 199.0, "知识管理", 4, 3, 597.0),
          ("dedao:k1", "高效学习课", "dedao", "course", 99.0, "学习方法", 5, 3, 297.0),
          ("bilibili:v1", "笔记方法", "bilibili", "video", 0.0, "知识管理", 0, 0, 0.0)]),
        ({"person_id": "L"},
         [("zhihu:c2", "经济学入门", "zhihu", "course", 299.0, "经济学", 2, 1, 299.0),
          ("bilibili:v2", "宏观经济漫谈", "bilibili", "video", 0.0, "经济学", 1, 0, 0.0)])],
    "kol_conversions": [
        ({}, [("W", "王老师", 2, 3, 3, 397.0), ("L", "李博士", 1, 1, 1, 299.0)]),
        ({"window_days": 30}, [("W", "王老师", 2, 4, 4, 496.0), ("L", "李博士", 1, 1, 1, 299.0)])],
    # Own follows + interactions + engagements per platform.
    "multi_platform_persons": [
        ({}, [("W", "王老师", 3, ["zhihu", "dedao", "bilibili"], [2, 1, 0], "zhihu", 3),
              ("Z", "赵六", 2, ["dedao", "zhihu"], [3, 2], "dedao", 5),
              ("S", "孙八", 2, ["dedao", "bilibili"], [2, 1], "dedao", 3),
              ("J", "蒋十四", 2, ["dedao", "bilibili"], [2, 1], "dedao", 3),
              ("L", "李博士", 2, ["zhihu", "bilibili"], [1, 0], "zhihu", 1)]),
        ({"min_platforms": 3},
         [("W", "王老师", 3, ["zhihu", "dedao", "bilibili"], [2, 1, 0], "zhihu", 3)])],
    "person_profile": [
        ({"person_id": "W"},
         [("W", "王老师", ["bilibili:wang_b", "dedao:wang_d", "zhihu:wang"],
           ["bilibili", "dedao", "zhihu"], 8800, 0, "知识管理 / 学习方法", 0.95, 1, 1, 0.30)]),
        ({"person_id": "nobody"}, [])],
    "platform_summary": [
        ({}, [("zhihu", 7, 7, 2, 4, 896.0), ("bilibili", 6, 6, 2, 0, 0.0),
              ("dedao", 5, 5, 2, 4, 346.0)])],
    # Only the current refresh run: not R_OLD's (C -> WEI) nor the running R_NEW's (C -> Q).
    "recommendations_for_person": [
        ({"person_id": "C"},
         [("content", 1, "dedao:k1", "高效学习课", 0.7, "王老师的听众买了3次"),
          ("people", 1, "ZE", "郑十一", 0.8, "也关注了王老师"),
          ("people", 2, "J", "蒋十四", 0.6, "同样关注学习方法")]),
        ({"person_id": "C", "kind": "people", "k": 1},
         [("people", 1, "ZE", "郑十一", 0.8, "也关注了王老师")]),
        ({"person_id": "WEI"}, [])],
    "shared_audience": [
        ({"person_a": "W", "person_b": "L"},
         [("J", "蒋十四", 2, 0.5), ("C", "陈同学", 0, 0.3), ("S", "孙八", 1, 0.25),
          ("Q", "钱七", 1, 0.15), ("ZH", "周九", 0, 0.1)])],
    # C follows li (zhihu); li_b (bilibili) is L's too; F follows li_b: 6 relationships.
    "shortest_social_path": [
        ({"from_person": "C", "to_person": "F"},
         [(["陈同学", "李博士", "冯十二"], ["C", "L", "F"],
           ["zhihu:chen", "zhihu:li", "bilibili:li_b", "bilibili:feng"], 2, 6)]),
        ({"from_person": "W", "to_person": "C"},
         [(["王老师", "陈同学"], ["W", "C"], ["zhihu:wang", "zhihu:chen"], 1, 3)]),
        # ZE and ZH both follow W's zhihu account: the path goes account to account.
        ({"from_person": "ZE", "to_person": "ZH"},
         [(["郑十一", "王老师", "周九"], ["ZE", "W", "ZH"],
           ["zhihu:zheng", "zhihu:wang", "zhihu:zhou"], 2, 4)]),
        ({"from_person": "C", "to_person": "F", "max_length": 5}, []),
        ({"from_person": "W", "to_person": "WEI"}, [])],
    "top_kols": [
        ({"platform": "bilibili", "k": 3},
         [("W", "王老师", 0.95, 1, 0, ["bilibili", "dedao", "zhihu"], 8800),
          ("L", "李博士", 0.9, 2, 1, ["bilibili", "zhihu"], 5000),
          ("J", "蒋十四", 0.5, 3, 2, ["bilibili", "dedao"], 160)]),
        ({"k": 1}, [("W", "王老师", 0.95, 1, 0, ["bilibili", "dedao", "zhihu"], 8800)])],
    # k1 (W, dedao) was bought by S, Z, J; k2 (J, dedao) by WU.
    "top_kols_by_topic": [
        ({"topic": "学习方法"},
         [("W", "王老师", 0.95, 1, 3, 297.0), ("J", "蒋十四", 0.5, 1, 1, 49.0)]),
        ({"topic": "知识管理", "platform": "bilibili"}, [("W", "王老师", 0.95, 1, 0, 0.0)]),
        ({"topic": "无此话题"}, [])],
    "top_kols_in_community": [
        ({"community_id": 0, "platform": "zhihu", "k": 3},
         [("W", "王老师", 0.95, 1, 1, ["bilibili", "dedao", "zhihu"]),
          ("C", "陈同学", 0.3, 2, 4, ["zhihu"]), ("Z", "赵六", 0.2, 3, 6, ["dedao", "zhihu"])]),
        ({"community_id": 2},
         [("J", "蒋十四", 0.5, 1, 3, ["bilibili", "dedao"]),
          ("WEI", "卫十三", 0.01, 2, 12, ["zhihu"])]),
        ({"community_id": 7}, [])],  # community of the old run: not current
    "top_purchased_contents_in_community": [
        ({"community_id": 0},
         [("zhihu:c1", "知识管理30讲", "zhihu", 199.0, 3, 3, 597.0),
          ("zhihu:c2", "经济学入门", "zhihu", 299.0, 1, 1, 299.0),
          ("dedao:k1", "高效学习课", "dedao", 99.0, 1, 1, 99.0)]),
        ({"community_id": 1},
         [("dedao:k1", "高效学习课", "dedao", 99.0, 1, 1, 99.0),
          ("dedao:k2", "跨界思维", "dedao", 49.0, 1, 1, 49.0)])],
}


# ------------------------------------------------------------------ every query
def test_library_has_at_least_20_queries() -> None:
    queries = list_queries()
    assert len(queries) >= 20
    assert [q.name for q in queries] == sorted(q.name for q in queries)


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
def test_library_query_results(lib_any_store: tuple[Any, dict], name: str) -> None:
    store, ids = lib_any_store
    assert name in CASES, f"library query {name} has no test case in CASES"
    query = get_query(name)
    assert query.example.startswith(f"kolgraph query {name}")
    for params, expected in CASES[name]:
        raw = {k: _expand(v, k, ids) for k, v in params.items()}
        result = run_library_query(store, name, {k: str(v) for k, v in raw.items()},
                                   limit=0, timeout_s=10)
        assert result.columns == list(query.columns), name
        want = [{c: _approx(_expand(v, c, ids)) for c, v in zip(query.columns, row, strict=True)}
                for row in expected]
        assert result.rows == want, f"{name} {params}"


def test_only_shortest_path_differs_between_dialects() -> None:
    differ = [q.name for q in list_queries() if q.text("falkordb") != q.text("neo4j")]
    assert differ == ["shortest_social_path"]
    query = get_query("shortest_social_path")
    assert "algo.SPpaths" in query.text("falkordb") and "shortestPath" in query.text("neo4j")
    with pytest.raises(ValueError, match="unknown dialect"):
        query.text("sqlite")


# ------------------------------------------------------------- header parsing
GOOD = """// title: T
// description: first line
//   continued
// param: k int = 10 -- how many
// param: name string -- who
// columns: a, b
// example: kolgraph query q -p name=x

MATCH (n) WHERE n.name = $name RETURN n.a AS a, n.b AS b LIMIT $k
"""


def test_parse_good_header(tmp_path: Path) -> None:
    path = tmp_path / "q.cypher"
    path.write_text(GOOD + "// dialect: neo4j\nMATCH (n {name: $name}) RETURN 1 AS a, 2 AS b "
                    "LIMIT $k\n", encoding="utf-8")
    q = parse_query_file(path)
    assert (q.name, q.title, q.description, q.columns) == ("q", "T", "first line continued",
                                                           ("a", "b"))
    assert q.params[0].range_text() == ""
    assert q.params == (querylib.QueryParam("k", "int", 10, False, "how many"),
                        querylib.QueryParam("name", "string", None, True, "who"))
    assert q.text("falkordb").startswith("MATCH (n) WHERE")
    assert q.text("neo4j").startswith("MATCH (n {name: $name})")


@pytest.mark.parametrize(("change", "line", "message"), [
    (("// title: T\n", "// titel: T\n"), 1, "unknown header key 'titel'"),
    (("// title: T\n", ""), 1, "header lacks '// title: ...'"),
    (("int = 10", "integer = 10"), 4, "unknown type 'integer'"),
    (("int = 10", "int = ten"), 4, "default 'ten' is not a int"),
    (("-- how many", "how many"), 4, "malformed param"),
    (("// param: name string -- who\n", ""), 8, "undeclared parameter(s) $name"),
    (("LIMIT $k", "LIMIT 3"), 9, "does not use declared parameter(s) k"),
    (("// param: name string -- who\n", "// param: k string -- again\n"), 5,
     "param 'k' declared twice"),
    (("MATCH (n) WHERE n.name = $name RETURN n.a AS a, n.b AS b LIMIT $k\n", ""), 8,
     "no query text for dialect 'falkordb'"),
    (("// example:", "example:"), 1, "header lacks '// example: ...'"),
    (("\nMATCH", "\n// dialect: sqlite\nMATCH"), 9, "unknown dialect 'sqlite'"),
    (("// columns: a, b", "// columns: a b"), 6, "columns must be comma-separated"),
    (("name string --", "name string(1..) --"), 5, "param 'name': a range needs int or float"),
    (("k int = 10", "k int(1..5) = 10"), 4, "param 'k': default '10' is not a int(1..5)"),
])
def test_parse_errors_name_file_and_line(tmp_path: Path, change: tuple[str, str], line: int,
                                         message: str) -> None:
    path = tmp_path / "bad.cypher"
    path.write_text(GOOD.replace(*change, 1), encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        parse_query_file(path)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert message in str(err.value)


@pytest.mark.parametrize(("deepen", "message"), [
    ("depth", "deepen: 'depth' must be a declared int parameter with a default"),
    ("name", "deepen: 'name' must be a declared int parameter"),
])
def test_deepen_must_name_an_int_parameter_with_default(tmp_path: Path, deepen: str,
                                                        message: str) -> None:
    path = tmp_path / "q.cypher"
    path.write_text(GOOD.replace("// columns:", f"// deepen: {deepen}\n// columns:"),
                    encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        parse_query_file(path)
    assert str(err.value).startswith(f"{path}:6: {message}")


DEEP = """// title: rows from depth 3 on
// description: d
// param: d int = 10 -- depth
// columns: x
// example: kolgraph query deep
{deepen}
UNWIND range(1, $d) AS x WITH x WHERE x >= 3 RETURN x
"""


def test_deepen_returns_the_first_depth_with_rows(lib_store: tuple[FalkorDBStore, dict],
                                                  tmp_path: Path) -> None:
    store, _ = lib_store
    (tmp_path / "deep.cypher").write_text(DEEP.format(deepen="// deepen: d\n"),
                                          encoding="utf-8")
    (tmp_path / "flat.cypher").write_text(DEEP.format(deepen=""), encoding="utf-8")
    deep, flat = (parse_query_file(tmp_path / f"{n}.cypher") for n in ("deep", "flat"))
    assert deep.deepen == "d" and flat.deepen is None
    run = querylib.run_bound
    assert run(store, deep, bind_params(deep, {}), limit=0, timeout_s=10).rows == [{"x": 3}]
    assert run(store, deep, bind_params(deep, {"d": "2"}), limit=0, timeout_s=10).rows == []
    assert [r["x"] for r in run(store, flat, bind_params(flat, {}), limit=0,
                                timeout_s=10).rows] == list(range(3, 11))


def test_deepen_shares_one_timeout(lib_store: tuple[FalkorDBStore, dict],
                                   tmp_path: Path) -> None:
    store, _ = lib_store
    path = tmp_path / "slow.cypher"
    path.write_text(DEEP.replace("UNWIND range(1, $d) AS x WITH x WHERE x >= 3 RETURN x",
                                 RUNAWAY.replace("RETURN count(*) AS n",
                                                 "WITH a, b, c WHERE a + b + c < $d RETURN a AS x"))
                    .format(deepen="// deepen: d\n"), encoding="utf-8")
    query = parse_query_file(path)
    with pytest.raises(QueryTimeout):
        querylib.run_bound(store, query, bind_params(query, {}), limit=0, timeout_s=0.2)


def test_list_queries_fails_loudly_on_a_bad_file(tmp_path: Path) -> None:
    (tmp_path / "good.cypher").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.cypher").write_text("// title T\nRETURN 1\n", encoding="utf-8")
    with pytest.raises(LibraryError, match=r"bad\.cypher:1: malformed header line"):
        list_queries(tmp_path)


def test_the_library_is_package_data_of_cypher() -> None:
    import cypher

    folder = querylib.library_dir()
    assert Path(str(folder)) == Path(cypher.__file__).parent / "library"
    assert len(list_queries()) == len(list(Path(str(folder)).glob("*.cypher"))) >= 20


@pytest.mark.parametrize("missing", [False, True])
def test_an_empty_or_missing_library_is_an_error(tmp_path: Path, missing: bool) -> None:
    folder = tmp_path / "library"
    if not missing:
        folder.mkdir()
    with pytest.raises(LibraryError, match="no library query"):
        list_queries(folder)
    with pytest.raises(LibraryError, match="no library query"):
        get_query("top_kols", folder)


# ----------------------------------------------------------- parameter binding
def test_bind_params_converts_and_fills_defaults() -> None:
    q = get_query("top_kols_in_community")
    assert (q.param("k").minimum, q.param("k").maximum, q.param("k").range_text()) == (
        1, None, "(1..)")
    assert bind_params(q, {"community_id": "3"}) == {"community_id": 3, "platform": None, "k": 10}
    assert bind_params(q, {"community_id": "3", "platform": "", "k": " 5"}) == {
        "community_id": 3, "platform": None, "k": 5}
    assert querylib.convert_value("list<string>", '["a", "b"]') == ["a", "b"]
    assert querylib.convert_value("list<string>", "a, b") == ["a", "b"]
    assert querylib.convert_value("list<int>", "[1, 2]") == [1, 2]
    assert querylib.convert_value("float", "1.5") == 1.5
    assert querylib.convert_value("bool", "true") is True
    assert querylib.convert_value("int", 4) == 4


@pytest.mark.parametrize(("raw", "message"), [
    ({"community_id": "abc"}, "parameter 'community_id': expected int, got 'abc'"),
    ({"community_id": "1.5"}, "parameter 'community_id': expected int, got '1.5'"),
    ({}, "parameter 'community_id': required (int"),
    ({"community_id": "1", "k": "0"}, "parameter 'k': expected int(1..), got '0'"),
    ({"community_id": "1", "kk": "2"}, "parameter 'kk': not a parameter of "
                                       "top_kols_in_community; did you mean 'k'?"),
])
def test_bind_params_errors(raw: dict[str, str], message: str) -> None:
    with pytest.raises(ParameterError) as err:
        bind_params(get_query("top_kols_in_community"), raw)
    assert message in str(err.value)


@pytest.mark.parametrize(("type_name", "raw"), [
    ("float", "nan"), ("bool", "maybe"), ("list<int>", "1,x"), ("int", True), ("string", 3)])
def test_convert_value_rejects(type_name: str, raw: object) -> None:
    with pytest.raises(ValueError):
        querylib.convert_value(type_name, raw)


def test_unknown_query_suggests_close_names() -> None:
    with pytest.raises(UnknownQuery, match="did you mean top_kols"):
        get_query("top_kol")
    with pytest.raises(UnknownQuery, match="unknown library query 'MATCH"):
        get_query("MATCH (n) RETURN n")


# --------------------------------------------------- read-only and timeout (store)
WRITES = [
    "CREATE (:Person {person_id: 'intruder'})",
    "MERGE (:Person {person_id: 'intruder'})",
    "MATCH (p:Person) SET p.kol_score = 1.0",
    "MATCH (p:Person) DETACH DELETE p",
    "MATCH (p:Person) REMOVE p.kol_score",
    "CALL db.idx.fulltext.createNodeIndex('Person', 'display_name')",
    "MATCH (p:Person) WITH p LIMIT 1 CREATE (p)-[:RECOMMENDED]->(:Content) RETURN 1 AS x",
]
RUNAWAY = ("UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b UNWIND range(1, 3000) AS c "
           "RETURN count(*) AS n")


@pytest.mark.parametrize("cypher", WRITES)
def test_writes_are_refused_by_the_database(lib_store: tuple[FalkorDBStore, dict],
                                            cypher: str) -> None:
    store, _ = lib_store
    before = (store.node_counts(), store.relationship_counts(),
              store.scalar("MATCH (p:Person) RETURN sum(p.kol_score) AS s"))
    with pytest.raises(ReadOnlyViolation):
        store.read(cypher, timeout_s=10)
    assert before == (store.node_counts(), store.relationship_counts(),
                      store.scalar("MATCH (p:Person) RETURN sum(p.kol_score) AS s"))


def test_runaway_query_stops_at_the_timeout(lib_store: tuple[FalkorDBStore, dict]) -> None:
    store, _ = lib_store
    with pytest.raises(QueryTimeout, match="time limit"):
        store.read(RUNAWAY, timeout_s=0.2)


# ------------------------------------------------------------------------ CLI
@pytest.fixture
def kolgraph(lib_store: tuple[FalkorDBStore, dict], kolgraph_home: Path,
             monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run ``kolgraph ARGS`` on the library graph; returns (exit code, stdout, stderr)."""
    from kolgraph.cli import main

    monkeypatch.setenv("KOLGRAPH_HOME", str(kolgraph_home))
    monkeypatch.setenv("KOLGRAPH_GRAPH", GRAPH)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_list(kolgraph: Any) -> None:
    code, out, _ = kolgraph("query", "--list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["name", "title", "parameters"]
    assert len(lines) - 2 == len(list_queries()) >= 20
    assert any(line.startswith("top_kols_in_community ") and "community_id [platform=null] [k=10]"
               in line for line in lines)
    code, out, _ = kolgraph("query", "--list", "--format", "json")
    listed = {q["name"]: q for q in json.loads(out)}
    assert set(listed) == {q.name for q in list_queries()}
    assert listed["kol_audience"]["description"] == get_query("kol_audience").description
    code, out, _ = kolgraph("query", "--list", "--format", "csv")
    assert out.splitlines()[0] == "name,title,parameters,description,example"


def test_cli_list_without_a_library_fails(kolgraph: Any, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(querylib, "library_dir", lambda: tmp_path)
    code, out, err = kolgraph("query", "--list")  # an installation fault, not bad input: 1
    assert code == 1 and not out and "no library query" in err


def test_cli_runs_a_library_query_in_every_format(kolgraph: Any,
                                                  lib_store: tuple[FalkorDBStore, dict]) -> None:
    _, ids = lib_store
    args = ("query", "top_kols_in_community", "-p", "community_id=0", "-p", "k=2")
    code, out, _ = kolgraph(*args, "--format", "json")
    assert code == 0
    assert [(r["person_id"], r["display_name"]) for r in json.loads(out)] == [
        (ids["W"], "王老师"), (ids["C"], "陈同学")]
    code, out, _ = kolgraph(*args, "--format", "csv")
    assert out.splitlines()[0] == ("person_id,display_name,kol_score,community_rank,kol_rank,"
                                   "platforms")
    assert out.splitlines()[1] == (f'{ids["W"]},王老师,0.95,1,1,'
                                   '"[""bilibili"", ""dedao"", ""zhihu""]"')
    code, out, _ = kolgraph(*args)
    assert out.splitlines()[0].split() == ["person_id", "display_name", "kol_score",
                                           "community_rank", "kol_rank", "platforms"]
    assert len(out.splitlines()) == 4


def test_cli_row_cap(kolgraph: Any) -> None:
    code, out, err = kolgraph("query", "kol_audience", "-p", "person_id=nobody")
    assert code == 0 and len(out.splitlines()) == 2
    code, out, err = kolgraph("query", "platform_summary", "--limit", "2", "--format", "json")
    assert code == 0 and [r["platform"] for r in json.loads(out)] == ["zhihu", "bilibili"]
    assert "truncated at 2 rows" in err


@pytest.mark.parametrize(("args", "message"), [
    (("top_kols_in_community", "-p", "community_id=abc"),
     "error: parameter 'community_id': expected int, got 'abc'"),
    (("top_kols_in_community",), "error: parameter 'community_id': required"),
    (("top_kols", "-p", "kk=1"), "error: parameter 'kk': not a parameter of top_kols"),
    (("top_kol",), "error: unknown library query 'top_kol'; did you mean top_kols"),
    (("top_kols", "-p", "k"), "error: parameter 'k': expected -p name=value"),
])
def test_cli_parameter_errors_exit_2_before_running(kolgraph: Any, args: tuple[str, ...],
                                                    message: str) -> None:
    code, out, err = kolgraph("query", *args)
    assert (code, out) == (2, "")
    assert err.startswith(message)


def test_cli_missing_parameter_names_its_flag(kolgraph: Any) -> None:
    """The use case raises a structured error; the CLI words it with its ``-p`` flag (the
    web console says "missing parameter community_id" instead)."""
    for extra in ((), ("--explain",)):
        code, out, err = kolgraph("query", *extra, "top_kols_in_community")
        assert (code, out) == (2, "")
        assert err.startswith("error: parameter 'community_id': required (int: ")
        assert err.rstrip().endswith("; give -p community_id=VALUE")


def test_bind_params_error_is_structured() -> None:
    query = get_query("top_kols_in_community")
    with pytest.raises(ParameterError) as err:
        bind_params(query, {"k": "2"})
    assert (err.value.name, err.value.problem, err.value.expected) == (
        "community_id", "missing", "int")
    assert "give -p" not in str(err.value)
    with pytest.raises(ParameterError) as err:
        bind_params(query, {"community_id": "1", "k": "0"})
    assert (err.value.name, err.value.problem, err.value.expected, err.value.given) == (
        "k", "type", "int(1..)", "0")


def test_cli_explain_and_show(kolgraph: Any) -> None:
    code, out, _ = kolgraph("query", "--explain", "top_kols_in_community", "-p", "community_id=0")
    assert code == 0 and "Results" in out and "Node By Index Scan" in out
    code, out, _ = kolgraph("query", "--show", "shortest_social_path")
    assert code == 0 and "algo.SPpaths" in out
    code, out, err = kolgraph("query", "--explain", "top_kols_in_community")
    assert code == 2 and "required" in err


@pytest.mark.parametrize("cypher", WRITES)
def test_cli_refuses_hidden_writes(kolgraph: Any, cypher: str) -> None:
    code, out, err = kolgraph("query", cypher)
    assert code == 1 and out == ""
    assert err.startswith("error: inline query: refused: queries are read-only")


def test_cli_refuses_a_write_in_a_query_file(kolgraph: Any, tmp_path: Path) -> None:
    path = tmp_path / "sneaky.cypher"
    path.write_text("MATCH (p:Person) WITH p LIMIT 1\nSET p.display_name = 'x'\nRETURN p\n",
                    encoding="utf-8")
    code, _, err = kolgraph("query", str(path))
    assert code == 1 and err.startswith(f"error: {path}: refused: queries are read-only")


def test_cli_timeout(kolgraph: Any) -> None:
    code, out, err = kolgraph("query", RUNAWAY, "--timeout", "0.2")
    assert (code, out) == (1, "")
    assert err.startswith("error: inline query: stopped after the 0.2s timeout "
                          "(raise it with --timeout)")


def test_cli_inline_and_file_queries_keep_working(kolgraph: Any, tmp_path: Path) -> None:
    code, out, _ = kolgraph("query", "MATCH (p:Person) WHERE p.platforms >= $n "
                            "RETURN count(p) AS n", "-p", "n=2", "--format", "json")
    assert code == 0 and json.loads(out) == [{"n": 5}]
    path = tmp_path / "names.cypher"
    path.write_text("MATCH (t:Topic) WHERE t.name IN $names RETURN t.name AS name "
                    "ORDER BY name", encoding="utf-8")
    code, out, _ = kolgraph("query", str(path), "-p", 'names=["经济学", "学习方法"]',
                            "--format", "csv")
    assert code == 0 and out.splitlines() == ["name", "学习方法", "经济学"]


# --------------------------------------------------- Neo4j variants, without Neo4j
def _neo4j_linter() -> str | None:
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        return None
    probe = subprocess.run([node, "-e", "require('@neo4j-cypher/language-support')"],
                           capture_output=True, check=False)
    return node if probe.returncode == 0 else None


def test_neo4j_variants_pass_neo4j_semantic_analysis() -> None:
    """Every query's Neo4j text passes Neo4j's parser and semantic analysis (needs node and
    @neo4j-cypher/language-support on NODE_PATH; see tests/tools/lint_neo4j_cypher.js)."""
    import subprocess

    node = _neo4j_linter()
    if node is None:
        pytest.skip("node with @neo4j-cypher/language-support (NODE_PATH) not available")
    items = [{"name": q.name, "text": q.text("neo4j"),
              "params": {p.name: 1 if p.default is None else p.default for p in q.params}}
             for q in list_queries()]
    script = Path(__file__).resolve().parent / "tools" / "lint_neo4j_cypher.js"
    done = subprocess.run([node, str(script)], input=json.dumps(items), capture_output=True,
                          text=True, check=True)
    report = {r["name"]: r for r in json.loads(done.stdout)}
    assert {n: r["errors"] for n, r in report.items() if r["errors"]} == {}
    # The only warning: the two endpoints of the shortest path are matched apart, on purpose.
    assert {n for n, r in report.items() if r["warnings"]} == {"shortest_social_path"}
