"""The analyst console (issue 19, item 6): a library query loaded into the editor and named
in the result; values rendered (maps and lists as text, nodes, relationships and paths as
chips, a graph view), the same plain values from both databases; EXPLAIN on both; a history
per user; errors in the user's language."""

from __future__ import annotations

import contextlib
import html
import re

import pytest

from graph.query_values import plain
from graph.store.base import ReadOnlyViolation
from kolgraph.usecases import query as query_usecase
from web.console_render import cypher_text, graph_elements, path_text

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_EDITOR = re.compile(r'<textarea name="cypher" id="console-cypher"[^>]*>(.*?)</textarea>', re.S)
PATH_QUERY = ("MATCH p = (a:Person)-[:HAS_ACCOUNT]->(:Account) "
              "RETURN p, a, [1, 'x'] AS l, {k: 1, s: 'y'} AS m LIMIT 2")


def _token(client) -> str:
    return _CSRF.search(client.get("/console").get_data(as_text=True)).group(1)


def _post(client, **form):
    return client.post("/console", data={"csrf_token": _token(client), **form})


def _community(web_sample) -> int:
    return web_sample.store.scalar("MATCH (p:Person) WHERE p.community_id > 0 "
                                   "RETURN p.community_id ORDER BY p.community_id LIMIT 1")


