"""The web application in headless Chromium, on the loaded sample of tests/web/conftest.py.

Served by waitress (``live_server``); each test logs in through the log-in form and leaves a
full-page screenshot under ``test-artifacts/browser/``. Facts a page shows are checked against
the database (``web_sample.store``), not against the page itself.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web import browser_support
from tests.web.browser_support import (
    click_node,
    drag_node,
    isolated_node,
    node_positions,
    open_page,
    screenshot,
)

pytestmark = pytest.mark.browser

chromium = browser_support.chromium     # the session fixture, shared with test_browser_assets.py

XSS_NAME = "<script>alert(1)</script>"
PERSON_LINK = re.compile(r"/persons/([^/?#]+)$")


@pytest.fixture
def browse(chromium, live_server, web_sample):
    """``browse(role, accept_dialogs=False)`` -> ``(page, log)`` logged in as ``role`` through
    the log-in form; the contexts are closed after the test."""
    contexts = []

    def make(role: str, accept_dialogs: bool = False) -> tuple[object, object]:
        context, page, log = open_page(chromium, accept_dialogs=accept_dialogs,
                                       base_url=live_server)
        contexts.append(context)
        page.goto("/login")
        page.fill("#login-form input[name=username]", web_sample.users[role])
        page.fill("#login-form input[name=password]", web_sample.passwords[role])
        with page.expect_navigation():
            page.click("#login-form button[type=submit]")
        assert urlsplit(page.url).path != "/login", f"log-in as {role} failed: {page.url}"
        return page, log

    yield make
    for context in contexts:
        context.close()


def _person_ids(page: object, table: str) -> list[str]:
    """The person id of each body row of ``table`` (from its link to the person page)."""
    hrefs = page.eval_on_selector_all(
        f"{table} tbody tr",
        "rows => rows.map(r => { const a = r.querySelector('a[href*=\"/persons/\"]');"
        " return a ? a.getAttribute('href') : null; })")
    ids = []
    for href in hrefs:
        assert href, "a leaderboard row without a link to its person"
        found = PERSON_LINK.search(urlsplit(href).path)
        assert found, href
        ids.append(found.group(1))
    return ids


def _facts(store: object, person_ids: list[str]) -> dict[str, dict]:
    """Community and platforms of each person, read from the database."""
    rows = store.read(
        "UNWIND $ids AS id MATCH (p:Person {person_id: id})-[:HAS_ACCOUNT]->(a:Account) "
        "RETURN p.person_id AS id, p.community_id AS community, "
        "collect(DISTINCT a.platform) AS platforms", {"ids": person_ids}).rows
    return {r["id"]: {"community": r["community"], "platforms": set(r["platforms"])}
            for r in rows}


def test_log_in_and_out(chromium, live_server, web_sample, artifacts_dir):
    context, page, log = open_page(chromium, base_url=live_server)
    try:
        page.goto("/")
        assert urlsplit(page.url).path == "/login"                   # logged out: to the form
        page.fill("#login-form input[name=username]", web_sample.users["viewer"])
        page.fill("#login-form input[name=password]", "not the password")
        page.click("#login-form button[type=submit]")
        assert urlsplit(page.url).path == "/login"
        screenshot(page, artifacts_dir, "login-refused")
        page.fill("#login-form input[name=username]", web_sample.users["viewer"])
        page.fill("#login-form input[name=password]", web_sample.passwords["viewer"])
        with page.expect_navigation():
            page.click("#login-form button[type=submit]")
        assert urlsplit(page.url).path == "/"
        assert web_sample.users["viewer"] in page.inner_text("header")
        screenshot(page, artifacts_dir, "overview")
        cookies = {c["name"]: c for c in context.cookies()}
        session = [c for c in cookies.values() if c["httpOnly"]]
        assert session and all(c["sameSite"] in ("Lax", "Strict") for c in session)
        assert log.csp_violations() == [] and log.page_errors == []
    finally:
        context.close()


def _check_sorting(page: object, table: str, header: str) -> None:
    """A click on ``header`` of ``table`` sorts its rows by that column numerically, ascending,
    then descending on the second click."""
    th = page.locator(f"{table} thead th", has_text=header)
    index = th.evaluate("th => th.cellIndex")

    def column() -> list[float]:
        return [float(t.replace(",", "")) for t in page.eval_on_selector_all(
            f"{table} tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent.trim())")]

    assert len(column()) > 1
    th.click()
    assert th.get_attribute("aria-sort") == "ascending"
    assert column() == sorted(column())
    th.click()
    assert column() == sorted(column(), reverse=True)


def test_community_network_drag_and_open_a_person(browse, web_sample, artifacts_dir):
    page, log = browse("viewer")
    page.goto(f"/communities/{web_sample.community_id}")
    page.wait_for_selector(".kg-network[data-state=ready]", timeout=20_000)
    before = node_positions(page)
    assert len(before) > 0
    page.wait_for_selector("canvas.kg-chart[data-state=ready]")
    screenshot(page, artifacts_dir, "community")
    _check_sorting(page, "#members", "followers")
    node = isolated_node(page)
    box = page.locator(".kg-network").bounding_box()
    at = page.eval_on_selector(
        ".kg-network", "(el, id) => el._cy.getElementById(id).renderedPosition()", node)
    drag_node(page, node, 80 if at["x"] < box["width"] / 2 else -80,      # towards the middle
              50 if at["y"] < box["height"] / 2 else -50)
    after = node_positions(page)
    moved = abs(after[node]["x"] - before[node]["x"]) + abs(after[node]["y"] - before[node]["y"])
    assert moved > 20, (before[node], after[node])
    assert urlsplit(page.url).path == f"/communities/{web_sample.community_id}"
    screenshot(page, artifacts_dir, "community-dragged")
    target = isolated_node(page)
    url = page.eval_on_selector(
        ".kg-network", "(el, id) => el._cy.getElementById(id).data('url')", target)
    with page.expect_navigation():
        click_node(page, target)
    assert urlsplit(page.url).path == urlsplit(url).path
    page.wait_for_selector(".person-name")
    page.wait_for_selector(".kg-network[data-state=ready]", timeout=20_000)
    screenshot(page, artifacts_dir, "person")
    assert log.csp_violations() == [] and log.page_errors == []


def test_runs_page_draws_the_model_charts(browse, artifacts_dir):
    page, log = browse("viewer")
    page.goto("/runs")
    charts = page.locator("canvas.kg-chart")
    assert charts.count() >= 2                                       # training curve, evaluation
    for i in range(charts.count()):
        page.wait_for_selector(f"canvas.kg-chart >> nth={i}", state="attached")
    page.wait_for_function("[...document.querySelectorAll('canvas.kg-chart')]"
                           ".every(c => c.dataset.state === 'ready')")
    points = page.eval_on_selector_all(
        "canvas.kg-chart", "cs => cs.map(c => c._chart.data.datasets"
                           ".reduce((n, d) => n + d.data.length, 0))")
    assert all(n > 0 for n in points), points
    screenshot(page, artifacts_dir, "runs")
    assert log.csp_violations() == [] and log.page_errors == []


def test_leaderboard_filters_and_csv_export(browse, web_sample, artifacts_dir):
    page, log = browse("viewer")
    page.goto("/influencers")
    community, platform = str(web_sample.community_id), web_sample.platform
    with page.expect_navigation():
        page.select_option("#leaderboard-filters select[name=community]", community)
    with page.expect_navigation():
        page.select_option("#leaderboard-filters select[name=platform]", platform)
    query = parse_qs(urlsplit(page.url).query)
    assert query.get("community") == [community] and query.get("platform") == [platform]
    screenshot(page, artifacts_dir, "leaderboard-filtered")
    shown = _person_ids(page, "#leaderboard")
    assert shown, "the filtered leaderboard is empty"
    facts = _facts(web_sample.store, shown)
    for pid in shown:
        assert facts[pid]["community"] == web_sample.community_id, pid
        assert platform in facts[pid]["platforms"], pid

    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    exported = [r["person_id"] for r in rows]
    assert exported[:len(shown)] == shown                            # same order as on screen
    facts = _facts(web_sample.store, exported)
    assert all(facts[p]["community"] == web_sample.community_id for p in exported)
    assert all(platform in facts[p]["platforms"] for p in exported)
    assert all(r["community_id"] == community for r in rows)
    assert log.csp_violations() == [] and log.page_errors == []


def test_console_query_as_analyst(browse, web_sample, artifacts_dir):
    page, log = browse("analyst")
    page.goto("/console")
    page.fill("#console-form textarea[name=cypher]",
              "MATCH (p:Person) WHERE p.kol_rank <= 5 "
              "RETURN p.kol_rank AS rank, p.person_id AS id ORDER BY rank")
    with page.expect_navigation():
        page.click("#console-form [type=submit]")
    page.wait_for_selector("#console-results")
    screenshot(page, artifacts_dir, "console")
    cells = page.eval_on_selector_all(
        "#console-results tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")
    expected = web_sample.store.read(
        "MATCH (p:Person) WHERE p.kol_rank <= 5 RETURN p.kol_rank AS rank, p.person_id AS id "
        "ORDER BY rank").rows
    assert [[str(r["rank"]), r["id"]] for r in expected] == [c[:2] for c in cells]

    page.fill("#console-form textarea[name=cypher]", "CREATE (:Intruder {name: 'x'})")
    page.click("#console-form [type=submit]")
    page.wait_for_load_state()
    screenshot(page, artifacts_dir, "console-write-refused")
    assert page.locator("#console-results").count() == 0
    assert web_sample.store.read("MATCH (n:Intruder) RETURN count(n) AS n").rows[0]["n"] == 0
    assert log.csp_violations() == [] and log.page_errors == []


def test_viewer_gets_403_on_console_and_admin(browse, artifacts_dir):
    page, _ = browse("viewer")
    for path in ("/console", "/admin"):
        response = page.goto(path)
        assert response.status == 403, (path, response.status)
        assert page.locator("#console-form").count() == 0
        assert "Traceback" not in page.content()
    screenshot(page, artifacts_dir, "viewer-403")


def test_xss_display_name_is_shown_as_text(browse, web_sample, artifacts_dir):
    page, log = browse("viewer")
    page.goto(f"/persons/{web_sample.xss_person_id}")
    assert page.inner_text(".person-name").strip() == XSS_NAME
    page.wait_for_selector(".kg-network[data-state=ready]", timeout=20_000)
    labels = page.eval_on_selector(".kg-network", "el => el._cy.nodes().map(n => n.data('label'))")
    assert XSS_NAME in labels                                        # drawn as canvas text
    screenshot(page, artifacts_dir, "xss-person")
    page.fill("#search", "<script")                                  # names starting so
    with page.expect_navigation():
        page.press("#search", "Enter")
    assert XSS_NAME in page.inner_text("main")
    screenshot(page, artifacts_dir, "xss-search")
    assert log.dialogs == []
    assert page.locator("main script").count() == 0
    assert log.csp_violations() == [] and log.page_errors == []


def test_person_page_shows_calibrated_chances_and_evidence(browse, web_sample, artifacts_dir):
    store = web_sample.store
    row = store.read(
        "MATCH (p:Person)-[r:RECOMMENDED {kind: 'people'}]->() "
        "WHERE r.reason CONTAINS 'in common' RETURN p.person_id AS id LIMIT 1").rows
    assert row, "no recommendation names contacts in common"
    person_id = row[0]["id"]
    page, log = browse("viewer")
    page.goto(f"/persons/{person_id}")
    page.wait_for_selector("#recommended-people td.score")
    chances = page.eval_on_selector_all("#recommended-people td.score",
                                        "cells => cells.map(c => c.textContent.trim())")
    assert chances and all(c.endswith("%") for c in chances), chances
    values = [float(c.lstrip("<").rstrip("%")) for c in chances]
    assert len(set(values)) > 1 and max(values) < 100.0
    assert values == sorted(values, reverse=True)
    reasons = page.eval_on_selector_all("#recommended-people .reason",
                                        "cells => cells.map(c => c.textContent.trim())")
    links = _person_ids(page, "#recommended-people")
    named = [(t, r) for t, r in zip(links, reasons, strict=True) if "in common:" in r]
    assert named, reasons
    for target, reason in named:
        names = reason.split("in common:", 1)[1].split(";", 1)[0].split(", ")
        common = store.read(
            "MATCH (:Person {person_id: $a})-[:HAS_ACCOUNT]->(:Account)-[:FOLLOWS|INTERACTED]-"
            "(:Account)<-[:HAS_ACCOUNT]-(c:Person)-[:HAS_ACCOUNT]->(:Account)"
            "-[:FOLLOWS|INTERACTED]-(:Account)<-[:HAS_ACCOUNT]-(:Person {person_id: $b}) "
            "RETURN DISTINCT c.display_name AS name", {"a": person_id, "b": target}).rows
        assert {n.strip() for n in names} <= {r["name"] for r in common}, (reason, common)
    assert page.inner_text("#recommender").startswith("written by")
    screenshot(page, artifacts_dir, "person-recommendations")
    assert log.csp_violations() == [] and log.page_errors == []


def test_a_chinese_name_is_found_by_pinyin_in_the_search_box(browse, web_sample,
                                                             artifacts_dir):
    from graph.names import pinyin_forms

    page, log = browse("viewer")
    name = web_sample.store.scalar("MATCH (p:Person {person_id: $id}) RETURN p.display_name "
                                   "AS n", {"id": web_sample.top_person_id})
    full = pinyin_forms(name.casefold())[0]
    page.goto("/")
    page.fill("#search", full)
    with page.expect_navigation():
        page.press("#search", "Enter")
    screenshot(page, artifacts_dir, "search-pinyin")
    anchor = f'a[href$="/persons/{web_sample.top_person_id}"]'
    link = f"#search-results {anchor}"
    for _ in range(20):                                  # namesakes may fill the first pages
        if page.locator(link).count() or not page.locator('a[rel="next"]').count():
            break
        with page.expect_navigation():
            page.click('a[rel="next"]')
    assert page.locator(link).count() == 1
    row = page.locator("#search-results tr", has=page.locator(anchor))
    assert row.locator(".kg-avatar").inner_text().strip() == name[:1]
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, artifacts_dir, "search-pinyin-375")
    assert log.page_errors == [] and log.csp_violations() == []
