"""Campaign pages and API on the web tests' sample: a viewer creates a campaign, adds KOLs
from two leaderboard pages, sees the plan the use-case computes, sets costs; wrong values are
answered on the page naming the field; only an admin deletes. The leaderboard's overlap and
the library query count the same audiences."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask.testing import FlaskClient

from graph.querylib import run_library_query
from kolgraph.usecases import campaigns
from tests.test_campaign_export import receiver  # noqa: F401  (fixture)
from tests.web.conftest import csrf_token

ADD_BUTTON = re.compile(r'form="campaign-add" name="select" value="([^"]+)"')


def _create(client: FlaskClient, **values: str) -> str:
    token = csrf_token(client, "/campaigns")
    response = client.post("/campaigns", data={"csrf_token": token, **values})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    found = re.search(r"/campaigns/(C[0-9a-f]+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def test_a_viewer_builds_a_campaign_across_leaderboard_pages(
        client_as: Callable[[str | None], FlaskClient], web_sample) -> None:
    viewer = client_as("viewer")
    cid = _create(viewer, name="双十一 知识节", starts_on="2026-11-01", ends_on="2026-11-11",
                  platforms_sent="1", platforms=web_sample.platform)
    chosen = []
    for page in (1, 2):
        path = f"/influencers?campaign={cid}&page={page}"
        html = viewer.get(path).get_data(as_text=True)
        assert 'id="campaign-bar"' in html
        ids = ADD_BUTTON.findall(html)
        assert len(ids) >= 2
        token = csrf_token(viewer, path)
        for person_id in ids[:2] if page == 1 else ids[:1]:
            response = viewer.post(f"/campaigns/{cid}/kols",
                                   data={"csrf_token": token, "select": person_id,
                                         "next": path})
            assert response.status_code == 303 and response.headers["Location"].endswith(path)
            chosen.append(person_id)
    again = viewer.get(f"/influencers?campaign={cid}&page=1").get_data(as_text=True)
    assert f'form="campaign-remove" name="person_id" value="{chosen[0]}"' in again
    assert chosen[0] not in ADD_BUTTON.findall(again)

    plan = campaigns.plan(web_sample.store, cid)
    assert sorted(k["person_id"] for k in plan.kols) == sorted(chosen)
    page = viewer.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert f'data-reach="{plan.reach}"' in page and plan.reach > 0
    assert page.count('data-shared="') == 9
    assert "双十一 知识节" in page and 'id="reach-by-platform"' in page
    api = viewer.get(f"/api/v1/campaigns/{cid}").get_json()
    assert api["reach"] == plan.reach and api["shared"] == plan.shared
    assert any(c["campaign_id"] == cid and c["kols"] == 3
               for c in viewer.get("/api/v1/campaigns").get_json())

    token = csrf_token(viewer, f"/campaigns/{cid}")
    bad = viewer.post(f"/campaigns/{cid}/costs",
                      data={"csrf_token": token, f"cost:{chosen[0]}": "100",
                            f"cost:{chosen[1]}": "lots"})
    assert bad.status_code == 400 and f"cost of {chosen[1]}" in bad.get_data(as_text=True)
    assert all(k["cost"] is None for k in campaigns.plan(web_sample.store, cid).kols)
    ok = viewer.post(f"/campaigns/{cid}/costs",
                     data={"csrf_token": token, f"cost:{chosen[0]}": "100",
                           f"cost:{chosen[1]}": "1,000"})
    assert ok.status_code == 303
    budget = viewer.get(f"/campaigns/{cid}?budget=500").get_data(as_text=True)
    assert 'id="budget-kols"' in budget and chosen[0] in budget.split('id="budget-kols"')[1]

    assert viewer.post(f"/campaigns/{cid}/delete", data={"csrf_token": token}).status_code == 403
    admin = client_as("admin")
    token = csrf_token(admin, f"/campaigns/{cid}")
    assert admin.post(f"/campaigns/{cid}/delete", data={"csrf_token": token}).status_code == 303
    assert viewer.get(f"/campaigns/{cid}").status_code == 404
    trail = web_sample.store.read(
        "MATCH (:Campaign {campaign_id: $id})-[:LOGGED]->(e:CampaignEvent) "
        "RETURN e.user AS user, e.action AS action ORDER BY e.at", {"id": cid}).rows
    assert [r["action"] for r in trail] == ["create", "select", "select", "select", "select",
                                            "delete"]
    assert trail[0]["user"] == web_sample.users["viewer"]
    assert trail[-1]["user"] == web_sample.users["admin"]


def test_wrong_campaign_fields_are_answered_on_the_form(
        client_as: Callable[[str | None], FlaskClient]) -> None:
    viewer = client_as("viewer")
    token = csrf_token(viewer, "/campaigns")
    response = viewer.post("/campaigns", data={"csrf_token": token, "name": "x",
                                               "starts_on": "2026-11-11",
                                               "ends_on": "2026-11-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="campaign-error"' in html
    assert "parameter ends_on: 2026-11-01 is before starts_on 2026-11-11" in html
    assert 'value="2026-11-11"' in html  # what was typed is kept
    chinese = viewer.post("/campaigns", data={"csrf_token": token, "name": " "},
                          headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 400 and "参数 name" in chinese.get_data(as_text=True)
    assert viewer.get("/campaigns/Cnothere").status_code == 404
    assert viewer.get("/influencers?campaign=Cnothere").status_code == 404


def test_the_leaderboard_overlap_is_the_library_audience(
        client_as: Callable[[str | None], FlaskClient], web_sample) -> None:
    viewer = client_as("viewer")
    html = viewer.get("/influencers").get_data(as_text=True)
    a, b = re.findall(r'<tr data-person-id="([^"]+)"', html)[:2]
    page = viewer.get(f"/influencers?select={a}&select={b}").get_data(as_text=True)
    row = re.search(r'<table class="kg-table" id="overlap">.*?<tbody>.*?<tr><td>[^<]*</td>'
                    r'<td>[^<]*</td><td>(\d+)</td><td>(\d+)</td><td>([0-9.]+)</td>', page,
                    re.S)
    assert row, page[-3000:]
    library = run_library_query(web_sample.store, "audience_overlap",
                                {"person_a": a, "person_b": b}, limit=10, timeout_s=30).rows[0]
    assert (int(row.group(1)), int(row.group(2))) == (library["shared"],
                                                      library["union_size"])
    assert float(row.group(3)) == round(library["jaccard"], 4)


def test_exports_and_launch_from_the_campaign_page(web_app, web_sample, receiver,  # noqa: F811
                                                   client_as: Callable[[str | None], FlaskClient]
                                                   ) -> None:
    from dataclasses import replace

    from kolgraph.usecases import campaign_export
    from web.context import get_context

    url, received = receiver
    viewer = client_as("viewer")
    cid = _create(viewer, name="launch me")
    html = viewer.get("/influencers?campaign=" + cid).get_data(as_text=True)
    campaigns.select(web_sample.store, cid, ADD_BUTTON.findall(html)[:2], "viewer")
    page = viewer.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert f'href="/campaigns/{cid}/export/audience.csv"' in page
    assert "No webhook is configured" in page

    segment = list(campaign_export.segment_rows(web_sample.store, cid))
    download = viewer.get(f"/campaigns/{cid}/export/audience.csv")
    assert download.status_code == 200 and download.is_streamed
    assert download.headers["Content-Disposition"] == \
        f"attachment; filename={cid}-audience.csv"
    lines = download.get_data().decode("utf-8").splitlines()
    assert lines[0] == "\ufeff" + ",".join(campaign_export.SEGMENT_COLUMNS)
    assert len(lines) == len(segment) + 1 and len(segment) > 0
    book = viewer.get(f"/api/v1/campaigns/{cid}/export/kols.xlsx")
    assert book.status_code == 200 and book.get_data()[:2] == b"PK"
    bad = viewer.get(f"/api/v1/campaigns/{cid}/export/kols.pdf")
    assert bad.status_code == 400 and "format" in bad.get_data(as_text=True)
    first = viewer.get(f"/api/v1/campaigns/{cid}/segment?limit=2").get_json()
    rest = viewer.get(f"/api/v1/campaigns/{cid}/segment?limit=10000&after="
                      + first["next_after"]).get_json()
    assert [[r[c] for c in campaign_export.SEGMENT_COLUMNS]
            for r in first["rows"] + rest["rows"]] == segment
    kols = viewer.get(f"/api/v1/campaigns/{cid}/kols").get_json()
    assert len(kols) == 2 and all(k.get("cost") is None for k in kols)

    with web_app.app_context():
        context = get_context()
        before = context.settings
        context.settings = replace(before, campaign_webhook_url=url,
                                   campaign_webhook_secret="s3cret")
    try:
        assert "Launching posts the audience segment to the webhook 127.0.0.1" in \
            viewer.get(f"/campaigns/{cid}").get_data(as_text=True)
        token = csrf_token(viewer, f"/campaigns/{cid}")
        launched = viewer.post(f"/campaigns/{cid}/launch", data={"csrf_token": token},
                               follow_redirects=True).get_data(as_text=True)
    finally:
        with web_app.app_context():
            get_context().settings = before
    assert "its audience segment was sent to the webhook" in launched
    assert campaigns.get(web_sample.store, cid)["status"] == "launched"
    (headers, body), = received
    assert headers["X-Kolgraph-Signature"].startswith("sha256=")
    assert len(json.loads(body)["segment"]) == len(segment)


def test_the_report_page_shows_what_the_use_case_attributes(
        web_sample, client_as: Callable[[str | None], FlaskClient]) -> None:
    from kolgraph.usecases import attribution

    viewer = client_as("viewer")
    cid = _create(viewer, name="report")
    html = viewer.get("/influencers?campaign=" + cid).get_data(as_text=True)
    campaigns.select(web_sample.store, cid, ADD_BUTTON.findall(html)[:10], "viewer")
    expected = attribution.report(web_sample.store, cid, rule="linear", lookback_days=30)
    page = viewer.get(f"/campaigns/{cid}/report?rule=linear&lookback_days=30")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'data-purchases="{expected.totals["attributed_purchases"]}"' in body
    assert 'id="report-not-launched"' in body
    for row in expected.per_kol:
        assert f'data-person-id="{row["kol"]}"' in body
    csv_text = viewer.get(f"/campaigns/{cid}/report.csv?rule=linear&lookback_days=30") \
        .get_data().decode("utf-8")
    assert csv_text.startswith("\ufeffpurchase,buyer,content_key")
    assert len(csv_text.splitlines()) == len(expected.rows) + 1
    chart = viewer.get(f"/api/v1/campaigns/{cid}/attribution.chart?by=platform&rule=linear"
                       "&lookback_days=30").get_json()
    assert chart["type"] == "bar" and \
        len(chart["data"]["labels"]) == min(15, len(expected.per_platform))
    api = viewer.get(f"/api/v1/campaigns/{cid}/attribution?rule=linear&lookback_days=30")
    assert api.get_json()["totals"] == expected.totals
    bad = viewer.get(f"/campaigns/{cid}/report?rule=magic")
    assert bad.status_code == 400 and "rule" in bad.get_data(as_text=True)
