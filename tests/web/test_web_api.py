"""The JSON API: shapes of every route, the network and chart contracts, the console API,
and the OpenAPI document kept in step with the routes."""

from __future__ import annotations

import re

import pytest

from web.api import openapi_document


def _paths(client, web_sample):
    cid, pid = web_sample.community_id, web_sample.top_person_id
    return {
        "/api/v1/me": "name", "/api/v1/overview": "accounts_per_platform",
        "/api/v1/communities": "items", f"/api/v1/communities/{cid}": "members",
        f"/api/v1/communities/{cid}/network": "nodes",
        f"/api/v1/communities/{cid}/platforms.chart": "type",
        "/api/v1/influencers": "items", f"/api/v1/influencers/overlap?select={pid}": "overlap",
        "/api/v1/influencers/seeds?k=2": "strategies", "/api/v1/filters": "platforms",
        f"/api/v1/persons/{pid}": "person", f"/api/v1/persons/{pid}/network": "edges",
        "/api/v1/search?q=a": "items", "/api/v1/runs": "items", "/api/v1/models": "items",
        "/api/v1/models/current/curve.chart": "data",
        "/api/v1/models/current/evaluation": "items",
        "/api/v1/models/current/evaluation.chart": "data",
    }


def test_every_get_route_answers_json(client_as, web_sample):
    client = client_as("viewer")
    for path, key in _paths(client, web_sample).items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        assert key in response.get_json(), path


NODE_FIELDS = {"id", "label", "community_id", "kol_score", "url", "kol", "focus", "followers",
               "followers_text", "score_text", "handle", "platforms"}


def test_network_shape(client_as, web_sample):
    client = client_as("viewer")
    graph = client.get(f"/api/v1/communities/{web_sample.community_id}/network").get_json()
    assert 1 < len(graph["nodes"]) <= 150 and graph["edges"]
    ids = {n["id"] for n in graph["nodes"]}
    for node in graph["nodes"]:
        assert set(node) == NODE_FIELDS
        assert node["community_id"] == web_sample.community_id
        assert node["url"] == f"/persons/{node['id']}"
    assert [c["id"] for c in graph["communities"]] == [web_sample.community_id]
    for edge in graph["edges"]:
        assert set(edge) == {"source", "target", "weight"}
        assert edge["source"] in ids and edge["target"] in ids and edge["weight"] >= 1
    around = client.get(f"/api/v1/persons/{web_sample.top_person_id}/network").get_json()
    assert around["nodes"][0]["id"] == web_sample.top_person_id
    assert [n["focus"] for n in around["nodes"]] == [True] + [False] * (len(around["nodes"]) - 1)
    assert any(web_sample.top_person_id in (e["source"], e["target"]) for e in around["edges"])


def _card_facts(store, person_id):
    """A person's followers total, score and accounts (most followers first), read directly."""
    rows = store.read(
        "MATCH (p:Person {person_id: $id})-[:HAS_ACCOUNT]->(a:Account) "
        "RETURN p.followers_total AS total, p.kol_score AS score, a.platform AS platform, "
        "a.account_id AS handle, a.followers AS followers "
        "ORDER BY coalesce(a.followers, 0) DESC, a.account_key", {"id": person_id}).rows
    return rows


