"""The web UI in both languages in headless Chromium: a browser asking for Chinese gets the
Chinese pages, the header's switch turns them English (kept in the user's profile), and
screenshots at 1366 px and 375 px of three Chinese pages go to ``test-artifacts/browser/``."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from kolgraph.usecases.users import UserStore
from tests.web import browser_support

pytestmark = pytest.mark.browser

chromium = browser_support.chromium

USER, PASSWORD = "i18n_browser", "i18n-Browser-Passw0rd!"


@pytest.fixture
def chinese_page(chromium, live_server, web_sample):
    """A page of a browser whose language is zh-CN, logged in as a viewer of its own (the
    language it switches to is kept in that user's profile only)."""
    users = UserStore.for_home(web_sample.home)
    users.add(USER, "viewer", PASSWORD)
    context = chromium.new_context(locale="zh-CN", base_url=live_server,
                                   viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#login-form input[name=username]", USER)
    page.fill("#login-form input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    assert urlsplit(page.url).path != "/login"
    yield page
    context.close()
    users.remove(USER)
    assert not errors, errors


def test_pages_in_chinese_then_english(chinese_page, web_sample, artifacts_dir):
    page = chinese_page
    pages = {"overview": ("/", "概览"), "influencers": ("/influencers", "达人榜"),
             "person": (f"/persons/{web_sample.top_person_id}", None)}
    for name, (path, heading) in pages.items():
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        if heading:
            assert page.locator("h1").first.inner_text() == heading
        assert page.locator("nav.kg-nav").inner_text().split() == ["概览", "社群", "达人榜",
                                                                   "推广活动", "合作伙伴",
                                                                   "运行记录"]
        if name == "person":  # the network view's own texts (network.js) are Chinese too
            assert page.wait_for_selector(".kg-network-fit").inner_text() == "适应窗口"
            assert page.locator("#person-network").get_attribute("aria-label") \
                .startswith("关系网：")
        browser_support.screenshot(page, artifacts_dir, f"i18n-zh-{name}-1366")
        page.set_viewport_size({"width": 375, "height": 800})
        browser_support.screenshot(page, artifacts_dir, f"i18n-zh-{name}-375")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/")
    assert "得到" in page.locator("#platform-counts").inner_text()
    with page.expect_navigation():
        page.click("#language-switch button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").first.inner_text() == "Overview"
    assert "Dedao" in page.locator("#platform-counts").inner_text()
    page.goto("/influencers")  # the choice is kept: still English on the next page
    assert page.locator("h1").first.inner_text() == "Influencers"
    assert UserStore.for_home(web_sample.home).get(USER).language == "en"
