"""Headless Chromium for the browser tests (Debian's ``/usr/bin/chromium`` driven by Playwright).

``chromium`` (session fixture) is the launched browser. When ``/usr/bin/chromium`` is missing
the tests are skipped with the reason — unless ``CI`` or ``KOLGRAPH_REQUIRE_BROWSER`` is set, in
which case they fail (``make test`` installs the browser through ``make browser-deps``).
``page_for(browser)`` gives a page that records console errors, CSP violations and dialogs.
Import the fixtures into a test module with ``from tests.web.browser_support import chromium``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_VARS = ("CI", "KOLGRAPH_REQUIRE_BROWSER")


def browser_required(env: dict[str, str] | None = None) -> bool:
    """True when the environment asks for browser tests to run, not skip (CI or the variable)."""
    env = os.environ if env is None else env
    return any(env.get(name, "").strip() not in ("", "0", "false") for name in REQUIRE_VARS)


def missing_browser_reason(chromium: Path = CHROMIUM) -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not chromium.exists():
        return f"{chromium} is missing (install Debian's chromium: make browser-deps)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (make install-dev)"
    return None


def require_browser(env: dict[str, str] | None = None, chromium: Path = CHROMIUM) -> None:
    """Returns when the browser can run; else skips the test with the reason, or fails it
    when the environment requires browser tests (``browser_required``)."""
    reason = missing_browser_reason(chromium)
    if reason is None:
        return
    if browser_required(env):
        pytest.fail(f"browser tests required ({' or '.join(REQUIRE_VARS)} set) but {reason}")
    pytest.skip(reason)


class _Shared:
    """One Playwright driver and browser for the whole process: Playwright's sync API cannot
    start twice at once, and each test module that imports ``chromium`` gets its own fixture
    instance. The browser closes when the last instance is torn down."""

    users = 0
    playwright: object = None
    browser: object = None

    @classmethod
    def acquire(cls) -> object:
        if cls.browser is None:
            from playwright.sync_api import sync_playwright

            cls.playwright = sync_playwright().start()
            cls.browser = cls.playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage"])
        cls.users += 1
        return cls.browser

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users == 0:
            cls.browser.close()
            cls.playwright.stop()
            cls.browser = cls.playwright = None


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Headless Chromium (shared by every test module); skip or fail when it is missing."""
    require_browser()
    browser = _Shared.acquire()
    try:
        yield browser
    finally:
        _Shared.release()


@dataclass
class PageLog:
    """What a page reported while a test drove it."""

    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [m for m in self.console_errors if "Content Security Policy" in m]


def open_page(browser: object, *, accept_dialogs: bool = False,
              base_url: str | None = None) -> tuple[object, object, PageLog]:
    """A fresh context and page on ``browser`` (1280x900, downloads allowed) and its log.

    Dialogs are recorded and dismissed (accepted when ``accept_dialogs``). Returns
    ``(context, page, log)``; the caller closes the context.
    """
    kwargs = {"viewport": {"width": 1280, "height": 900}, "accept_downloads": True}
    if base_url:
        kwargs["base_url"] = base_url
    context = browser.new_context(**kwargs)
    page = context.new_page()
    log = PageLog()

    def on_console(msg: object) -> None:
        if msg.type == "error":
            log.console_errors.append(msg.text)

    def on_dialog(dialog: object) -> None:
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        if accept_dialogs:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("console", on_console)
    page.on("dialog", on_dialog)
    page.on("pageerror", lambda err: log.page_errors.append(str(err)))
    return context, page, log


@contextmanager
def served(app: object, name: str) -> Iterator[str]:
    """``app`` served by waitress (4 threads) in a thread named ``name`` on a free port;
    yields ``http://127.0.0.1:PORT`` and stops the server after the block."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


def screenshot(page: object, artifacts_dir: Path, name: str) -> Path:
    """Saves a full-page screenshot as ``<artifacts_dir>/browser/<name>.png``; returns its path."""
    out = artifacts_dir / "browser" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    return out


def node_positions(page: object, selector: str = ".kg-network") -> dict[str, dict[str, float]]:
    """Model positions of the nodes of the first Cytoscape view matching ``selector``."""
    return page.eval_on_selector(
        selector,
        "el => Object.fromEntries(el._cy.nodes().map(n => [n.id(), n.position()]))")


def isolated_node(page: object, selector: str = ".kg-network") -> str:
    """Id of the visible node farthest from any other one (a mouse aimed at it hits it)."""
    return page.eval_on_selector(selector, """el => {
        const pts = el._cy.nodes().map(n => [n.id(), n.renderedPosition()]);
        const gap = ([, p]) => Math.min(Infinity, ...pts.filter(([, q]) => q !== p)
            .map(([, q]) => Math.hypot(p.x - q.x, p.y - q.y)));
        const inside = ([, p]) => p.x > 0 && p.y > 0 && p.x < el.clientWidth
            && p.y < el.clientHeight;
        return pts.filter(inside).sort((a, b) => gap(b) - gap(a))[0][0]; }""")


def click_node(page: object, node_id: str, selector: str = ".kg-network") -> None:
    """Clicks node ``node_id`` of the Cytoscape view with the mouse."""
    page.locator(selector).first.scroll_into_view_if_needed()
    box = page.locator(selector).first.bounding_box()
    pos = page.eval_on_selector(
        selector, "(el, id) => el._cy.getElementById(id).renderedPosition()", node_id)
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])


def drag_node(page: object, node_id: str, dx: float, dy: float,
              selector: str = ".kg-network") -> None:
    """Drags node ``node_id`` of the Cytoscape view by (dx, dy) screen pixels with the mouse."""
    page.locator(selector).first.scroll_into_view_if_needed()
    box = page.locator(selector).first.bounding_box()
    rendered = page.eval_on_selector(
        selector, "(el, id) => el._cy.getElementById(id).renderedPosition()", node_id)
    x, y = box["x"] + rendered["x"], box["y"] + rendered["y"]
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + dx * step / 10, y + dy * step / 10)
    page.mouse.up()


@contextmanager
def logged_in_page(browser: object, base_url: str, home: Path, user: str, password: str, *,
                   role: str = "viewer", locale: str = "zh-CN") -> Iterator[object]:
    """A page of a new context of ``browser`` (``locale``, 1366 × 900) logged in as ``user``,
    added with ``role`` to the users of ``home`` for the block and removed after it; the
    block fails when the page raised a JavaScript error."""
    from kolgraph.usecases.users import UserStore

    users = UserStore.for_home(home)
    users.add(user, role, password)
    context = browser.new_context(locale=locale, base_url=base_url,
                                  viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.goto("/login")
        page.fill("#login-form input[name=username]", user)
        page.fill("#login-form input[name=password]", password)
        with page.expect_navigation():
            page.click("#login-form button[type=submit]")
        yield page
    finally:
        context.close()
        users.remove(user)
    assert not errors, errors