def test_network_nodes_carry_their_card_in_the_users_language(client_as, web_app, web_sample):
    """What the hover card shows comes with each node: handle, platforms with followers,
    followers total and score as text in the user's language; KOLs are the top 10% by
    score of the run; the legend's communities have titles."""
    from web.i18n import compact

    client = client_as("viewer")
    pid = web_sample.top_person_id
    zh = client.get(f"/api/v1/persons/{pid}/network",
                    headers={"Accept-Language": "zh-CN"}).get_json()
    en = client.get(f"/api/v1/persons/{pid}/network",
                    headers={"Accept-Language": "en"}).get_json()
    top = zh["nodes"][0]
    facts = _card_facts(web_sample.store, pid)
    assert top["kol"] is True and top["focus"] is True              # kol_rank 1 is a KOL
    assert len(top["platforms"]) == len(facts)
    with web_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert top["followers_text"] == compact(facts[0]["total"])
        assert [p["followers"] for p in top["platforms"]] == [
            compact(f["followers"] or 0) for f in facts]
    assert top["handle"].endswith(" · " + facts[0]["handle"])
    names_zh = {p["name"] for n in zh["nodes"] for p in n["platforms"]}
    names_en = {p["name"] for n in en["nodes"] for p in n["platforms"]}
    assert names_zh != names_en and names_zh & {"得到", "知乎", "喜马拉雅", "B站", "视频号"}
    scores = sorted((n["kol_score"] or 0.0 for n in zh["nodes"]), reverse=True)
    floor = web_sample.store.scalar(
        "MATCH (p:Person) WHERE p.analyze_run_id IS NOT NULL "
        "RETURN percentileCont(p.kol_score, 0.9) AS v")
    assert {n["id"] for n in zh["nodes"] if n["kol"]} == {
        n["id"] for n in zh["nodes"] if (n["kol_score"] or 0) >= floor and n["kol_score"]}
    assert scores[0] >= floor
    shown = {n["community_id"] for n in zh["nodes"] if n["community_id"] is not None}
    assert {c["id"] for c in zh["communities"]} == shown
    assert all(c["title"] for c in zh["communities"])
    for c in zh["communities"]:
        if c["unassigned"]:
            assert c["title"] == "零散用户"
    community = client.get(f"/api/v1/communities/{web_sample.community_id}/network",
                           headers={"Accept-Language": "zh-CN"}).get_json()
    kols = [n for n in community["nodes"] if n["kol"]]
    assert kols and len(kols) < len(community["nodes"])


@pytest.mark.parametrize("path,kind", [("platforms.chart", "doughnut")])
def test_community_chart_is_a_chartjs_config(client_as, web_sample, path, kind):
    chart = client_as("viewer").get(
        f"/api/v1/communities/{web_sample.community_id}/{path}").get_json()
    assert chart["type"] == kind and set(chart) == {"type", "data", "options"}
    assert abs(sum(chart["data"]["datasets"][0]["data"]) - 1.0) < 0.01


def test_model_charts(client_as):
    client = client_as("viewer")
    curve = client.get("/api/v1/models/current/curve.chart").get_json()
    assert curve["type"] == "line" and len(curve["data"]["labels"]) > 1
    bars = client.get("/api/v1/models/current/evaluation.chart?metric=recall@10").get_json()
    assert bars["type"] == "bar" and "learned ranker" in bars["data"]["labels"]
    assert "Adamic-Adar index" in bars["data"]["labels"]
    assert "recall@10" in bars["data"]["datasets"][0]["label"]
    table = client.get("/api/v1/models/current/evaluation").get_json()
    assert {r["method"] for r in table["items"]} >= {"learned_ranker", "personalized_pagerank"}
    assert table["secondary_hits_vs_random_negatives"]
    assert client.get("/api/v1/models/current/evaluation.chart?metric=auc").status_code == 400
    assert client.get("/api/v1/models/../../etc/curve.chart").status_code == 404
    assert client.get("/api/v1/models/nope/curve.chart").status_code == 404


