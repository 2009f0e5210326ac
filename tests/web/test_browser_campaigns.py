"""The whole campaign loop in headless Chromium, by a Chinese-speaking viewer: create a
campaign with the form, open the leaderboard for it, add two KOLs on page 1 and one on page 2
(the choice is kept across pages), go back and see the combined reach, the 3 × 3 overlap heat
map and reach by platform; give costs and a budget; run seeds and follow their progress to
the table; download the audience segment as CSV and the KOLs as XLSX; launch, the segment
received by a local webhook; import a partner's customer list; open the report with the
revenue attributed and the partner's share. The campaign pages never scroll sideways at
375 px. Screenshots go to ``test-artifacts/browser/campaign-*.png``."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest

from kolgraph.usecases import attribution, campaign_export, campaigns
from tests.test_campaign_export import receiver  # noqa: F401  (fixture)
from tests.web import browser_support
from web.context import get_context

pytestmark = pytest.mark.browser

chromium = browser_support.chromium

USER, PASSWORD = "campaign_browser", "Campaign-Passw0rd!"


def _sideways(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > "
                              "document.documentElement.clientWidth + 1"))


def test_the_whole_campaign_loop(chromium, live_server, web_app, web_sample, artifacts_dir,
                                receiver, monkeypatch, tmp_path):  # noqa: F811
    url, received = receiver
    monkeypatch.setitem(web_app.config, "SEEDS_WAIT_S", 0)
    with web_app.app_context():
        context = get_context()
        monkeypatch.setattr(context, "settings", replace(
            context.settings, campaign_webhook_url=url, campaign_webhook_secret="loop"))
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
        page.set_viewport_size({"width": 1366, "height": 900})

        # seeds, computed in the background, followed to the table
        page.goto("/influencers/seeds?k=4&model=ic")
        page.wait_for_selector("#seeds-progress progress, #seeds-reach", state="visible")
        if page.locator("#seeds-progress").count():
            browser_support.screenshot(page, artifacts_dir, "campaign-zh-seeds-progress")
        page.wait_for_selector("#seeds-reach", state="visible", timeout=180_000)
        assert page.locator("#seeds tbody tr").count() == 4

        # exports for launch
        page.goto(f"/campaigns/{campaign_id}")
        with page.expect_download() as got:
            page.click("#export-audience-csv")
        text = (tmp_path / "audience.csv")
        got.value.save_as(text)
        lines = text.read_text(encoding="utf-8").splitlines()
        segment = list(campaign_export.segment_rows(web_sample.store, campaign_id))
        assert lines[0].startswith("\ufeffperson_id,") and len(lines) == len(segment) + 1
        with page.expect_download() as got:
            page.click("#export-kols-xlsx")
        book = tmp_path / "kols.xlsx"
        got.value.save_as(book)
        assert book.read_bytes()[:2] == b"PK"

        # launch: the segment goes to the webhook
        with page.expect_navigation():
            page.click("#launch-button")
        assert "webhook" in page.locator("p.kg-message").first.inner_text()
        assert campaigns.get(web_sample.store, campaign_id)["status"] == "launched"
        (_headers, body), = received
        assert len(json.loads(body)["segment"]) == len(segment)

        # a partner and its customer list (phone numbers of the sample's accounts)
        with (web_sample.home / "input" / "sample" / "accounts.csv").open(
                encoding="utf-8", newline="") as fh:
            phones = [r["phone"] for r in csv.DictReader(fh) if r["phone"]][:50]
        customers = tmp_path / "客户名单.csv"
        customers.write_text("phone\n" + "\n".join(phones) + "\n", encoding="utf-8")
        page.click("nav.kg-nav a[href='/partners']")
        page.fill("#partner-form input[name=name]", "某书店")
        page.fill("#partner-form input[name=alpha]", "0.7")
        page.fill("#partner-form input[name=beta]", "0.2")
        with page.expect_navigation():
            page.click("#partner-form button[type=submit]")
        page.set_input_files("#partner-import input[type=file]", str(customers))
        with page.expect_navigation():
            page.click("#partner-import-button")
        assert int(page.locator("#partner-matched").get_attribute("data-matched")) > 0
        assert "客户名单.csv" in page.locator("p.kg-message").first.inner_text()
        assert "/tmp" not in page.locator("p.kg-message").first.inner_text()
        browser_support.screenshot(page, artifacts_dir, "campaign-zh-partner")

        # the report: the campaign names the partner, over the sample's year
        page.goto(f"/campaigns/{campaign_id}")
        page.fill("#campaign-edit input[name=starts_on]", "2025-07-01")
        page.fill("#campaign-edit input[name=ends_on]", "2026-06-30")
        page.fill("#campaign-edit input[name=partner]", "某书店")
        with page.expect_navigation():
            page.click("#campaign-edit button[type=submit]")
        with page.expect_navigation():
            page.click("#campaign-report-link")
        expected = attribution.report(web_sample.store, campaign_id)
        revenue = page.locator("#attributed-revenue").get_attribute("data-revenue")
        assert float(revenue) == expected.totals["attributed_revenue"] > 0
        assert page.locator("#report-by-kol tbody tr").count() == len(expected.per_kol)
        page.fill("#revenue-share-form input[name=partner_revenue]", "1000")
        with page.expect_navigation():
            page.click("#revenue-share-form button[type=submit]")
        divided = float(page.locator("#divided-revenue").get_attribute("data-divided"))
        assert divided == pytest.approx(0.7 * expected.totals["attributed_revenue"] + 200)
        page.wait_for_selector("#revenue-by-kol[data-state=ready], #report-empty")
        browser_support.screenshot(page, artifacts_dir, "campaign-zh-report")
        assert not _sideways(page)
