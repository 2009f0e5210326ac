"""The person page (issue 19, item 7): course recommendations linked to a content page with
their price and platform, reasons worded from the evidence in the user's language, scores as
a match percentage, look-alike KOLs above a minimum audience, the engagement and conversions
chart against an independent count; community titles in the user's language on every page
(an admin's name wins), the CLI rename, and the seeds page without community 0."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from flask import Flask

from graph.analytics.community_ids import UNASSIGNED_ID
from kolgraph.usecases.analyze import rename_community
from web import reasons
from web.activity import monthly

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
LIBRARY = Path(__file__).resolve().parents[2] / "cypher" / "library"


def _page(client, path: str, zh: bool = False) -> str:
    response = client.get(path, environ_overrides=ZH if zh else {})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def _section(page: str, table_id: str) -> str:
    start = page.index(f'id="{table_id}"')
    return page[start:page.index("</table>", start)]


def _text(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment))


# ------------------------------------------------------------------ courses, prices
def test_course_recommendations_link_to_a_content_page_with_price_and_platform(
        client_as, web_sample):
    client = client_as("viewer")
    person = client.get(f"/api/v1/persons/{web_sample.top_person_id}").get_json()
    recs = person["recommendations"]["content"]
    assert recs, "the sample's top person has course recommendations"
    for zh in (False, True):
        table = _section(_page(client, f"/persons/{web_sample.top_person_id}", zh),
                         "recommended-content")
        links = re.findall(r'class="kg-content-link" href="([^"]+)"', table)
        assert links == [r["url"] for r in recs]
        assert all(link.startswith("/contents/") for link in links)
        prices = [htmllib.unescape(p) for p in
                  re.findall(r'class="price" data-price="[^"]*">([^<]*)<', table)]
        free = "免费" if zh else "free"
        for r, shown in zip(recs, prices, strict=True):
            stored = web_sample.store.scalar(
                "MATCH (c:Content {content_key: $k}) RETURN c.price AS p", {"k": r["target_id"]})
            assert shown == (free if stored == 0 else
                             "¥" + (f"{stored:,.0f}" if float(stored).is_integer()
                                    else f"{stored:,.2f}"))
        platforms = re.findall(r'<td data-code="([^"]+)"[^>]*>([^<]+)</td>', table)
        assert [code for code, _name in platforms] == [r["platform"] for r in recs]
        if zh:
            assert all(name != code for code, name in platforms
                       if code in ("zhihu", "dedao", "ximalaya", "bilibili", "channels"))


def test_content_page_shows_title_kind_price_topics_creators_and_buyers(client_as,
                                                                        web_sample):
    client = client_as("viewer")
    key = web_sample.store.read(
        "MATCH (:Account)-[:CREATED]->(c:Content)<-[e:ENGAGED]-() WHERE e.type = 'purchase' "
        "RETURN c.content_key AS k, count(e) AS n ORDER BY n DESC, k LIMIT 1").rows[0]["k"]
    facts = web_sample.store.read(
        "MATCH (c:Content {content_key: $k}) RETURN c.title AS title, c.price AS price",
        {"k": key}).rows[0]
    buyers = web_sample.store.scalar(
        "MATCH (c:Content {content_key: $k})<-[e:ENGAGED]-(:Account)<-[:HAS_ACCOUNT]-(p:Person) "
        "WHERE e.type = 'purchase' OR e.type = 'subscribe' RETURN count(DISTINCT p) AS n",
        {"k": key})
    creators = {r["id"] for r in web_sample.store.read(
        "MATCH (c:Content {content_key: $k})<-[:CREATED]-(:Account)<-[:HAS_ACCOUNT]-(p:Person) "
        "RETURN p.person_id AS id", {"k": key}).rows}
    page = _page(client, f"/contents/{key}", zh=True)
    assert htmllib.unescape(re.search(r'id="content-title"[^>]*>([^<]*)<', page).group(1)) == \
        facts["title"]
    assert f'id="content-buyers" data-value="{buyers}"' in page
    linked = set(re.findall(r'href="/persons/([^"]+)"',
                            page[page.index('id="content-creators"'):]))
    assert creators and creators <= linked
    assert "课程" in page or "直播" in page or "音频专栏" in page or "电子书" in page
    api = client.get(f"/api/v1/contents/{key}").get_json()
    assert api["buyers"] == buyers and api["title"] == facts["title"]
    assert client.get("/contents/zhihu:no-such-content").status_code == 404


# -------------------------------------------------------------------------- reasons
@pytest.fixture
def zh_request(web_app: Flask):
    with web_app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        yield


@pytest.fixture
def en_request(web_app: Flask):
    with web_app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


PEOPLE_EVIDENCE = {"contacts_in_common": 3, "names": ["张三", "李四", "王五"],
                   "community": "parenting / finance · 周叔", "topic": "parenting",
                   "contacts": 9}
CONTENT_EVIDENCE = {"contacts_engaged": 2, "names": ["张三", "李四"],
                    "community": "x", "community_share": 0.4712, "engaged": 30}


def test_reasons_in_english(en_request):
    topic = {"parenting": "Parenting"}.get
    assert reasons.reason_text("people", PEOPLE_EVIDENCE, "Parenting · 周叔", topic) == \
        "3 contacts in common: 张三, 李四, 王五; in your community Parenting · 周叔"
    assert reasons.reason_text("content", CONTENT_EVIDENCE, "Parenting · 周叔", topic) == \
        ("2 of your contacts engaged it: 张三, 李四; "
         "popular in your community Parenting · 周叔: 47% engaged it")
    assert reasons.reason_text("people", {"contacts": 1}, "", topic) == \
        "well connected: 1 contact"
    assert reasons.reason_text("people", '{"bought_same": 2, "topic": "parenting"}', "",
                               topic) == \
        "bought 2 of the same courses as you; you both engage most with Parenting"
    assert reasons.reason_text("content", "not json", "", topic) == \
        "popular: 0 persons engaged it"


def test_reasons_in_chinese(zh_request):
    topic = {"parenting": "育儿"}.get
    people = reasons.reason_text("people", PEOPLE_EVIDENCE, "育儿 · 周叔", topic)
    assert people == "你们有 3 位共同联系人：张三、李四、王五；同在你的社群「育儿 · 周叔」"
    content = reasons.reason_text("content", CONTENT_EVIDENCE, "育儿 · 周叔", topic)
    assert content == ("你的 2 位联系人互动过：张三、李四；"
                       "在你的社群「育儿 · 周叔」很受欢迎，47% 的人互动过")
    assert reasons.reason_text("content", {"topic": "parenting", "topic_share": 0.25}, "",
                               topic) == "话题「育儿」，占你互动内容的 25%"
    assert not re.search(r"[A-Za-z]{3,}", reasons.reason_text(
        "people", {"wider_network": True}, "", topic))


def test_person_page_words_reasons_in_the_users_language_with_a_match_figure(client_as,
                                                                          web_sample):
    client = client_as("viewer")
    path = f"/persons/{web_sample.top_person_id}"
    for table_id in ("recommended-people", "recommended-content"):
        zh = _text(" ".join(re.findall(r'class="reason">([^<]*)<',
                                       _section(_page(client, path, zh=True), table_id))))
        en = _text(" ".join(re.findall(r'class="reason">([^<]*)<',
                                       _section(_page(client, path), table_id))))
        assert zh and en
        assert "in common" not in zh and "engaged" not in zh and "community" not in zh
        assert "联系人" in zh or "社群" in zh
        assert "contact" in en or "community" in en
    table = _section(_page(client, path), "recommended-people")
    scores = [float(s) for s in re.findall(r'data-score="([^"]+)"', table)]
    shown = re.findall(r"</meter> ([^<]+)</td>", table)
    assert scores and len(shown) == len(scores)
    assert all(s.endswith("%") for s in shown)
    assert "1.0000" not in table


# ---------------------------------------------------------------------- look-alikes
def test_lookalikes_are_kols_above_the_minimum_audience(client_as, web_sample):
    client = client_as("viewer")
    person = client.get(f"/api/v1/persons/{web_sample.top_person_id}").get_json()
    own = max(person["person"]["followers_total"] or 0, person["person"]["reach"] or 0)
    minimum = person["lookalike_min_audience"]
    assert minimum == max(100, -(-own // 10))  # a tenth of its audience, at least 100
    similar = person["similar"]
    assert similar, "the top person has look-alike KOLs"
    assert all(max(s["followers_total"] or 0, s["reach"] or 0) >= minimum for s in similar)
    floor = web_sample.store.scalar(
        "MATCH (p:Person) WHERE p.analyze_run_id IS NOT NULL "
        "RETURN percentileCont(p.kol_score, 0.9) AS v")
    assert all(s["kol_score"] >= floor for s in similar)
    # Every person of the sample that qualifies and is not listed is less similar than the
    # last one listed (the filter did not drop anyone the list should hold).
    assert len(similar) == 10 or len(similar) == web_sample.store.scalar(
        "MATCH (p:Person) WHERE p.person_id <> $id AND p.kol_score >= $floor "
        "AND (p.followers_total >= $m OR p.reach >= $m) AND p.embedding IS NOT NULL "
        "RETURN count(p) AS n", {"id": web_sample.top_person_id, "floor": floor, "m": minimum})
    page = _page(client, f"/persons/{web_sample.top_person_id}", zh=True)
    assert 'id="lookalike-rule"' in page


def test_lookalike_minimum_audience_setting(web_app, web_sample, client_as):
    from dataclasses import replace

    from web.context import get_context

    with web_app.app_context():
        context = get_context()
        before = context.settings
        context.settings = replace(before, lookalike_min_audience=1500)
        try:
            with web_app.test_request_context("/"):
                from web import data
                found = data.lookalike_kols(web_sample.top_person_id, None)
        finally:
            context.settings = before
    assert found and all(max(s["followers_total"] or 0, s["reach"] or 0) >= 1500
                         for s in found)


# ---------------------------------------------------------------------------- chart
def _both_types(library_query: str) -> str:
    """A library attribution query counting subscriptions as well as purchases."""
    query = "\n".join(line for line in library_query.splitlines() if not line.startswith("//"))
    return query.replace("[buy:ENGAGED {type: 'purchase'}]", "[buy:ENGAGED]").replace(
        "WHERE buyer.person_id <> kol.person_id",
        "WHERE (buy.type = 'purchase' OR buy.type = 'subscribe') "
        "AND buyer.person_id <> kol.person_id")


def _independent_months(web_sample, person_id: str, tz: str) -> dict[str, dict[str, int]]:
    store = web_sample.store
    zone = ZoneInfo(tz)

    def month(at: int) -> str:
        return dt.datetime.fromtimestamp(int(at), zone).strftime("%Y-%m")

    out: dict[str, dict[str, int]] = {}
    for r in store.read(
            "MATCH (p:Person {person_id: $id})-[:HAS_ACCOUNT]->(a:Account)-[:CREATED]->(c) "
            "WITH DISTINCT c MATCH (c)<-[e:ENGAGED]-() "
            "WHERE e.type <> 'purchase' AND e.type <> 'subscribe' RETURN e.last_at AS at",
            {"id": person_id}).rows:
        m = out.setdefault(month(r["at"]), {"engagement": 0, "conversions": 0})
        m["engagement"] += 1
    library = (LIBRARY / "conversion_attribution.cypher").read_text(encoding="utf-8")
    for r in store.read(_both_types(library),
                        {"person_id": person_id, "window_days": 7, "k": 100_000}).rows:
        m = out.setdefault(month(r["purchased_at"]), {"engagement": 0, "conversions": 0})
        m["conversions"] += 1
    return out


def test_activity_chart_equals_an_independent_count(client_as, web_sample):
    client = client_as("viewer")
    library = (LIBRARY / "kol_conversions.cypher").read_text(encoding="utf-8")
    converting = web_sample.store.read(_both_types(library), {"window_days": 7, "k": 3}).rows
    checked_conversions = 0
    for person_id in [web_sample.top_person_id, *(r["person_id"] for r in converting)]:
        expected = _independent_months(web_sample, person_id, "Asia/Shanghai")
        months = client.get(f"/api/v1/persons/{person_id}/activity").get_json()["months"]
        got = {m["month"]: {"engagement": m["engagement"], "conversions": m["conversions"]}
               for m in months if m["engagement"] or m["conversions"]}
        assert got == expected, person_id
        checked_conversions += sum(m["conversions"] for m in expected.values())
        chart = client.get(f"/api/v1/persons/{person_id}/activity.chart",
                           environ_overrides=ZH).get_json()
        assert chart["data"]["labels"] == [m["month"] for m in months]
        assert [d["data"] for d in chart["data"]["datasets"]] == [
            [m["engagement"] for m in months], [m["conversions"] for m in months]]
        assert chart["options"]["plugins"]["title"]["text"] == "每月互动与转化"
    assert checked_conversions > 0, "some checked person has attributed conversions"


def test_months_follow_the_time_zone():
    # 2026-01-31T20:00Z is February in Shanghai (UTC+8) and January in New York.
    bucket = int(dt.datetime(2026, 1, 31, 20, tzinfo=dt.UTC).timestamp()) // 900
    rows = [{"series": "engagement", "bucket": bucket, "n": 3}]
    assert monthly(rows, 900, ZoneInfo("Asia/Shanghai"))[0]["month"] == "2026-02"
    assert monthly(rows, 900, ZoneInfo("America/New_York"))[0]["month"] == "2026-01"
    assert monthly(rows, 900, ZoneInfo("Asia/Kathmandu"))[0]["month"] == "2026-02"


# ------------------------------------------------------------------ community titles
def _topic_names(web_sample, community_id: int) -> list[str]:
    import json
    raw = web_sample.store.scalar(
        "MATCH (c:Community {community_id: $c}) WITH c ORDER BY c.run_id DESC "
        "RETURN c.topics AS t LIMIT 1", {"c": community_id})
    topics = json.loads(raw)
    return sorted(topics, key=lambda t: -topics[t])[:3]


def test_community_titles_are_in_the_users_language_everywhere(client_as, web_sample):
    client = client_as("viewer")
    cid = web_sample.community_id
    codes = _topic_names(web_sample, cid)
    assert codes
    zh_names = {"parenting": "育儿", "finance": "理财", "career": "职场"}
    for zh in (True, False):
        communities = _text(_page(client, "/communities", zh))
        community = _text(_page(client, f"/communities/{cid}", zh))
        person = _page(client, f"/persons/{web_sample.top_person_id}", zh)
        title = _text(re.search(r'id="person-community"[^>]*>(.*?)</a>', person).group(1))
        leaderboard = _page(client, "/influencers", zh)
        option = _text(re.search(rf'<option value="{cid}"[^>]*>([^<]*)<', leaderboard)
                       .group(1))
        for code in codes:
            if zh and code in zh_names:
                assert zh_names[code] in title and zh_names[code] in option
                assert f"{code} /" not in title and f"/ {code}" not in title
            if not zh:
                assert code.title() in title or code in title
        assert title.split("#", 1)[1].split(" ", 1)[1] in communities
        assert title.split("#", 1)[1].split(" ", 1)[1] in community


def test_an_admins_name_wins_in_every_title(client_as, web_sample):
    client = client_as("viewer")
    cid = web_sample.community_id
    rename_community(web_sample.store, cid, "妈妈们的育儿群")
    try:
        for path in ("/communities", f"/communities/{cid}",
                     f"/persons/{web_sample.top_person_id}", "/influencers"):
            assert "妈妈们的育儿群" in _page(client, path, zh=True), path
    finally:
        rename_community(web_sample.store, cid, "")
    assert "妈妈们的育儿群" not in _page(client, f"/persons/{web_sample.top_person_id}")


def test_seeds_page_does_not_offer_the_unassigned_bucket(client_as):
    page = _page(client_as("viewer"), "/influencers/seeds", zh=True)
    select = page[page.index('name="community"'):]
    select = select[:select.index("</select>")]
    assert f'<option value="{UNASSIGNED_ID}"' not in select
    assert '<option value="1"' in select or re.search(r'<option value="[1-9]', select)


def test_cli_community_rename_and_clear(web_sample, client_as, monkeypatch):
    from kolgraph.cli import cli

    for name, value in {"KOLGRAPH_HOME": str(web_sample.home),
                        "KOLGRAPH_PII_SALT": "web-test-salt-0123456"}.items():
        monkeypatch.setenv(name, value)
    cid = web_sample.community_id
    runner = CliRunner()
    named = runner.invoke(cli, ["community", "rename", str(cid), "  CLI  的群 "])
    try:
        assert named.exit_code == 0, named.output
        assert f"community {cid}: named 'CLI 的群'" in named.output
        assert "CLI 的群" in _page(client_as("viewer"), f"/communities/{cid}", zh=True)
    finally:
        cleared = runner.invoke(cli, ["community", "rename", str(cid), "--clear"])
    assert cleared.exit_code == 0, cleared.output
    assert "CLI 的群" not in _page(client_as("viewer"), f"/communities/{cid}")
    bucket = runner.invoke(cli, ["community", "rename", "0", "x"])
    assert str(bucket.exception) == "ID: the unassigned bucket (0) cannot be renamed"
    assert bucket.exception.exit_code == 2
    both = runner.invoke(cli, ["community", "rename", str(cid), "x", "--clear"])
    assert "NAME or --clear" in str(both.exception) and both.exception.exit_code == 2
    missing = runner.invoke(cli, ["community", "rename", "99999", "x"])
    assert "community 99999" in str(missing.exception) and missing.exception.exit_code == 1
