"""The network views in headless Chromium, in Chinese and in English: community colours, the
legend, KOL labels (others on hover only), the hover card (mouse and keyboard), the top-N
choice. Facts are checked against the database (``web_sample.store``) and the formatting
functions of the server, not against what the page itself says. Screenshots at 1366 px and
375 px go to ``test-artifacts/browser/``."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.web import browser_support
from tests.web.browser_support import screenshot

pytestmark = pytest.mark.browser

chromium = browser_support.chromium

# The palette of web/static/js/network.js by community id 1, 2, ... (0, the unassigned
# bucket, is grey), as the rgb() strings Cytoscape reports.
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
           "#f0e442", "#4e79a7", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2"]
GREY = "#9aa0a6"
LANGUAGES = {"zh": ("zh-CN", "粉丝数", "图例"), "en": ("en", "followers", "Legend")}


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r},{g},{b})"


def _expected_colour(community_id: int | None) -> str:
    if community_id is None or community_id == 0:
        return _rgb(GREY)
    return _rgb(PALETTE[(community_id - 1) % len(PALETTE)])


@pytest.fixture(params=sorted(LANGUAGES))
def lang(request) -> str:
    return request.param


@pytest.fixture
def viewer_page(chromium, live_server, web_sample, lang):
    """A page logged in as the viewer, its browser asking for ``lang``; page errors and CSP
    violations fail the test."""
    locale = LANGUAGES[lang][0]
    context = chromium.new_context(locale=locale, base_url=live_server,
                                   extra_http_headers={"Accept-Language": locale},
                                   viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: errors.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    page.goto("/login")
    page.fill("#login-form input[name=username]", web_sample.users["viewer"])
    page.fill("#login-form input[name=password]", web_sample.passwords["viewer"])
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    assert urlsplit(page.url).path != "/login"
    yield page
    context.close()
    assert not errors, errors


def _ready(page: object, selector: str) -> None:
    page.wait_for_selector(f"{selector}[data-state=ready]", timeout=30_000)


def _nodes(page: object, selector: str) -> list[dict]:
    return page.eval_on_selector(selector, """el => el._cy.nodes().map(n => ({
        id: n.id(), community: n.data('community_id'), kol: n.data('kol'),
        name: n.data('label'), label: n.style('label'), colour: n.style('background-color'),
        followers: n.data('followers_text')}))""")


def _facts(store, ids: list[str]) -> dict[str, dict]:
    rows = store.read("UNWIND $ids AS id MATCH (p:Person {person_id: id}) "
                      "RETURN p.person_id AS id, p.community_id AS community, "
                      "p.display_name AS name, p.followers_total AS followers", {"ids": ids}).rows
    return {r["id"]: r for r in rows}


def _hover(page: object, selector: str, node_id: str) -> None:
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    pos = page.eval_on_selector(
        selector, "(el, id) => el._cy.getElementById(id).renderedPosition()", node_id)
    page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"])


def _lonely_plain_node(page: object, selector: str) -> str:
    """A visible non-KOL node far from the others (the mouse aimed at it hits it)."""
    return page.eval_on_selector(selector, """el => {
        const pts = el._cy.nodes().map(n => [n, n.renderedPosition()]);
        const gap = ([, p]) => Math.min(...pts.filter(([, q]) => q !== p)
            .map(([, q]) => Math.hypot(p.x - q.x, p.y - q.y)));
        const ok = ([n, p]) => !n.data('kol') && !n.data('focus') && p.x > 30 && p.y > 30
            && p.x < el.clientWidth - 300 && p.y < el.clientHeight - 30;
        return pts.filter(ok).sort((a, b) => gap(b) - gap(a))[0][0].id(); }""")


def _shots(page: object, artifacts_dir, name: str) -> None:
    screenshot(page, artifacts_dir, f"{name}-1366")
    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_timeout(300)
    screenshot(page, artifacts_dir, f"{name}-375")
    page.set_viewport_size({"width": 1366, "height": 900})


def test_community_network_colours_legend_labels_and_card(viewer_page, web_app, web_sample,
                                                          lang, artifacts_dir):
    from web.i18n import compact

    page, net = viewer_page, "#community-network"
    page.goto(f"/communities/{web_sample.community_id}")
    _ready(page, net)
    nodes = _nodes(page, net)
    facts = _facts(web_sample.store, [n["id"] for n in nodes])
    assert len(nodes) > 1
    for n in nodes:                                    # colour of the stored community
        assert n["community"] == facts[n["id"]]["community"] == web_sample.community_id
        assert n["colour"] == _expected_colour(web_sample.community_id), n
    kols = [n for n in nodes if n["kol"]]
    assert kols and len(kols) < len(nodes)
    for n in nodes:                                    # KOLs named, the others not
        assert n["label"] == (n["name"] if n["kol"] else ""), n
    legend = page.locator(f"{net} ~ .kg-network-legend .kg-legend-communities li")
    assert legend.count() == 1
    assert legend.first.get_attribute("data-community") == str(web_sample.community_id)
    assert f"#{web_sample.community_id}" in legend.first.inner_text()
    assert LANGUAGES[lang][2] in page.locator(f"{net} ~ .kg-network-legend").inner_text()

    card = page.locator(f"{net} ~ .kg-network-card")
    assert card.is_hidden()
    plain = _lonely_plain_node(page, net)
    _hover(page, net, plain)
    page.wait_for_function("([s, id]) => document.querySelector(s)._cy.getElementById(id)"
                           ".style('label') !== ''", arg=[net, plain])
    assert card.is_visible()
    text = card.inner_text()
    person = facts[plain]
    with web_app.test_request_context(headers={"Accept-Language": LANGUAGES[lang][0]}):
        followers = compact(person["followers"] or 0)
    assert (person["name"] or plain) in text and followers in text
    assert LANGUAGES[lang][1] in text                  # the card's words in the user's language
    _shots(page, artifacts_dir, f"network-community-{lang}-hover")
    page.mouse.move(1, 1)
    page.wait_for_function("([s, id]) => document.querySelector(s)._cy.getElementById(id)"
                           ".style('label') === ''", arg=[net, plain])
    assert card.is_hidden()


def test_person_network_top_n_keyboard_card_and_legend(viewer_page, web_sample, lang,
                                                       artifacts_dir):
    page, net = viewer_page, "#person-network"
    page.goto(f"/persons/{web_sample.top_person_id}")
    _ready(page, net)
    nodes = _nodes(page, net)
    facts = _facts(web_sample.store, [n["id"] for n in nodes])
    for n in nodes:
        assert n["colour"] == _expected_colour(facts[n["id"]]["community"]), n
    shown = {str(n["community"]) for n in nodes if n["community"] is not None}
    legend = page.locator(f"{net} ~ .kg-network-legend .kg-legend-communities li")
    assert {legend.nth(i).get_attribute("data-community")
            for i in range(legend.count())} == shown
    assert len(shown) > 1

    top = page.locator(f"{net} + .kg-network-tools select")
    assert top.input_value() == "all" and len(nodes) <= 50
    top.select_option("20")
    _ready(page, net)
    after = _nodes(page, net)
    assert len(after) == 20 < len(nodes)
    assert web_sample.top_person_id in {n["id"] for n in after}   # the person stays
    assert page.get_attribute(net, "aria-label").count(",") >= 1   # the text alternative
    kept = {str(n["community"]) for n in after if n["community"] is not None}
    assert legend.count() == len(kept)

    page.focus(net)                                   # the keyboard shows the cards too
    page.keyboard.press("ArrowRight")
    card = page.locator(f"{net} ~ .kg-network-card")
    assert card.is_visible()
    me = facts[web_sample.top_person_id]
    assert card.locator(".kg-card-name").inner_text().startswith(
        me["name"] or web_sample.top_person_id)
    page.keyboard.press("ArrowRight")
    second = page.eval_on_selector(net, "el => el._cy.nodes(':selected').id()")
    assert second != web_sample.top_person_id
    assert card.get_attribute("data-node") == second
    _shots(page, artifacts_dir, f"network-person-{lang}-keyboard")
    page.keyboard.press("Escape")
    assert card.is_hidden()
    top.select_option("all")
    _ready(page, net)
    assert len(_nodes(page, net)) == len(nodes)


def test_a_tap_on_a_touch_screen_shows_the_card_then_opens_the_person(chromium, live_server,
                                                                      web_sample):
    """On a phone there is no hover: the first tap on a person shows its card, the second
    opens its page."""
    context = chromium.new_context(base_url=live_server, viewport={"width": 375, "height": 800},
                                   has_touch=True, is_mobile=True,
                                   extra_http_headers={"Accept-Language": "zh-CN"})
    try:
        page = context.new_page()
        page.goto("/login")
        page.fill("#login-form input[name=username]", web_sample.users["viewer"])
        page.fill("#login-form input[name=password]", web_sample.passwords["viewer"])
        with page.expect_navigation():
            page.click("#login-form button[type=submit]")
        net = "#person-network"
        page.goto(f"/persons/{web_sample.top_person_id}")
        _ready(page, net)
        page.locator(net).scroll_into_view_if_needed()
        target = page.eval_on_selector(net, """el => el._cy.nodes()
            .filter(n => !n.data('focus')).sort((a, b) => b.degree() - a.degree())[0].id()""")
        box = page.locator(net).bounding_box()
        pos = page.eval_on_selector(
            net, "(el, id) => el._cy.getElementById(id).renderedPosition()", target)
        page.touchscreen.tap(box["x"] + pos["x"], box["y"] + pos["y"])
        card = page.locator(f"{net} ~ .kg-network-card")
        card.wait_for(state="visible")
        assert card.get_attribute("data-node") == target
        assert "粉丝数" in card.inner_text()
        assert urlsplit(page.url).path == f"/persons/{web_sample.top_person_id}"
        with page.expect_navigation():
            page.touchscreen.tap(box["x"] + pos["x"], box["y"] + pos["y"])
        assert urlsplit(page.url).path == f"/persons/{target}"
    finally:
        context.close()
