"""Walks every page of the web UI in headless Chromium, once per language, logged in as an admin.

The walk starts from the pages the issue lists (overview, leaderboard, seeds, communities, a
community, the unassigned bucket, a person, search, console, runs, admin, preferences, the
log-in page, a 404 and a 400 page) and adds the first link of each kind found in the nav and
on every page walked (``/persons/<id>``, ``/communities/<id>``, ...), so that a new page is
walked without touching this file. On every page:

(a) in Chinese, no visible text made only of Latin words outside ``ALLOWED_TERMS`` (numbers,
    ``@handles`` and person ids aside), each part of a text between separators (`` · ``,
    ``|``, ``;``, ``、``) on its own; user data is marked ``translate="no"`` (or ``data-raw``,
    or ``class="kg-data"``) by the templates and skipped, as are code (``code``, ``pre``,
    ``textarea``) and text in another ``lang`` (the language switch's "English");
(b) at 375 px wide the page does not scroll sideways
    (``document.documentElement.scrollWidth <= window.innerWidth``);
(c) no console error and no uncaught script error;
(d) every visible form control has a label (``<label>``, ``aria-label``, ``aria-labelledby``
    or ``title``);
(e) a full-page screenshot at 1366 px and at 375 px, into ``$KOLGRAPH_SCREENSHOTS`` (else a
    temporary folder), named ``<language>-<page>-<width>.png``.

Every problem is collected with its page and reported at once (also written to
``walk-<language>.txt`` beside the screenshots).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from kolgraph.usecases.users import UserStore
from tests.web import browser_support

chromium = browser_support.chromium

USER, KEYBOARD_USER, PASSWORD = "walk_admin", "walk_keyboard", "walk-Admin-Passw0rd!"
LOCALES = {"zh": "zh-CN", "en": "en-US"}
WIDE, NARROW = 1366, 375
MAX_PAGES = 40

#: Latin words allowed on a Chinese page: product names and technical terms.
ALLOWED_TERMS = frozenset(term.casefold() for term in (
    "kolgraph", "KOL", "KOLs", "PageRank", "Cypher", "CSV", "JSON", "API", "ID", "IDs",
    "EXPLAIN", "Leiden", "Louvain", "GraphSAGE", "Jaccard", "UTC", "IANA", "URL", "AI", "k",
    # ranking metrics, written so in Chinese papers and tools too
    "NDCG", "MRR", "AUC", "Hits",
    # seed-selection algorithms, the spreadsheet format, the integration mechanism
    "IMM", "CELF", "Excel", "webhook",
))
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_TOKEN = re.compile(r"@?[\w'’.-]+")
_PERSON_ID = re.compile(r"P[0-9a-f]{16}")
_SEPARATOR = re.compile(r"\s[·|]\s|[;；、]")

# The visible texts of the page (text nodes, placeholders, button values) outside user data,
# code and elements in another language.
_TEXTS_JS = """() => {
  const skip = el => el.closest('script, style, noscript, template, code, pre, kbd, samp, '
                                + 'textarea, [translate=no], [data-raw], .kg-data');
  const foreign = el => {
    const owner = el.closest('[lang]');
    return owner && !owner.getAttribute('lang').toLowerCase().startsWith('zh');
  };
  const visible = el => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.replace(/\\s+/g, ' ').trim();
    const el = node.parentElement;
    if (text && el && !skip(el) && !foreign(el) && visible(el)) out.push(text);
  }
  document.querySelectorAll('input[placeholder], input[type=submit][value], '
                            + 'input[type=button][value]').forEach(el => {
    const text = (el.getAttribute('placeholder') || el.value || '').trim();
    if (text && !skip(el) && !foreign(el) && visible(el)) out.push(text);
  });
  return [...new Set(out)];
}"""

_UNLABELLED_JS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter(el => el.getClientRects().length > 0)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !el.getAttribute('title'))
  .map(el => el.outerHTML.slice(0, 160))"""

_LINKS_JS = "() => [...document.querySelectorAll('a[href]')].map(a => a.href)"

_OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .filter(el => el.parentElement.getBoundingClientRect().right <= width + 1)
    .filter(el => {     // not inside a box that scrolls or clips on its own
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return false;
      }
      return true;
    })
    .slice(0, 3)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
         + (el.className && typeof el.className === 'string'
            ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
  return {scroll: document.documentElement.scrollWidth, inner: width, wide: wide};
}"""


def untranslated(text: str) -> list[str]:
    """The words of a visible text that make it untranslated on a Chinese page: the Latin
    words outside ``ALLOWED_TERMS`` of each part of it (between `` · ``, ``|``, ``;``, ``、``)
    that holds no Chinese at all (``[]`` when every part holds some, or only numbers,
    ``@handles``, person ids and allowed terms)."""
    words = []
    for part in _SEPARATOR.split(text):
        if not _CJK.search(part):
            words += _latin_words(part)
    return words


def _latin_words(text: str) -> list[str]:
    words = []
    for token in _TOKEN.findall(text):
        word = token.strip("'’.-")
        if (not re.search(r"[A-Za-z]", word) or word.startswith("@")
                or re.search(r"\d", word) or _PERSON_ID.fullmatch(word)
                or word.casefold() in ALLOWED_TERMS):
            continue
        words.append(word)
    return words


def page_kind(path: str) -> str:
    """What makes two paths the same kind of page: their path with every segment that holds
    a digit, and the one after ``persons``, replaced by ``*`` (``/communities/*``)."""
    parts = path.rstrip("/").split("/") or [""]
    kind = []
    for i, part in enumerate(parts):
        generic = re.search(r"\d", part) or (i > 0 and parts[i - 1] == "persons")
        kind.append("*" if generic else part)
    return "/".join(kind) or "/"


def walkable(url: str, origin: str) -> str | None:
    """The local path (with its query) of a link worth walking, or ``None`` (other sites,
    the API, downloads, static files, log-out)."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path or "/"
    if path.startswith(("/api/", "/static/", "/logout")) \
            or path.endswith((".csv", ".json", ".xlsx")):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def test_untranslated_finds_latin_words_outside_the_allow_list():
    assert untranslated("Overview") == ["Overview"]
    assert untranslated("persons=1,001") == ["persons"]
    assert untranslated("社群 #1 · AI / career / finance · 李教授说AI") == ["career", "finance"]
    assert untranslated("PageRank +0.35 · 覆盖人数 +0.25") == []
    assert untranslated("KOL 得分") == [] and untranslated("EXPLAIN") == []
    assert untranslated("@zhou_shu 12.3K P503e39106a667cd8 1,001") == []
    assert untranslated("没有结果") == []


def test_page_kinds_and_walkable_links():
    assert page_kind("/persons/Pabcdef0123456789") == page_kind("/persons/Pxyz") == "/persons/*"
    assert page_kind("/communities/0") == page_kind("/communities/12") == "/communities/*"
    assert page_kind("/influencers/seeds") == "/influencers/seeds" and page_kind("/") == "/"
    origin = "http://127.0.0.1:8050"
    assert walkable(f"{origin}/search?q=zhou", origin) == "/search?q=zhou"
    assert walkable(f"{origin}/influencers.csv?page=1", origin) is None
    assert walkable(f"{origin}/campaigns/C1/export/kols.xlsx", origin) is None
    assert walkable(f"{origin}/api/v1/overview", origin) is None
    assert walkable("https://example.com/", origin) is None


@pytest.fixture(scope="module")
def walk_admin(web_sample) -> Iterator[str]:
    """An admin of its own (no language in its profile: the browser's language counts)."""
    users = UserStore.for_home(web_sample.home)
    users.add(USER, "admin", PASSWORD)
    yield USER
    users.remove(USER)


@pytest.fixture(scope="module")
def shots_dir(tmp_path_factory) -> Path:
    """Where the screenshots go: ``$KOLGRAPH_SCREENSHOTS`` or a temporary folder."""
    configured = os.environ.get("KOLGRAPH_SCREENSHOTS", "").strip()
    folder = Path(configured) if configured else tmp_path_factory.mktemp("walk")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _start_pages(web_sample) -> list[tuple[str, int]]:
    """The pages the issue lists, each with the status it must answer."""
    name = web_sample.store.read(
        "MATCH (p:Person {person_id: $id}) RETURN p.display_name AS name",
        {"id": web_sample.top_person_id}).rows[0]["name"] or "a"
    return [("/", 200), ("/influencers", 200), ("/influencers/seeds?k=3", 200),
            ("/communities", 200), (f"/communities/{web_sample.community_id}", 200),
            ("/communities/0", 200), (f"/persons/{web_sample.top_person_id}", 200),
            (f"/search?q={quote(name[:1])}", 200), ("/console", 200), ("/runs", 200),
            ("/admin/", 200), ("/preferences", 200),
            ("/no-such-page", 404), ("/influencers?sort=bogus", 400)]


def _slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")[:60] or "overview"


class Walk:
    """One language's walk: checks pages and collects what is wrong with each."""

    def __init__(self, page: object, language: str, shots: Path) -> None:
        self.page, self.language, self.shots = page, language, shots
        self.problems: list[str] = []
        self.console: list[tuple[str, str]] = []    # (text, url of the message's source)
        page.on("console", lambda msg: self.console.append(
            (msg.text, (msg.location or {}).get("url", ""))) if msg.type == "error" else None)
        page.on("pageerror", lambda err: self.console.append((f"uncaught: {err}", "")))

    def problem(self, path: str, what: str) -> None:
        self.problems.append(f"[{self.language}] {path}: {what}")

    def visit(self, path: str, status: int) -> list[str]:
        """Opens ``path``, checks it at both widths; returns the links it shows."""
        page = self.page
        page.set_viewport_size({"width": WIDE, "height": 900})
        self.console.clear()
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        if response is None or response.status != status:
            self.problem(path, f"answered {response and response.status}, not {status}")
        if self.language == "zh":
            if page.locator("html").get_attribute("lang") != "zh-Hans":
                self.problem(path, "<html lang> is not zh-Hans")
            for text in page.evaluate(_TEXTS_JS):
                if untranslated(text):
                    self.problem(path, f"untranslated {text[:120]!r}")
        for control in page.evaluate(_UNLABELLED_JS):
            self.problem(path, f"form control without a label: {control}")
        page.screenshot(path=str(self.shots / f"{self.language}-{_slug(path)}-{WIDE}.png"),
                        full_page=True)
        links = page.evaluate(_LINKS_JS)
        page.set_viewport_size({"width": NARROW, "height": 800})
        # app.js boxes wide tables after a resize: a loaded machine gets 5 s for it (a page
        # still too wide then is reported below; polled from here: the CSP forbids the eval
        # of page.wait_for_function)
        for _ in range(50):
            if page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"):
                break
            page.wait_for_timeout(100)
        width = page.evaluate(_OVERFLOW_JS)
        if width["scroll"] > width["inner"]:
            self.problem(path, f"{width['scroll']} px wide at {NARROW} px (sideways "
                               f"scrolling; too wide: {', '.join(width['wide']) or '?'})")
        page.screenshot(path=str(self.shots / f"{self.language}-{_slug(path)}-{NARROW}.png"),
                        full_page=True)
        url = page.url
        for text, source in self.console:
            if status >= 400 and text.startswith("Failed to load resource") and source == url:
                continue  # the browser's note of the error page's own status
            self.problem(path, f"console error: {text[:200]}")
        return links


@pytest.mark.browser
@pytest.mark.parametrize("language", sorted(LOCALES))
def test_walk_every_page(chromium, live_server, web_sample, walk_admin, shots_dir, language):
    context = chromium.new_context(locale=LOCALES[language], base_url=live_server,
                                   viewport={"width": WIDE, "height": 900},
                                   extra_http_headers={"Accept-Language": LOCALES[language]})
    try:
        page = context.new_page()
        walk = Walk(page, language, shots_dir)
        walk.visit("/login", 200)                                   # logged out
        page.set_viewport_size({"width": WIDE, "height": 900})
        page.fill("#login-form input[name=username]", walk_admin)
        page.fill("#login-form input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("#login-form button[type=submit]")
        assert urlsplit(page.url).path != "/login", "log-in as the walk's admin failed"

        queue = _start_pages(web_sample)
        seen_paths = {path for path, _ in queue}
        seen_kinds = {page_kind(urlsplit(path).path) for path, _ in queue}
        walked: list[str] = []
        while queue and len(walked) < MAX_PAGES:
            path, status = queue.pop(0)
            walked.append(path)
            for link in walk.visit(path, status):
                found = walkable(link, live_server)
                if found is None or found in seen_paths:
                    continue
                kind = page_kind(urlsplit(found).path)
                if kind not in seen_kinds:
                    seen_kinds.add(kind)
                    seen_paths.add(found)
                    queue.append((found, 200))
        report = "\n".join(walk.problems)
        (shots_dir / f"walk-{language}.txt").write_text(
            "walked:\n  " + "\n  ".join(walked) + "\n\nproblems:\n" + report + "\n",
            encoding="utf-8")
        assert len(walked) >= 14
        assert not walk.problems, f"{len(walk.problems)} problems:\n{report}"
    finally:
        context.close()


@pytest.mark.browser
def test_menu_skip_link_and_focus_by_keyboard(chromium, live_server, web_sample):
    """At 375 px: Tab reaches the skip link first (it shows, with a focus ring, and leads to
    the main content); the menu button opens and closes the nav with Enter and Escape and
    says so in ``aria-expanded``; the language switch is a button the keyboard reaches (the
    language it picks is kept in the profile of this test's own user)."""
    users = UserStore.for_home(web_sample.home)
    users.add(KEYBOARD_USER, "viewer", PASSWORD)
    context = chromium.new_context(locale="zh-CN", base_url=live_server,
                                   viewport={"width": NARROW, "height": 800})
    try:
        page = context.new_page()
        page.goto("/login")
        page.fill("#login-form input[name=username]", KEYBOARD_USER)
        page.fill("#login-form input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("#login-form button[type=submit]")
        page.goto("/influencers")
        page.keyboard.press("Tab")
        skip = page.locator(".kg-skip")
        assert page.evaluate("document.activeElement.className") == "kg-skip"
        assert skip.is_visible() and skip.bounding_box()["y"] >= 0
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        button = page.locator(".kg-menu-button")
        nav = page.locator("nav.kg-nav")
        assert button.is_visible() and not nav.is_visible()
        assert button.get_attribute("aria-expanded") == "false"
        button.focus()
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true" and nav.is_visible()
        page.keyboard.press("Tab")                   # into the menu: the first nav link
        assert page.evaluate("document.activeElement.closest('nav') !== null")
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false" and not nav.is_visible()
        assert page.evaluate("document.activeElement.classList.contains('kg-menu-button')")

        page.set_viewport_size({"width": WIDE, "height": 900})
        assert not button.is_visible() and nav.is_visible()
        english = page.locator("#language-switch button[value=en]")
        english.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        context.close()
        users.remove(KEYBOARD_USER)
