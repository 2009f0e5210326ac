"""The admin page in headless Chromium: an admin starts a small analyze job with its
parameters, watches its log lines appear in the page, and sees it finish (status and exit
status); then the overview, runs and admin pages in both languages at 1366 px and 375 px, with
screenshots in ``test-artifacts/browser/`` (``admin-*``, ``overview-*``, ``runs-*``)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.web import browser_support
from tests.web.job_support import ADMIN, PASSWORD, job_home  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

chromium = browser_support.chromium


@pytest.fixture(scope="module")
def job_server(job_home) -> Iterator[str]:  # noqa: F811
    """The small home's app served by waitress in a thread; yields its base URL."""
    with browser_support.served(job_home.app, "waitress-job-server") as url:
        yield url


def _log_in(browser, base_url: str, locale: str, user: str, password: str):
    context = browser.new_context(locale=locale, base_url=base_url,
                                  viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto("/login")
    page.fill("#login-form input[name=username]", user)
    page.fill("#login-form input[name=password]", password)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    assert urlsplit(page.url).path != "/login"
    return context, page, errors


def test_admin_starts_a_job_and_follows_its_log(chromium, job_server, artifacts_dir):
    context, page, errors = _log_in(chromium, job_server, "zh-CN", ADMIN, PASSWORD)
    try:
        page.goto("/admin/")
        page.select_option("#start-analyze select[name=algorithm]", "louvain")
        page.fill("#start-analyze input[name=min_community_size]", "3")
        with page.expect_navigation():
            page.click("#start-analyze button[name=kind][value=analyze]")
        section = page.locator("#job-log")
        assert section.get_attribute("data-log-url").startswith("/admin/jobs/analyze-")
        log = page.locator("#job-log pre.kg-log")
        page.wait_for_function(
            "() => document.querySelector('#job-log pre.kg-log').textContent.includes('\\n')",
            timeout=120_000)
        assert log.inner_text().strip(), "log lines appear while the job runs"
        page.wait_for_selector("#job-log[data-state=done]", timeout=300_000)
        status = page.locator("#job-log .kg-job-status")
        assert status.get_attribute("data-status") == "complete", log.inner_text()[-2000:]
        assert status.inner_text() == "已完成 · 退出码 0"
        assert "analyze" in log.inner_text() and "communities" in log.inner_text()
        row = page.locator("#jobs tbody tr").first
        assert row.locator("td.kg-job-state").inner_text() == "已完成"
        assert "algorithm=louvain" in row.inner_text()
        assert "min_community_size=3" in row.inner_text()
        shown = log.inner_text()
        browser_support.screenshot(page, artifacts_dir, "admin-job-zh-1366")
        page.set_viewport_size({"width": 375, "height": 800})
        browser_support.screenshot(page, artifacts_dir, "admin-job-zh-375")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto("/admin/")  # after the job: the log is still shown, read to its end at once
        page.wait_for_selector("#job-log[data-state=done]", timeout=30_000)
        assert page.locator("#job-log pre.kg-log").inner_text() == shown
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize(("locale", "lang"), [("zh-CN", "zh"), ("en-US", "en")])
def test_dashboard_pages_fit_both_widths(chromium, live_server, web_sample, artifacts_dir,
                                         locale, lang):
    role = "admin"
    context, page, errors = _log_in(chromium, live_server, locale, web_sample.users[role],
                                    web_sample.passwords[role])
    try:
        for path, name in (("/", "overview"), ("/runs", "runs"), ("/admin/", "admin")):
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto(path)
            if name == "overview":
                assert page.locator("#platform-counts meter").count() >= 1
                assert page.locator("#top-communities li a").count() >= 1
                assert page.locator("#last-analyze").get_attribute("data-status") == "complete"
            if name == "runs":
                details = page.locator(".kg-run-details").first
                details.locator("summary").click()
                assert details.locator("dl").is_visible()
            browser_support.screenshot(page, artifacts_dir, f"{name}-{lang}-1366")
            page.set_viewport_size({"width": 375, "height": 800})
            width = page.evaluate("document.documentElement.scrollWidth")
            browser_support.screenshot(page, artifacts_dir, f"{name}-{lang}-375")
            assert width <= 375, f"{path} overflows sideways at 375 px ({width} px)"
        assert errors == []
    finally:
        context.close()


def _analyze_from_the_page(page) -> None:
    """Start an analyze job (Louvain, minimum community size 3) from ``/admin/`` and wait
    until it completed."""
    page.goto("/admin/")
    page.select_option("#start-analyze select[name=algorithm]", "louvain")
    page.fill("#start-analyze input[name=min_community_size]", "3")
    with page.expect_navigation():
        page.click("#start-analyze button[name=kind][value=analyze]")
    page.wait_for_selector("#job-log[data-state=done]", timeout=300_000)
    status = page.locator("#job-log .kg-job-status").get_attribute("data-status")
    assert status == "complete", page.locator("#job-log pre.kg-log").inner_text()[-2000:]


_COMMUNITIES_JS = """() => {
  const id = a => a.getAttribute('href').split('/').pop();
  return {run: document.querySelector('h1 small').textContent,
          rows: [...document.querySelectorAll('#communities tbody tr')].map(tr => ({
            community: id(tr.querySelector('td a')),
            title: tr.querySelector('.kg-community-title').textContent,
            kols: [...tr.querySelectorAll('.kg-top-kols a.person-name')].map(id)}))};
}"""


def test_a_community_keeps_its_id_across_two_analyze_runs(chromium, job_server):
    """Two analyze runs of the same data: each community, told by its top KOLs, has the same
    id and title on the communities page after the second run as after the first."""
    context, page, errors = _log_in(chromium, job_server, "zh-CN", ADMIN, PASSWORD)
    try:
        _analyze_from_the_page(page)
        page.goto("/communities")
        before = page.evaluate(_COMMUNITIES_JS)
        _analyze_from_the_page(page)
        page.goto("/communities")
        after = page.evaluate(_COMMUNITIES_JS)
        assert before["run"] != after["run"], "the page shows the second run"
        assert before["rows"], "the first run found communities"
        by_kols = {tuple(r["kols"]): r for r in after["rows"]}
        kept = [r for r in before["rows"]
                if by_kols.get(tuple(r["kols"]), {}).get("community") == r["community"]]
        largest = before["rows"][0]
        assert by_kols[tuple(largest["kols"])]["community"] == largest["community"]
        assert by_kols[tuple(largest["kols"])]["title"] == largest["title"]
        assert len(kept) >= 0.8 * len(before["rows"]), (before["rows"], after["rows"])
        assert errors == []
    finally:
        context.close()
