"""The console in headless Chromium: picking a library query puts its text and name in the
editor, running it shows a table named after it, a path query draws the graph view; the page
in Chinese and English at 1366 px and 375 px goes to ``test-artifacts/browser/``."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.web import browser_support
from tests.web.browser_support import open_page, screenshot

pytestmark = pytest.mark.browser

chromium = browser_support.chromium

PATH_QUERY = "MATCH p = (a:Person)-[:HAS_ACCOUNT]->(:Account) RETURN p LIMIT 5"


def _analyst_page(chromium, live_server, web_sample, locale: str):
    context, page, log = open_page(chromium, base_url=live_server)
    context.set_extra_http_headers({"Accept-Language": locale})
    page.goto("/login")
    page.fill("#login-form input[name=username]", web_sample.users["analyst"])
    page.fill("#login-form input[name=password]", web_sample.passwords["analyst"])
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    assert urlsplit(page.url).path != "/login"
    return context, page, log


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_library_query_table_and_graph_view(chromium, live_server, web_sample, artifacts_dir,
                                            locale):
    context, page, log = _analyst_page(chromium, live_server, web_sample, locale)
    try:
        page.goto("/console")
        page.click("#console-library a[data-name=top_kols]")
        page.wait_for_selector("#console-loaded")
        assert page.locator("#console-query-name").inner_text() == "top_kols"
        title = page.locator("#console-query-title").inner_text()
        assert title == ("Top KOLs overall" if locale == "en" else "全站 KOL 排行")
        assert "kol_score" in page.locator("#console-cypher").input_value()
        with page.expect_navigation():
            page.click("#console-run")
        assert page.locator("#console-results tbody tr").count() > 0
        assert "top_kols" in page.locator("#console-result-title").inner_text()
        page.fill("#console-cypher", PATH_QUERY)
        with page.expect_navigation():
            page.click("#console-run")
        page.wait_for_selector("#console-graph[data-state=ready]")
        nodes = page.evaluate("document.getElementById('console-graph')._cy.nodes().length")
        edges = page.evaluate("document.getElementById('console-graph')._cy.edges().length")
        assert nodes >= 2 and edges >= 1
        assert page.locator("#console-results .kg-path").count() > 0
        for width in (1366, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(200)
            screenshot(page, artifacts_dir, f"console-{locale}-{width}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"the page scrolls sideways by {overflow} px at {width} px"
        assert not log.csp_violations(), log.console_errors
        assert not log.page_errors, log.page_errors
    finally:
        context.close()