def _chinese(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    return client


# ------------------------------------------------------------------ library queries
def test_picking_a_library_query_loads_its_text_and_name(client_as, web_sample):
    client = client_as("analyst")
    page = client.get("/console?name=top_kols_in_community").get_data(as_text=True)
    text = query_usecase.text_of(web_sample.store,
                                 query_usecase.library_query("top_kols_in_community", {},
                                                             bind=False)[0])
    editor = _EDITOR.search(page)
    assert html.unescape(editor.group(1)) == text
    assert 'id="console-query-name">top_kols_in_community<' in page
    assert "Top KOLs of a community" in page and 'name="param.community_id"' in page
    chinese = _chinese(client_as("analyst")).get("/console?name=top_kols_in_community")
    assert "社群内的 KOL 排行" in chinese.get_data(as_text=True)
    assert "当前分析中的社群编号" in chinese.get_data(as_text=True)  # parameter help
    assert client.get("/console?name=no_such_query").status_code == 404


def test_the_result_names_the_query_that_ran(client_as, web_sample):
    client = client_as("analyst")
    community = _community(web_sample)
    page = _post(client, name="top_kols_in_community", cypher="",
                 **{"param.community_id": str(community), "format": "table"})
    assert page.status_code == 200, page.get_data(as_text=True)
    title = re.search(r'id="console-result-title">(.*?)</h2>', page.get_data(as_text=True))
    assert title.group(1) == "Result of Top KOLs of a community (top_kols_in_community)"
    library = client.get("/console?name=top_kols_in_community").get_data(as_text=True)
    text = html.unescape(re.search(r'<textarea[^>]*>(.*?)</textarea>', library, re.S).group(1))
    same = _post(client, name="top_kols_in_community", cypher=text,
                 **{"param.community_id": str(community)}).get_data(as_text=True)
    assert "(top_kols_in_community)</h2>" in same
    edited = _post(client, name="top_kols_in_community", cypher=text.replace("LIMIT", "LIMIT 1 //"),
                   **{"param.community_id": str(community)}).get_data(as_text=True)
    assert "ad-hoc query (edited from top_kols_in_community)" in edited
    adhoc = _post(client, cypher="RETURN 1 AS one").get_data(as_text=True)
    assert 'id="console-result-title">Result of ad-hoc query</h2>' in adhoc


# ------------------------------------------------------------------ errors, both languages
def test_missing_parameter_in_the_users_language(client_as):
    english = _post(client_as("analyst"), name="top_kols_in_community", cypher="")
    assert english.status_code == 400
    body = english.get_data(as_text=True)
    assert "missing parameter community_id" in body and "give -p" not in body
    chinese = _post(_chinese(client_as("analyst")), name="top_kols_in_community", cypher="")
    assert "缺少参数 community_id" in chinese.get_data(as_text=True)
    client = client_as("analyst")
    api = client.post("/api/v1/query", json={"name": "top_kols_in_community"},
                      headers={"X-CSRF-Token": _token(client)})
    assert api.status_code == 400
    assert api.get_json()["message"] == "missing parameter community_id"
    assert api.get_json()["parameter"] == "community_id"


def test_syntax_error_keeps_the_database_text_with_a_translated_lead_in(client_as):
    english = _post(client_as("analyst"), cypher="MATCH (p:Person RETURN p")
    body = html.unescape(english.get_data(as_text=True))
    assert english.status_code == 400 and 'data-kind="syntax"' in body
    assert re.search(r"Cypher syntax error at line 1, column \d+\. The database says: ", body)
    chinese = _post(_chinese(client_as("analyst")), cypher="MATCH (p:Person RETURN p")
    assert re.search(r"Cypher 语法错误：第 1 行第 \d+ 列",
                     html.unescape(chinese.get_data(as_text=True)))


def test_read_only_refusal_in_chinese(client_as):
    page = _post(_chinese(client_as("analyst")), cypher="CREATE (:Person {person_id: 'x'})")
    assert page.status_code == 400 and "控制台是只读的" in page.get_data(as_text=True)


# ------------------------------------------------------------------ values
def test_values_render_as_text_chips_and_a_graph(client_as):
    page = _post(client_as("analyst"), cypher=PATH_QUERY)
    body = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200, body
    assert '[1, "x"]' in body and '{k: 1, s: "y"}' in body
    assert "{'k': 1" not in body and "['1'" not in body  # no Python reprs
    assert re.search(r'class="kg-chip kg-node"[^>]*>(<b class="kg-data">[^<]+</b> )?'
                     r'<code>\(:Person \{', body)
    assert "-[:HAS_ACCOUNT]->" in body and 'class="kg-path"' in body
    graph = re.search(r"data-graph='([^']+)'", body)
    assert graph and '"edges"' in graph.group(1)
    scalar = _post(client_as("analyst"), cypher="RETURN 12345 AS n, 0.5 AS x")
    assert "12,345" in scalar.get_data(as_text=True)
    assert 'id="console-graph"' not in scalar.get_data(as_text=True)


def test_csv_of_nodes_is_cypher_text(client_as):
    response = _post(client_as("analyst"), cypher="MATCH (p:Person) RETURN p, [1, 2] AS l LIMIT 1",
                     format="csv")
    text = response.get_data().decode("utf-8-sig")
    assert response.status_code == 200 and '(:Person {' in text and "[1, 2]" in text


def test_render_units():
    node = {"~type": "node", "id": "1", "labels": ["Person"], "name": "周",
            "properties": {"display_name": "周", "person_id": "P1", "a": 1, "b": 2}}
    other = dict(node, id="2", name="", properties={"account_key": "zhihu:z"},
                 labels=["Account"])
    back = {"~type": "relationship", "id": "7", "rel_type": "FOLLOWS", "start": "2",
            "end": "1", "properties": {}}
    path = {"~type": "path", "nodes": [node, other], "relationships": [back]}
    assert cypher_text(node, 2) == '(:Person {display_name: "周", person_id: "P1", …})'
    assert path_text(path, 0) == "(:Person {…})<-[:FOLLOWS]-(:Account {…})"
    assert cypher_text([None, True, 1.0, "it's"]) == '[null, true, 1.0, "it\'s"]'
    graph = graph_elements([[path], [node]])
    assert [n["id"] for n in graph["nodes"]] == ["1", "2"]
    assert graph["edges"] == [{"id": "r7", "source": "2", "target": "1", "label": "FOLLOWS"}]


def test_plain_units():
    assert plain(float("inf")) == "Infinity" and plain((1, b"x")) == [1, "x"]
    assert plain({1: float("nan")}) == {"1": "NaN"}


@pytest.fixture
def small_graph(any_store):
    any_store.write("CREATE (a:Person {person_id: 'pa', display_name: '周叔', embedding: [0.1]})"
                    "-[:HAS_ACCOUNT {since: 3}]->(:Account {account_key: 'zhihu:z', "
                    "platform: 'zhihu'})")
    return any_store


def test_plain_values_are_the_same_on_both_databases(small_graph, settings):
    result = query_usecase.run(
        small_graph, settings, limit=10, timeout_s=20,
        text="MATCH p = (a:Person)-[r:HAS_ACCOUNT]->(b:Account) "
             "RETURN a, r, b, p, [a.display_name, 1.5] AS l, {n: a.display_name} AS m")
    row = {c: plain(result.rows[0][c]) for c in result.columns}
    a, r, b, p = row["a"], row["r"], row["b"], row["p"]
    assert (a["~type"], a["labels"], a["name"]) == ("node", ["Person"], "周叔")
    assert a["properties"] == {"person_id": "pa", "display_name": "周叔"}  # no embedding
    assert (r["~type"], r["rel_type"], r["properties"]) == ("relationship", "HAS_ACCOUNT",
                                                            {"since": 3})
    assert (r["start"], r["end"]) == (a["id"], b["id"])
    assert p["~type"] == "path" and [n["id"] for n in p["nodes"]] == [a["id"], b["id"]]
    assert [x["rel_type"] for x in p["relationships"]] == ["HAS_ACCOUNT"]
    assert (row["l"], row["m"]) == (["周叔", 1.5], {"n": "周叔"})
    assert path_text(p) == ('(:Person {display_name: "周叔", person_id: "pa"})'
                            '-[:HAS_ACCOUNT {since: 3}]->'
                            '(:Account {account_key: "zhihu:z", platform: "zhihu"})')


def test_explain_on_both_databases_writes_nothing(small_graph):
    plan = query_usecase.explain(small_graph, "MATCH (p:Person {person_id: $id}) RETURN p",
                                 {"id": "pa"})
    assert plan.strip()
    with contextlib.suppress(ReadOnlyViolation):
        query_usecase.explain(small_graph, "CREATE (:Person {person_id: 'intruder'})")
    assert small_graph.scalar("MATCH (p:Person) RETURN count(p)") == 1


def test_explain_in_the_console(client_as):
    page = _post(client_as("analyst"), cypher="MATCH (p:Person) RETURN p LIMIT 3",
                 format="explain")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="console-plan"' in body and "Results" in body
    refused = _post(client_as("analyst"), cypher="LOAD CSV FROM 'file:///x' AS r RETURN r",
                    format="explain")
    assert refused.status_code == 400 and "LOAD CSV is not allowed" in refused.get_data(
        as_text=True)


# ------------------------------------------------------------------ history
def test_history_is_per_user_and_loads_back(client_as):
    analyst, admin = client_as("analyst"), client_as("admin")
    marker = "RETURN 'history-marker-41' AS marker"
    _post(analyst, cypher=marker)
    page = analyst.get("/console").get_data(as_text=True)
    entry = re.search(r'href="/console\?history=(\d+)" class="kg-history-entry"[^>]*>'
                      r'<code class="kg-data" title="[^"]*">([^<]*)</code>', page)
    assert entry and "history-marker-41" in html.unescape(entry.group(2))
    assert "history-marker-41" not in admin.get("/console").get_data(as_text=True)
    assert admin.get(f"/console?history={entry.group(1)}").status_code == 404
    loaded = analyst.get(f"/console?history={entry.group(1)}").get_data(as_text=True)
    editor = _EDITOR.search(loaded)
    assert html.unescape(editor.group(1)) == marker
    for n in range(52):
        _post(analyst, cypher=f"RETURN {n} AS n")
    page = analyst.get("/console").get_data(as_text=True)
    assert page.count('class="kg-history-entry"') == 50
    assert "history-marker-41" not in page
