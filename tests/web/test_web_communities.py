"""The communities pages (issue 19, item 3): the unassigned bucket is counted, not listed;
titles are labels or the admin's names; an admin renames a community with a CSRF form."""

from __future__ import annotations

import re

from conftest import csrf_token

from graph.analytics.community_ids import UNASSIGNED_ID
from graph.store import analytics_io
from graph.store.runs import current_run


def _stored(web_sample):
    run_id = current_run(web_sample.store, "analyze")["run_id"]
    return run_id, analytics_io.read_communities(web_sample.store, run_id)


def test_the_unassigned_bucket_is_counted_not_listed(client_as, web_sample):
    _run_id, stored = _stored(web_sample)
    real = stored[stored["community_id"] != UNASSIGNED_ID]
    bucket = stored.loc[stored["community_id"] == UNASSIGNED_ID, "size"]
    unassigned = int(bucket.iloc[0]) if len(bucket) else 0
    assert (real["size"] >= 3).all()  # the default minimum community size
    client = client_as("viewer")
    listed = client.get("/api/v1/communities?sort=community_id").get_json()
    assert listed["total"] == len(real) and listed["unassigned"] == unassigned
    assert UNASSIGNED_ID not in [c["community_id"] for c in listed["items"]]
    assert all(c["title"] for c in listed["items"])  # every community has a label
    html = client.get("/communities").get_data(as_text=True)
    assert f"{unassigned:,} unassigned persons" in html or f"{unassigned} unassigned" in html
    assert 'href="/communities/0"' in html and ">#0 <" not in html
    overview = client.get("/api/v1/overview").get_json()
    assert overview["communities"] == len(real) and overview["unassigned"] == unassigned


def test_the_unassigned_page_says_what_it_is(client_as):
    viewer = client_as("viewer")
    html = viewer.get(f"/communities/{UNASSIGNED_ID}").get_data(as_text=True)
    chinese = viewer.get(f"/communities/{UNASSIGNED_ID}",
                         headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "Unassigned persons" in html and "零散用户" in chinese
    assert "Community #0" not in html and 'class="kg-rename"' not in html


def _token(client, path):
    """The session's CSRF token, from the ``csrf-token`` meta tag of any page."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_an_admin_renames_a_community_and_a_viewer_cannot(client_as, web_sample):
    cid = web_sample.community_id
    run_id, _ = _stored(web_sample)
    viewer = client_as("viewer")
    assert 'class="kg-rename"' not in viewer.get(f"/communities/{cid}").get_data(as_text=True)
    viewer_token = _token(viewer, "/communities")
    refused = viewer.post(f"/communities/{cid}/name",
                          data={"name": "x", "csrf_token": viewer_token})
    assert refused.status_code == 403

    admin = client_as("admin")
    page = admin.get(f"/communities/{cid}").get_data(as_text=True)
    assert 'class="kg-rename"' in page
    token = csrf_token(admin, f"/communities/{cid}")
    assert admin.post(f"/communities/{cid}/name", data={"name": "x"}).status_code == 400
    try:
        done = admin.post(f"/communities/{cid}/name",
                          data={"name": "  育儿 <b>妈妈</b>群 ", "csrf_token": token})
        assert done.status_code == 303 and done.headers["Location"].endswith(f"/communities/{cid}")
        html = admin.get(f"/communities/{cid}").get_data(as_text=True)
        assert "育儿 &lt;b&gt;妈妈&lt;/b&gt;群" in html and "<b>妈妈" not in html
        listed = viewer.get("/api/v1/communities?sort=community_id").get_json()
        mine = next(c for c in listed["items"] if c["community_id"] == cid)
        assert mine["name"] == mine["title"] == "育儿 <b>妈妈</b>群"
        too_long = admin.post(f"/communities/{cid}/name",
                              data={"name": "长" * 61, "csrf_token": token})
        assert too_long.status_code == 400 and "name" in too_long.get_data(as_text=True)
        missing = admin.post("/communities/99999/name", data={"name": "x", "csrf_token": token})
        assert missing.status_code == 404
    finally:
        analytics_io.rename_community(web_sample.store, run_id, cid, "")
