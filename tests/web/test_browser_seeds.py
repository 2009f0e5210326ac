"""The campaign seeds page in headless Chromium: a viewer asks for a plan that is not cached
(the app answers at once with the job, ``SEEDS_WAIT_S`` 0), sees the progress bar or already
the result, and ends on the reach table without reloading by hand (``js/seeds.js`` polls the
status and reloads the page). Screenshot: ``test-artifacts/browser/seeds-*.png``."""

from __future__ import annotations

import pytest

from tests.web import browser_support

pytestmark = pytest.mark.browser

chromium = browser_support.chromium

USER, PASSWORD = "seeds_browser", "Seeds-Passw0rd!"


def test_the_seeds_page_follows_its_plan_to_the_table(chromium, live_server, web_app, web_sample,
                                                      monkeypatch, artifacts_dir):
    monkeypatch.setitem(web_app.config, "SEEDS_WAIT_S", 0)
    include = web_sample.top_person_id
    with browser_support.logged_in_page(chromium, live_server, web_sample.home, USER,
                                        PASSWORD) as page:
        page.goto(f"/influencers/seeds?k=3&model=lt&include={include}")
        page.wait_for_selector("#seeds-progress progress, #seeds-reach", state="visible")
        if page.locator("#seeds-progress").count():
            assert page.locator("#seeds-progress .kg-seeds-stage").inner_text().strip()
            browser_support.screenshot(page, artifacts_dir, "seeds-progress")
        page.wait_for_selector("#seeds-reach", state="visible", timeout=180_000)
        assert page.locator("#seeds-progress").count() == 0
        strategies = page.locator("#seeds-reach tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.strategy)")
        assert strategies[:3] == ["imm", "top_pagerank", "top_followers"]
        assert page.locator("#seeds-reach tr.kg-best").count() >= 1
        assert page.locator("#seeds-model").get_attribute("data-model") == "lt"
        assert page.locator("#seeds-guarantee").get_attribute("data-guaranteed") in ("true",
                                                                                     "false")
        assert page.locator("#seeds tbody tr").count() == 3
        first_row = page.locator("#seeds tbody tr").first.locator("a.person-name")
        hrefs = first_row.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert hrefs and all(h.endswith(f"/persons/{include}") for h in hrefs)
        assert page.locator("#seeds-form select[name=model]").input_value() == "lt"
        browser_support.screenshot(page, artifacts_dir, "seeds-plan")
