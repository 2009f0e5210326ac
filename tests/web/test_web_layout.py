"""The page shell for keyboards and small screens (``base.html``), and the site icon: a skip
link to the main content, ``<html lang>`` of the locale, a menu button for narrow screens
(logged in only), every form control of the log-in and preferences forms labelled, and
``/favicon.ico`` served to anyone (the pages link the SVG with PNG fallbacks)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest


class _Controls(HTMLParser):
    """The form controls of a page that no ``<label>`` holds and no ``aria-label`` names."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0                  # how many <label> elements are open
        self.unlabelled: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.depth += 1
        elif tag in ("input", "select", "textarea") and a.get("type") not in (
                "hidden", "submit", "button") and not self.depth \
                and not a.get("aria-label") and not a.get("title"):
            self.unlabelled.append(f"<{tag} name={a.get('name')!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.depth -= 1


def _unlabelled(html: str) -> list[str]:
    parser = _Controls()
    parser.feed(html)
    return parser.unlabelled


def test_favicon_for_anyone(client_as):
    client = client_as(None)
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.data[:4] == b"\x00\x00\x01\x00"          # an ICO file
    assert icon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    page = client.get("/login").get_data(as_text=True)
    for href in ("/static/favicon.svg", "/static/favicon-32.png", "/static/favicon-180.png"):
        assert f'href="{href}"' in page
        assert client.get(href).status_code == 200


@pytest.mark.parametrize(("accept", "lang", "skip"), [("zh-CN", "zh-Hans", "跳到正文"),
                                                      ("en", "en", "Skip to content")])
def test_shell_skip_link_lang_and_menu(client_as, accept, lang, skip):
    client = client_as("viewer")
    page = client.get("/", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert f'<a class="kg-skip" href="#main">{skip}</a>' in page
    assert '<main class="kg-main" id="main" tabindex="-1">' in page
    assert 'aria-controls="kg-menu" aria-expanded="false" hidden>' in page
    assert 'aria-current="page">' in page                     # the nav marks where one is
    logged_out = client_as(None).get("/login", headers={"Accept-Language": accept})
    assert "kg-menu-button" not in logged_out.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/preferences", "/"])
def test_every_form_control_has_a_label(client_as, path):
    client = client_as(None if path == "/login" else "viewer")
    response = client.get(path)
    assert response.status_code == 200
    assert _unlabelled(response.get_data(as_text=True)) == []
