"""The KOL leaderboard (``/influencers``, its CSV and JSON): the columns a community manager
picks KOLs by, checked against independent counts in the loaded sample; totals and page
counts; sorting; a page past the end; *why it ranks here* in both languages; namesakes told
apart; the export. The store reads it adds run on FalkorDB and Neo4j (the library graph of
``tests/library_graph.py``, whose conversions are known)."""

from __future__ import annotations

import csv
import io
import math
import random
import re
from collections import defaultdict
from typing import Any

import pytest

from graph.store import web_reads
from tests.library_graph import A_CUR
from tests.test_cypher_library import lib_any_store, lib_store  # noqa: F401  (fixtures)
from web import pages
from web.person_rows import PersonRows
from web.why import COMMUNITY_FIRST, MAINLY, TOP_BY, Percentiles, Reason, percent, reasons

ZH = {"Accept-Language": "zh-CN"}
WEEK = 7 * 86400


# ------------------------------------------------------------------ pure: why it ranks
def test_reasons_name_the_top_components_smallest_share_first() -> None:
    p = Percentiles({"reach": list(range(100)), "pagerank": [i / 100 for i in range(100)],
                     "engagement_rate": [1.0] * 100})
    row = {"reach": 97, "pagerank": 0.99, "engagement_rate": 1.0, "community_rank": 2}
    assert reasons(row, p, []) == [
        Reason(TOP_BY["pagerank"], {"pct": 1}), Reason(TOP_BY["reach"], {"pct": 3}),
        Reason("#%(rank)s in their community", {"rank": 2})]


def test_without_a_top_component_the_largest_contribution_is_named() -> None:
    p = Percentiles({"reach": list(range(100))})
    contributions = [{"component": "reach", "contribution": 0.2},
                     {"component": "pagerank", "contribution": 0.1}]
    assert reasons({"reach": 50, "community_rank": 9}, p, contributions) == [
        Reason(MAINLY["reach"])]
    assert reasons({"reach": 0}, p, []) == [Reason("no interactions yet")]


def test_the_unassigned_get_no_community_reason() -> None:
    p = Percentiles({"reach": list(range(10))})
    assert Reason(COMMUNITY_FIRST) not in reasons({"reach": 9, "community_rank": 1}, p, [],
                                                  unassigned=True)
    assert Reason(COMMUNITY_FIRST) in reasons({"reach": 9, "community_rank": 1}, p, [])


def test_shares_computed_for_a_page_at_once_give_the_same_reasons() -> None:
    rng = random.Random(3)
    values = {c: [rng.choice([0.0, rng.random() * 10]) for _ in range(500)] for c in TOP_BY}
    p = Percentiles(values)
    rows = [{c: rng.choice([None, 0, float("nan"), rng.random() * 10, values[c][i]])
             for c in TOP_BY} | {"community_rank": rng.randint(1, 5)} for i in range(300)]
    shares = p.top_shares(rows)
    assert [reasons(r, p, [], shares=s) for r, s in zip(rows, shares, strict=True)] == [
        reasons(r, p, []) for r in rows]
    assert any(reasons(r, p, []) and reasons(r, p, [])[0].message in TOP_BY.values()
               for r in rows)


def test_percent_rounds_up_and_never_says_top_zero() -> None:
    assert (percent(0.0), percent(0.011), percent(0.02), percent(1.0)) == (1, 2, 2, 100)


