"""The leaderboard in headless Chromium, in Chinese and in English, at 1366 px and 375 px:
the table fits its scroll box (the page itself never scrolls sideways), every row shows the
person's avatar, main handle and community, the reasons are in the page's language, and a
sort header keeps the filters. Screenshots of the leaderboard and the community pages go to
``test-artifacts/browser/leaderboard-*.png``."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from kolgraph.usecases.users import UserStore
from tests.web import browser_support

pytestmark = pytest.mark.browser

chromium = browser_support.chromium

USER, PASSWORD = "leaderboard_browser", "Leaderboard-Passw0rd!"
WIDTHS = (1366, 375)
#: The outermost elements reaching past the right edge of the window (what to fix).
WIDE_ELEMENTS = ("[...document.querySelectorAll('body *')].filter(e => "
                 "e.getBoundingClientRect().right > window.innerWidth + 1 && "
                 "e.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)"
                 ".map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)")


@pytest.fixture(params=["zh-CN", "en"])
def page_in(request, chromium, live_server, web_sample):
    """A logged-in page of a browser asking for ``request.param``."""
    users = UserStore.for_home(web_sample.home)
    users.add(USER, "viewer", PASSWORD)
    context = chromium.new_context(locale=request.param, base_url=live_server,
                                   viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto("/login")
    page.fill("#login-form input[name=username]", USER)
    page.fill("#login-form input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    yield request.param, page
    context.close()
    users.remove(USER)
    assert not errors, errors


def _page_scrolls_sideways(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > "
                              "document.documentElement.clientWidth + 1"))


def test_leaderboard_in_both_languages_and_widths(page_in, web_sample, artifacts_dir):
    locale, page = page_in
    lang = "zh" if locale.startswith("zh") else "en"
    paths = {"influencers": "/influencers",
             "community": f"/communities/{web_sample.community_id}",
             "communities": "/communities"}
    sideways = []
    for name, path in paths.items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(path)
            shot = browser_support.screenshot(page, artifacts_dir,
                                              f"leaderboard-{lang}-{name}-{width}")
            page.screenshot(path=str(shot.with_name(shot.stem + "-view.png")))
            if _page_scrolls_sideways(page):
                sideways.append((path, width, page.evaluate(WIDE_ELEMENTS)))
    assert not sideways, sideways
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/influencers")
    rows = page.locator("#leaderboard tbody tr")
    assert rows.count() == 50
    first = rows.first
    assert first.locator(".kg-avatar").inner_text().strip()
    assert first.locator(".kg-handle").first.inner_text().count("@") == 1
    assert first.locator(".kg-community-tag").inner_text().strip()
    total = page.locator("#leaderboard-total").inner_text()
    reasons = first.locator(".kg-reason").all_inner_texts()
    if lang == "zh":
        assert total.startswith("共 ") and "页" in total
        assert "社群内 KOL 分最高" in reasons
    else:
        assert "persons · page 1 of" in total
        assert "highest KOL score in their community" in reasons
    page.goto(f"/influencers?community={web_sample.community_id}")
    with page.expect_navigation():
        page.click("#leaderboard thead th[data-sort=reach] a")
    query = parse_qs(urlsplit(page.url).query)
    assert query["sort"] == ["reach"] and query["community"] == [str(web_sample.community_id)]
    values = [float(v) for v in page.locator("#leaderboard td[data-col=reach]")
              .evaluate_all("cells => cells.map(c => c.innerText.replace(/[^0-9.]/g, ''))")]
    assert values == sorted(values, reverse=True)
