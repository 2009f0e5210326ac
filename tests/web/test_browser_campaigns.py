"""A campaign built in headless Chromium by a Chinese-speaking viewer: create it with the
form, open the leaderboard for it, add two KOLs on page 1 and one on page 2 (the choice is
kept across pages), go back and see the combined reach, the 3 × 3 overlap heat map and reach
by platform; give costs and a budget. The campaign pages never scroll sideways at 375 px.
Screenshots go to ``test-artifacts/browser/campaign-*.png``."""

from __future__ import annotations

import pytest

from kolgraph.usecases import campaigns
from tests.web import browser_support

pytestmark = pytest.mark.browser

chromium = browser_support.chromium

USER, PASSWORD = "campaign_browser", "Campaign-Passw0rd!"


def _sideways(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > "
                              "document.documentElement.clientWidth + 1"))


def test_a_campaign_is_built_across_leaderboard_pages(chromium, live_server, web_sample,
                                                      artifacts_dir):
    with browser_support.logged_in_page(chromium, live_server, web_sample.home, USER,
                                        PASSWORD) as page:
        page.click("nav.kg-nav a[href='/campaigns']")
        assert page.locator("h1").inner_text() == "推广活动"
        page.fill("#campaign-create input[name=name]", "618 育儿专场")
        page.fill("#campaign-create input[name=starts_on]", "2026-06-01")
        page.fill("#campaign-create input[name=ends_on]", "2026-06-18")
        page.check(f"#campaign-create input[name=platforms][value={web_sample.platform}]")
        with page.expect_navigation():
            page.click("#campaign-create button[type=submit]")
        campaign_id = page.url.rsplit("/", 1)[1]
        assert page.locator("#campaign-empty").is_visible()

        with page.expect_navigation():
            page.click("#add-kols")
        added = []
        for _ in range(2):
            button = page.locator("#leaderboard button.kg-add-kol").first
            added.append(button.get_attribute("value"))
            with page.expect_navigation():
                button.click()
        assert "已选 2 位" in page.locator("#campaign-bar").inner_text()
        with page.expect_navigation():
            page.click("nav.kg-pager a[rel=next]")
        assert "page=2" in page.url and "campaign=" in page.url
        button = page.locator("#leaderboard button.kg-add-kol").first
        added.append(button.get_attribute("value"))
        with page.expect_navigation():
            button.click()
        assert "page=2" in page.url and "已选 3 位" in page.locator("#campaign-bar").inner_text()
        browser_support.screenshot(page, artifacts_dir, "campaign-zh-leaderboard")

        with page.expect_navigation():
            page.click("#campaign-bar a")
        plan = campaigns.plan(web_sample.store, campaign_id)
        assert sorted(k["person_id"] for k in plan.kols) == sorted(added)
        assert page.locator("#campaign-reach").get_attribute("data-reach") == str(plan.reach)
        assert page.locator("#overlap-matrix tbody tr").count() == 3
        assert page.locator("#overlap-matrix td[data-shared]").count() == 9
        assert page.locator("#reach-by-platform tbody tr").count() >= 1
        rows = page.locator("#campaign-kol-table tbody tr")
        for i in range(3):
            rows.nth(i).locator("input.kg-cost").fill(str(1000 * (i + 1)))
        with page.expect_navigation():
            page.click("#save-costs")
        page.fill("#budget-form input[name=budget]", "3000")
        with page.expect_navigation():
            page.click("#budget-form button[type=submit]")
        assert "预算" in page.locator("#budget-result").inner_text()
        assert page.locator("#budget-kols li").count() >= 1
        for width in (1366, 375):
            page.set_viewport_size({"width": width, "height": 900})
            browser_support.screenshot(page, artifacts_dir, f"campaign-zh-plan-{width}")
            assert not _sideways(page), width
        page.goto("/campaigns")
        assert not _sideways(page)
        browser_support.screenshot(page, artifacts_dir, "campaign-zh-list-375")
        assert page.locator(f"#campaign-list tr[data-campaign-id={campaign_id}]").count() == 1