# ------------------------------------------------------- store reads, FalkorDB and Neo4j
def test_conversions_are_the_library_attribution(lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    everybody = list(ids.values())
    # cypher/library/kol_conversions.cypher's buyers: W 3, L 1 (7 days); W 4 in 30 days
    assert web_reads.conversions(store, everybody) == {ids["W"]: 3, ids["L"]: 1}
    assert web_reads.conversions(store, [ids["W"]], window_days=30) == {ids["W"]: 4}
    assert web_reads.conversions(store, []) == {}


def test_accounts_of_lists_every_account_most_followed_first(lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    found = web_reads.accounts_of(store, [ids["W"], ids["C"]])
    stored = store.read("MATCH (p:Person {person_id: $id})-[:HAS_ACCOUNT]->(a:Account) "
                        "RETURN a.platform AS platform, a.account_id AS account_id, "
                        "a.followers AS followers", {"id": ids["W"]}).rows
    assert sorted(found[ids["W"]], key=lambda a: a["account_id"]) == sorted(
        [{**a, "display_name": found_name(found[ids["W"]], a["account_id"])} for a in stored],
        key=lambda a: a["account_id"])
    followers = [a["followers"] or 0 for a in found[ids["W"]]]
    assert len(followers) == 3 and followers == sorted(followers, reverse=True)
    assert [a["account_id"] for a in found[ids["C"]]] == ["chen"]


def test_persons_read_with_their_accounts_in_one_query(lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    lonely = "P-test-without-accounts"
    store.write("CREATE (:Person {person_id: $id, display_name: '无账号'})", {"id": lonely})
    try:
        wanted = [ids["C"], lonely, "P-unknown", *sorted(ids.values())]
        plain = web_reads.persons_by_ids(store, wanted)
        found = web_reads.persons_by_ids(store, wanted, with_accounts=True)
        accounts = web_reads.accounts_of(store, wanted)
        assert [{k: v for k, v in r.items() if k != "accounts"} for r in found] == plain
        assert {r["person_id"]: r["accounts"] for r in found} == accounts
        assert [r["person_id"] for r in found][:2] == [ids["C"], lonely]
        assert found[1]["accounts"] == [] and len(found[0]["accounts"]) == 1
    finally:
        store.write("MATCH (p:Person {person_id: $id}) DELETE p", {"id": lonely})


def test_every_persons_row_read_in_one_pass_equals_the_rows_read_by_id(
        lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    batches = list(web_reads.all_persons_with_accounts(store, A_CUR, batch_size=3))
    every = [r for batch in batches for r in batch]
    assert len(batches) > 1 and len(every) == len({r["person_id"] for r in every})
    in_run = [r["person_id"] for r in store.read(
        "MATCH (p:Person) WHERE p.analyze_run_id = $run RETURN p.person_id AS person_id",
        {"run": A_CUR}).rows]
    assert sorted(r["person_id"] for r in every) == sorted(in_run) and in_run
    by_id = web_reads.persons_by_ids(store, in_run, with_accounts=True)
    assert sorted(every, key=lambda r: r["person_id"]) == sorted(
        by_id, key=lambda r: r["person_id"])
    packed = PersonRows(batches)
    assert packed.rows([*reversed(in_run), "P-unknown"]) == list(reversed(by_id))


def found_name(accounts: list[dict[str, Any]], account_id: str) -> Any:
    return next(a["display_name"] for a in accounts if a["account_id"] == account_id)


def test_leaderboard_count_is_the_number_of_rows(lib_any_store) -> None:  # noqa: F811
    store, _ids = lib_any_store
    for filters in ({}, {"community": 1}, {"platform": "bilibili"},
                    {"community": 0, "platform": "zhihu"}, {"topic": "经济学"}):
        rows = web_reads.leaderboard(store, A_CUR, limit=100, **filters)
        assert web_reads.leaderboard_count(store, A_CUR, **filters) == len(rows), filters
    assert web_reads.leaderboard_count(store, A_CUR, community=1) == 5


# ------------------------------------------------------------------- the page and API
def _count(store, cypher: str, **params: Any) -> int:
    return int(store.scalar(cypher, params) or 0)


def test_total_and_page_count_of_a_filter(client_as, web_sample) -> None:
    client = client_as("viewer")
    cid, platform = web_sample.community_id, web_sample.platform
    expected = _count(web_sample.store,
                      "MATCH (p:Person) WHERE p.community_id = $c AND "
                      "p.analyze_run_id IS NOT NULL AND "
                      "(p)-[:HAS_ACCOUNT]->(:Account {platform: $platform}) "
                      "RETURN count(p) AS n", c=cid, platform=platform)
    d = client.get(f"/api/v1/influencers?community={cid}&platform={platform}").get_json()
    assert d["total"] == expected > 0
    assert d["pages"] == math.ceil(expected / 50)
    everybody = client.get("/api/v1/influencers").get_json()
    persons = _count(web_sample.store, "MATCH (p:Person) WHERE p.analyze_run_id IS NOT NULL "
                                       "RETURN count(p) AS n")
    assert (everybody["total"], everybody["pages"]) == (persons, math.ceil(persons / 50))
    html = client.get("/influencers?page=2", headers=ZH).get_data(as_text=True)
    assert f"共 {persons:,} 人 · 第 2 / {math.ceil(persons / 50)} 页" in html
    english = client.get("/influencers").get_data(as_text=True)
    assert f"{persons:,} persons · page 1 of {math.ceil(persons / 50)}" in english


def _independent_conversions(store) -> dict[str, int]:
    """Attributed buyers per person, computed in Python from plain reads of shares,
    purchases and ties (the rules of cypher/library/kol_conversions.cypher)."""
    shared: dict[tuple[str, str], int] = {}
    for r in store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(:Account)-[e:ENGAGED "
                        "{type: 'share'}]->(c:Content) RETURN p.person_id AS p, "
                        "c.content_key AS c, e.last_at AS t").rows:
        key = (r["p"], r["c"])
        shared[key] = min(shared.get(key, r["t"]), r["t"])
    bought: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(:Account)-[e:ENGAGED "
                        "{type: 'purchase'}]->(c:Content) RETURN p.person_id AS p, "
                        "c.content_key AS c, e.last_at AS t").rows:
        bought[r["c"]].append((r["p"], r["t"]))
    tied: dict[tuple[str, str], int] = {}
    for r in store.read("MATCH (b:Person)-[:HAS_ACCOUNT]->(:Account)-[t:FOLLOWS|INTERACTED]->"
                        "(:Account)<-[:HAS_ACCOUNT]-(k:Person) "
                        "RETURN b.person_id AS b, k.person_id AS k, "
                        "coalesce(t.since, t.first_at) AS t").rows:
        if r["t"] is not None:
            key = (r["b"], r["k"])
            tied[key] = min(tied.get(key, r["t"]), r["t"])
    buyers: dict[str, set[str]] = defaultdict(set)
    for (kol, content), at in shared.items():
        times: dict[str, int] = {}
        for buyer, t in bought.get(content, []):
            if buyer != kol and at <= t <= at + WEEK:
                times[buyer] = min(times.get(buyer, t), t)
        for buyer, t in times.items():
            if (buyer, kol) in tied and tied[(buyer, kol)] <= t:
                buyers[kol].add(buyer)
    return {k: len(v) for k, v in buyers.items()}


def test_columns_of_known_persons_equal_independent_counts(client_as, web_sample) -> None:
    store = web_sample.store
    converted = _independent_conversions(store)
    assert converted, "the sample should attribute some purchases"
    best = max(converted, key=lambda k: (converted[k], k))
    client = client_as("viewer")
    ids = [web_sample.top_person_id, best]
    items = client.get("/api/v1/influencers?" + "&".join(f"select={i}" for i in ids)
                       ).get_json()["items"]
    assert {i["person_id"] for i in items} == set(ids)
    for item in items:
        pid = item["person_id"]
        accounts = store.read("MATCH (p:Person {person_id: $id})-[:HAS_ACCOUNT]->(a:Account) "
                              "RETURN a.platform AS platform, a.account_id AS account_id, "
                              "a.followers AS followers", {"id": pid}).rows
        assert sorted((a["platform"], a["account_id"], a["followers"])
                      for a in item["accounts"]) == sorted(
            (a["platform"], a["account_id"], a["followers"]) for a in accounts)
        main = max(accounts, key=lambda a: a["followers"] or 0)
        assert (item["main_platform"], item["main_handle"]) == (main["platform"],
                                                                main["account_id"])
        # the audience of docs/campaigns.md: follows or interactions with any account
        reach = _count(store, "MATCH (p:Person {person_id: $id})-[:HAS_ACCOUNT]->(:Account)"
                              "<-[:FOLLOWS|INTERACTED]-(:Account)<-[:HAS_ACCOUNT]-(m:Person) "
                              "WHERE m <> p RETURN count(DISTINCT m) AS n", id=pid)
        assert item["reach"] == reach
        assert item["conversions"] == converted.get(pid, 0)
        assert item["community_title"]
    assert next(i for i in items if i["person_id"] == best)["conversions"] > 0


@pytest.mark.parametrize("sort", ["kol_score", "followers_total", "reach",
                                  "engagement_rate", "pagerank"])
def test_sorted_by_each_numeric_column_across_pages(client_as, sort: str) -> None:
    client = client_as("viewer")
    first = client.get(f"/api/v1/influencers?sort={sort}").get_json()
    second = client.get(f"/api/v1/influencers?sort={sort}&page=2").get_json()
    values = [i[sort] or 0 for i in first["items"] + second["items"]]
    assert len(values) == 100 and values == sorted(values, reverse=True)
    html = client.get(f"/influencers?sort={sort}").get_data(as_text=True)
    found = re.search(r'<a rel="next" href="([^"]+)"', html)
    assert found and f"sort={sort}" in found.group(1) and "page=2" in found.group(1)


def test_sort_headers_keep_the_filters(client_as, web_sample) -> None:
    html = client_as("viewer").get(f"/influencers?community={web_sample.community_id}"
                                   "&sort=reach").get_data(as_text=True)
    head = html.split('id="leaderboard"')[1].split("</thead>")[0]
    assert f"community={web_sample.community_id}" in head and "sort=followers_total" in head
    assert 'class="kg-sorted"' in head.split("sort=reach")[1].split("</a>")[0]


def test_a_page_past_the_end_says_so_and_links_to_the_last(client_as) -> None:
    client = client_as("viewer")
    d = client.get("/api/v1/influencers?page=999").get_json()
    assert d["items"] == [] and d["past_end"] and d["last_page"] == d["pages"]
    html = client.get("/influencers?page=999").get_data(as_text=True)
    assert "nobody matches" not in html and 'id="past-end"' in html
    assert f'id="last-page" href="/influencers?page={d["pages"]}"' in html
    zh = client.get("/influencers?page=999", headers=ZH).get_data(as_text=True)
    assert f"第 999 页超出了最后一页（共 {d['pages']} 页）" in zh
    assert not client.get("/api/v1/influencers?page=1").get_json()["past_end"]


def test_why_it_ranks_in_chinese_and_english(client_as, web_sample) -> None:
    client = client_as("viewer")
    pid = web_sample.top_person_id
    en = client.get(f"/api/v1/influencers?select={pid}").get_json()["items"][0]
    zh = client.get(f"/api/v1/influencers?select={pid}", headers=ZH).get_json()["items"][0]
    assert [r["message"] for r in en["reasons"]] == [r["message"] for r in zh["reasons"]]
    assert "highest KOL score in their community" in [r["text"] for r in en["reasons"]]
    assert "社群内 KOL 分最高" in [r["text"] for r in zh["reasons"]]
    assert any(r["text"].startswith("top ") and r["text"].count("%") == 1
               for r in en["reasons"])
    assert any("排名前" in r["text"] for r in zh["reasons"])
    html = client.get("/influencers", headers=ZH).get_data(as_text=True)
    assert "社群内 KOL 分最高" in html


def test_community_filter_offers_the_unassigned_only_by_name(client_as) -> None:
    html = client_as("viewer").get("/influencers", headers=ZH).get_data(as_text=True)
    select = html.split('<select name="community"')[1].split("</select>")[0]
    assert '<option value="0">零散用户</option>' in select
    assert '>#0' not in select and select.count('value="0"') == 1


def test_namesakes_told_apart_on_the_community_pages(client_as, web_sample) -> None:
    client = client_as("viewer")
    for path in (f"/communities/{web_sample.community_id}", "/communities"):
        html = client.get(path).get_data(as_text=True)
        assert 'class="kg-avatar' in html and 'class="kg-handle"' in html, path
    row = client.get("/influencers").get_data(as_text=True).split(
        f'data-person-id="{web_sample.top_person_id}"')[1].split("</tr>")[0]
    assert 'class="kg-avatar' in row and "@" in row and 'class="kg-community-tag"' in row


def _csv(response) -> list[dict[str, str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_export_is_every_filtered_row_with_handle_and_community(client_as,
                                                                web_sample) -> None:
    client = client_as("viewer")
    total = client.get("/api/v1/influencers").get_json()["total"]
    response = client.get("/influencers.csv")
    rows = _csv(response)
    assert len(rows) == total > 1000 and "X-Kolgraph-Truncated" not in response.headers
    top = next(r for r in rows if r["person_id"] == web_sample.top_person_id)
    assert top["main_platform"] and top["main_handle"] and top["community_label"]
    assert top["accounts"] and top["why"]
    assert {"main_platform", "main_handle", "community_label", "conversions",
            "reach", "engagement_rate", "followers_total"} <= set(rows[0])
    api = client.get(f"/api/v1/influencers?select={web_sample.top_person_id}").get_json()
    assert {"main_platform", "main_handle", "community_title", "accounts",
            "conversions", "reasons"} <= set(api["items"][0])


def test_a_capped_export_says_so(client_as, monkeypatch) -> None:
    monkeypatch.setattr(pages, "EXPORT_LIMIT", 5)
    response = client_as("viewer").get("/influencers.csv")
    rows = _csv(response)
    assert [r["kol_rank"] for r in rows[:5]] == ["1", "2", "3", "4", "5"]
    assert len(rows) == 6 and rows[5]["kol_rank"].startswith("# truncated: the first 5 of")
    assert response.headers["X-Kolgraph-Truncated"].startswith("5/")
