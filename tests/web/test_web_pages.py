"""Every page for every role, with the real loaded home (tests/web/conftest.py)."""

from __future__ import annotations

import csv
import io

import pytest

VIEWER_PAGES = ["/", "/communities", "/communities?sort=modularity_share&page=1",
                "/influencers", "/influencers?sort=reach", "/runs", "/search?q=a",
                "/influencers/seeds"]


@pytest.mark.parametrize("role", ["viewer", "analyst", "admin"])
@pytest.mark.parametrize("path", VIEWER_PAGES)
def test_every_role_sees_the_viewer_pages(client_as, role, path):
    response = client_as(role).get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "text/html" in response.content_type


@pytest.mark.parametrize("path", VIEWER_PAGES + ["/console", "/admin/", "/persons/x",
                                                 "/communities/0", "/influencers.csv"])
def test_logged_out_pages_redirect_to_login(client_as, path):
    response = client_as(None).get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_community_page_shows_members_network_and_chart(client_as, web_sample):
    cid = web_sample.community_id
    html = client_as("viewer").get(f"/communities/{cid}").get_data(as_text=True)
    assert f'data-graph-url="/api/v1/communities/{cid}/network"' in html
    assert f'data-chart-url="/api/v1/communities/{cid}/platforms.chart"' in html
    assert f'/persons/{web_sample.top_person_id}' in html
    assert 'class="kg-network"' in html and 'class="kg-chart"' in html


def test_unknown_community_and_person_are_404(client_as):
    client = client_as("viewer")
    assert client.get("/communities/99999").status_code == 404
    assert client.get("/persons/no-such-person").status_code == 404


def test_leaderboard_filters_sort_and_pages(client_as, web_sample):
    client = client_as("viewer")
    html = client.get("/influencers").get_data(as_text=True)
    assert 'id="leaderboard"' in html and 'id="leaderboard-filters"' in html
    assert html.index(web_sample.top_person_id) < html.index("</table>")
    for name in ("community", "platform", "topic", "sort"):
        assert f'<select name="{name}"' in html
    filtered = client.get(f"/influencers?community={web_sample.community_id}"
                          f"&platform={web_sample.platform}").get_data(as_text=True)
    assert "nobody matches" not in filtered
    assert client.get("/influencers?page=2").status_code == 200
    assert client.get("/influencers?sort=nonsense").status_code == 400
    assert "parameter sort" in client.get("/influencers?sort=nonsense").get_data(as_text=True)
    assert client.get("/influencers?platform=nowhere").status_code == 400


def test_csv_export_is_the_filtered_leaderboard(client_as, web_sample):
    client = client_as("viewer")
    response = client.get(f"/influencers.csv?community={web_sample.community_id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows and {r["community_id"] for r in rows} == {str(web_sample.community_id)}
    ranks = [int(r["kol_rank"]) for r in rows]
    assert ranks == sorted(ranks)
    selected = client.get(f"/influencers.csv?select={web_sample.top_person_id}")
    rows = list(csv.DictReader(io.StringIO(selected.get_data().decode("utf-8-sig"))))
    assert [r["person_id"] for r in rows] == [web_sample.top_person_id]


def test_overlap_of_selected_persons(client_as, web_sample):
    client = client_as("viewer")
    ids = [r["person_id"] for r in client.get("/api/v1/influencers").get_json()["items"][:3]]
    html = client.get("/influencers?" + "&".join(f"select={i}" for i in ids)).get_data(
        as_text=True)
    assert 'id="overlap"' in html and "select at least two" not in html


def test_person_page_shows_accounts_recommendations_and_lookalikes(client_as, web_sample):
    html = client_as("viewer").get(f"/persons/{web_sample.top_person_id}").get_data(
        as_text=True)
    assert 'id="accounts"' in html and 'class="kg-network"' in html
    assert "none (no refresh run yet)" not in html
    assert "no KOL among the nearest" not in html


def test_search_by_name_and_handle(client_as, web_sample):
    client = client_as("viewer")
    found = client.get("/api/v1/search?q=xss_probe").get_json()["items"]
    assert [r["person_id"] for r in found] == [web_sample.xss_person_id]
    assert found[0]["matched"] == "prefix"  # of its handle xss_probe_account
    top = client.get(f"/api/v1/persons/{web_sample.top_person_id}").get_json()["person"]
    by_name = client.get("/api/v1/search", query_string={"q": top["display_name"]}).get_json()
    assert web_sample.top_person_id in [r["person_id"] for r in by_name["items"]]
    assert 'id="search-results"' in client.get("/search?q=zz").get_data(as_text=True)


def test_runs_page_shows_history_curve_and_evaluation(client_as):
    html = client_as("viewer").get("/runs").get_data(as_text=True)
    for kind in ("ingest", "analyze", "refresh", "train"):
        assert f"<td>{kind}</td>" in html
    assert 'id="training-curve"' in html and 'id="evaluation"' in html
    assert "GraphSAGE similarity" in html  # the secondary table's method, named for people


def test_seeds_page_compares_strategies(client_as, web_sample):
    html = client_as("viewer").get(f"/influencers/seeds?k=3&community={web_sample.community_id}"
                                   ).get_data(as_text=True)
    for strategy in ("imm", "top_pagerank", "top_followers"):
        assert f'<tr data-strategy="{strategy}"' in html
    assert "<td>IMM influence maximisation" in html and 'class="kg-best"' in html
    assert client_as("viewer").get("/influencers/seeds?k=0").status_code == 400


def test_pages_before_any_analysis(store, settings):
    """An empty graph: the overview works, pages that need an analyze run say so (503)."""
    from tests.web.conftest import log_in
    from web.app import create_app
    from web.users import UserStore

    UserStore.for_home(settings.home).add("empty_viewer", "viewer", "empty-viewer-pw")
    client = create_app(settings, store, cookie_secure=False).test_client()
    log_in(client, "empty_viewer", "empty-viewer-pw")
    overview = client.get("/api/v1/overview").get_json()
    assert overview["persons"] == 0 and overview["communities"] == 0
    assert client.get("/").status_code == 200
    for path in ("/communities", "/influencers", "/api/v1/influencers"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "run kolgraph analyze" in response.get_data(as_text=True)
    assert client.get("/runs").status_code == 200
    assert client.get("/persons/P0").status_code == 404
    assert client.get("/search?q=x").status_code == 200