def test_leaderboard_explains_the_score(client_as):
    items = client_as("viewer").get("/api/v1/influencers").get_json()["items"]
    assert len(items) == 50
    scores = [i["kol_score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    for item in items:
        total = sum(w["contribution"] for w in item["why"])
        assert abs(total - item["kol_score"]) < 0.002, item["person_id"]
        assert item["main_reason"] == item["why"][0]["component"]


def test_leaderboard_sort_by_component(client_as):
    items = client_as("viewer").get("/api/v1/influencers?sort=reach").get_json()["items"]
    reach = [i["reach"] for i in items]
    assert reach == sorted(reach, reverse=True)


def test_leaderboard_topic_and_platform_filters(client_as, web_sample):
    client = client_as("viewer")
    filters = client.get("/api/v1/filters").get_json()
    topic = filters["topics"][0]
    items = client.get(f"/api/v1/influencers?topic={topic}").get_json()["items"]
    assert items
    on_platform = client.get(f"/api/v1/influencers?platform={web_sample.platform}"
                             ).get_json()["items"]
    for item in on_platform[:5]:
        person = client.get(f"/api/v1/persons/{item['person_id']}").get_json()["person"]
        assert web_sample.platform in {a["platform"] for a in person["accounts"]}


def test_bad_parameters_name_the_parameter(client_as):
    client = client_as("viewer")
    for path, name in [("/api/v1/influencers?page=0", "page"),
                       ("/api/v1/influencers?community=x", "community"),
                       ("/api/v1/runs?kind=nope", "kind"),
                       ("/api/v1/influencers/seeds?k=1000", "k")]:
        response = client.get(path)
        assert response.status_code == 400, path
        assert f"parameter {name}" in response.get_json()["message"]
        assert response.get_json()["parameter"] == name


@pytest.mark.parametrize("path,name", [
    ("/influencers?sort=nonsense", "sort"), ("/communities?page=0", "page"),
    ("/influencers?select=a&select=b&page=x", "page"), ("/influencers/seeds?k=x", "k"),
    ("/influencers/seeds?k=2&community=99999", "community"),
    ("/api/v1/influencers?platform=nowhere", "platform"),
    ("/api/v1/communities?sort=nonsense", "sort"),
    ("/api/v1/influencers/seeds?k=2&community=99999", "community"),
    ("/api/v1/models/current/evaluation.chart?metric=auc", "metric")])
def test_a_bad_parameter_is_a_400_naming_it(client_as, path, name):
    """Pages answer an error page, the API a JSON error; both name the parameter (never a
    command-line option)."""
    response = client_as("viewer").get(path)
    assert response.status_code == 400, path
    if path.startswith("/api/"):
        body = response.get_json()
        assert body["parameter"] == name and body["status"] == 400
        message = body["message"]
    else:
        found = re.search(r'<p class="kg-error-message" data-parameter="([^"]+)">([^<]*)</p>',
                          response.get_data(as_text=True))
        assert found and found.group(1) == name, path
        message = found.group(2)
    assert message.startswith(f"parameter {name}: ") and "--" not in message, message


def test_query_api_runs_read_only_cypher(client_as):
    client = client_as("analyst")
    html = client.get("/console").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    headers = {"X-CSRF-Token": token}
    ok = client.post("/api/v1/query", json={"cypher": "MATCH (p:Person) RETURN count(p) AS n"},
                     headers=headers).get_json()
    assert ok["columns"] == ["n"] and ok["rows"][0][0] > 1000 and not ok["truncated"]
    capped = client.post("/api/v1/query", json={"cypher": "UNWIND range(1, 5000) AS i "
                                                          "RETURN i"}, headers=headers).get_json()
    assert capped["truncated"] and len(capped["rows"]) == capped["row_cap"]
    bad = client.post("/api/v1/query", json={"cypher": "MATCH (p RETURN p"}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["kind"] == "syntax"
    empty = client.post("/api/v1/query", json={"nothing": 1}, headers=headers)
    assert empty.status_code == 400 and "cypher" in empty.get_json()["message"]


def test_query_api_and_console_name_a_bad_parameter(client_as):
    client = client_as("analyst")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/console").get_data(as_text=True)).group(1)
    for body, name in [(["not", "an object"], "body"), ({"name": "top_kols", "params": [1]},
                                                         "params"),
                       ({"cypher": "  "}, "cypher"), ({"cypher": "RETURN 1 " * 3000}, "cypher")]:
        response = client.post("/api/v1/query", json=body, headers={"X-CSRF-Token": token})
        assert response.status_code == 400, body
        assert response.get_json()["parameter"] == name, response.get_json()
    page = client.post("/console", data={"cypher": "", "csrf_token": token})
    assert page.status_code == 400 and 'data-parameter="cypher"' in page.get_data(as_text=True)


def test_console_page_table_and_csv(client_as):
    client = client_as("analyst")
    html = client.get("/console").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert 'id="console-form"' in html and '<textarea name="cypher"' in html
    query = "MATCH (p:Person) RETURN p.person_id AS id ORDER BY id LIMIT 3"
    page = client.post("/console", data={"cypher": query, "csrf_token": token})
    assert page.status_code == 200 and 'id="console-results"' in page.get_data(as_text=True)
    csv_response = client.post("/console", data={"cypher": query, "format": "csv",
                                                 "csrf_token": token})
    lines = csv_response.get_data().decode("utf-8-sig").splitlines()
    assert csv_response.mimetype == "text/csv" and lines[0] == "id" and len(lines) == 4


def test_library_queries_run_from_the_console(client_as):
    client = client_as("analyst")
    queries = client.get("/api/v1/queries").get_json()["items"]
    if not queries:
        pytest.skip("graph/querylib.py has no queries in this checkout")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/console").get_data(as_text=True)).group(1)
    simple = [q for q in queries if not any(p["required"] and p["default"] is None
                                            for p in q["params"])]
    assert simple, "every library query needs a parameter without default"
    response = client.post("/api/v1/query", json={"name": simple[0]["name"], "params": {}},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["columns"]
    unknown = client.post("/api/v1/query", json={"name": "no_such_query"},
                          headers={"X-CSRF-Token": token})
    assert unknown.status_code == 400 and unknown.get_json()["kind"] == "parameter"


def _openapi_routes(document):
    return {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}


def test_openapi_document_matches_the_routes(web_app, client_as):
    routes = set()
    for rule in web_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)[len("/api/v1"):]
        routes |= {(path, m) for m in rule.methods if m not in ("HEAD", "OPTIONS")}
    document = openapi_document()
    assert document["openapi"].startswith("3.")
    assert routes == _openapi_routes(document)
    assert client_as(None).get("/api/v1/openapi.json").status_code == 401
    served = client_as("viewer").get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.get_json() == document


def test_openapi_roles_match_the_views(web_app):
    document = openapi_document()
    for rule in web_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)[len("/api/v1"):]
        role = getattr(web_app.view_functions[rule.endpoint], "required_role", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert document["paths"][path][method.lower()]["x-kolgraph-role"] == role, path


def test_library_query_form_in_the_console(client_as, web_sample):
    client = client_as("analyst")
    html = client.get("/console?name=top_kols").get_data(as_text=True)
    if "the query library is not installed" in html:
        pytest.skip("graph/querylib.py is not in this checkout")
    assert 'name="param.k"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    page = client.post("/console", data={"name": "top_kols", "param.k": "3", "param.platform": "",
                                         "csrf_token": token})
    assert page.status_code == 200, page.get_data(as_text=True)[-500:]
    body = page.get_data(as_text=True)
    table = body[body.index('id="console-results"'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 4  # header + 3 rows
    profile = client.post("/console", data={"name": "person_profile",
                                            "param.person_id": web_sample.xss_person_id,
                                            "csrf_token": token}).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in profile
    assert "<script>alert(1)</script>" not in profile
    missing = client.post("/console", data={"name": "person_profile", "param.person_id": "",
                                            "csrf_token": token})
    assert missing.status_code == 400 and "person_id" in missing.get_data(as_text=True)


def test_seeds_api_names_bad_parameters(client_as):
    client = client_as("viewer")
    response = client.get("/api/v1/influencers/seeds?k=2&platform=nowhere")
    assert response.status_code == 400 and "parameter platform" in response.get_json()["message"]
    for _ in range(2):  # the second answer comes from the cache
        response = client.get("/api/v1/influencers/seeds?k=2&community=99999")
        error = response.get_json()
        assert response.status_code == 400 and error["parameter"] == "community"
        assert error["message"].startswith("parameter community: no community 99999")
        assert error["error"] == "Bad request" and "--" not in error["message"]


def test_seeds_page_names_a_bad_parameter_without_a_flag(client_as):
    response = client_as("viewer").get("/influencers/seeds?k=2&community=99999")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "parameter community: no community 99999" in text and "--community" not in text


def test_lookalikes_are_kols_nearest_first(client_as, web_sample):
    client = client_as("viewer")
    person = client.get(f"/api/v1/persons/{web_sample.top_person_id}").get_json()
    similar = person["similar"]
    assert similar and web_sample.top_person_id not in [s["person_id"] for s in similar]
    floor = web_sample.store.scalar(
        "MATCH (p:Person) WHERE p.kol_score IS NOT NULL "
        "RETURN percentileCont(p.kol_score, 0.9) AS v")
    assert all(s["kol_score"] >= floor for s in similar)
    similarity = [s["similarity"] for s in similar]
    assert similarity == sorted(similarity, reverse=True)
