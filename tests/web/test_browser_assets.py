"""The front-end files (web/static) in headless Chromium, under the app's CSP, on a test page.

Playwright serves ``web/static`` and a small page carrying the hooks the templates use
(``.kg-network``, ``canvas.kg-chart``, ``th.sortable``, ``#leaderboard-filters``, a
``data-confirm`` form) with the header ``Content-Security-Policy: default-src 'self'``: the real
vendored libraries and our scripts run; only the JSON they fetch is this module's. The
application's own pages are driven in test_browser_app.py.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import web
from tests.web import browser_support
from tests.web.browser_support import (
    click_node,
    drag_node,
    node_positions,
    open_page,
    screenshot,
)

chromium = browser_support.chromium     # the session fixture, shared with test_browser_app.py

pytestmark = pytest.mark.browser

# The static folder next to the web package, where Flask serves it from (also from a wheel).
STATIC = Path(web.__file__).resolve().parent / "static"
ORIGIN = "http://kolgraph.test"
CSP = "default-src 'self'"
EVIL_LABEL = '<img src=x onerror="alert(1)">'

# What every page of the app loads, in this order (the contract with web/templates/base.html).
SCRIPTS = ("vendor/cytoscape/cytoscape.min.js", "vendor/layout-base/layout-base.js",
           "vendor/cose-base/cose-base.js", "vendor/cytoscape-fcose/cytoscape-fcose.js",
           "vendor/chart.js/chart.umd.js",
           "js/network.js", "js/charts.js", "js/app.js")
HEAD = "".join(f'<script src="/static/{name}" defer></script>' for name in SCRIPTS)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>assets</title>
<link rel="stylesheet" href="/static/css/app.css">""" + HEAD + """</head><body><main>
<div class="kg-network" id="net" data-graph-url="/graph.json"></div>
<div class="kg-network" id="broken" data-graph-url="/missing.json"></div>
<div class="chart"><canvas class="kg-chart" id="chart" data-chart-url="/chart.json"></canvas></div>
<div class="chart"><canvas class="kg-chart" id="bad-chart" data-chart-url="/bad-chart.json">
</canvas></div>
<table id="t"><thead><tr><th class="sortable">name</th><th class="sortable">score</th>
<th class="sortable"><a href="/server-sort">server</a></th></tr></thead>
<tbody><tr><td>b</td><td>10</td><td>x</td></tr><tr><td>a</td><td>9.5</td><td>y</td></tr>
<tr><td>c</td><td>1,200</td><td>z</td></tr></tbody></table>
<form id="leaderboard-filters" action="/leaderboard" method="get">
<select name="community"><option value="">all</option><option value="2">2</option></select>
<button type="submit">Filter</button></form>
<form id="danger" action="/danger" method="post" data-confirm="Delete everything?">
<button type="submit">Delete</button></form>
</main></body></html>"""


def _graph() -> dict:
    """Six nodes in two communities (0: the unassigned bucket), one with a hostile label;
    scores 0..5, the two highest KOLs; weighted edges."""
    nodes = [{"id": f"p{i}", "label": EVIL_LABEL if i == 0 else f"person {i}",
              "community_id": i % 2, "kol_score": float(i), "url": f"/persons/p{i}",
              "kol": i >= 4} for i in range(6)]
    edges = [{"source": f"p{i}", "target": f"p{(i + 1) % 6}", "weight": i + 1} for i in range(6)]
    edges.append({"source": "p0", "target": "unknown", "weight": 1})
    return {"nodes": nodes, "edges": edges}


CHART = {"type": "bar",
         "data": {"labels": ["dedao", "zhihu", EVIL_LABEL],
                  "datasets": [{"label": "accounts", "data": [3, 5, 1]}]},
         "options": {"plugins": {"legend": {"display": False}}}}

ROUTES = {
    "/": ("text/html", PAGE),
    "/graph.json": ("application/json", json.dumps(_graph())),
    "/chart.json": ("application/json", json.dumps(CHART)),
    "/bad-chart.json": ("application/json", json.dumps({"type": "<b>nope</b>", "data": {}})),
}


def _serve(route: object) -> None:
    """Answers every request of the test origin: our page and JSON, or a file of web/static."""
    path = urlsplit(route.request.url).path
    headers = {"Content-Security-Policy": CSP}
    if path in ROUTES:
        ctype, body = ROUTES[path]
        route.fulfill(status=200, content_type=ctype, body=body, headers=headers)
        return
    if path.startswith("/static/"):
        file = (STATIC / path.removeprefix("/static/")).resolve()
        if file.is_file() and STATIC in file.parents:
            ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            route.fulfill(status=200, content_type=ctype, body=file.read_bytes(), headers=headers)
            return
    route.fulfill(status=404, content_type="text/html",
                  body=f"<h1>not found</h1><p id='path'>{path}</p>", headers=headers)


def _load(browser: object, accept_dialogs: bool = False) -> tuple[object, object, object]:
    """The test page loaded with every script done: ``(context, page, log)``."""
    context, page, log = open_page(browser, accept_dialogs=accept_dialogs)
    context.route(f"{ORIGIN}/**", _serve)
    page.goto(f"{ORIGIN}/")
    page.wait_for_selector("#net[data-state=ready]")
    page.wait_for_selector("#chart[data-state=ready]")
    return context, page, log


@pytest.fixture
def harness(chromium):
    """The loaded test page (dialogs dismissed): ``(page, log)``."""
    context, page, log = _load(chromium)
    yield page, log
    context.close()


def _node_styles(page: object) -> dict[str, dict]:
    return page.eval_on_selector("#net", """el => Object.fromEntries(el._cy.nodes().map(n =>
        [n.id(), {w: n.width(), colour: n.style('background-color'), label: n.style('label')}]))""")


def test_network_is_drawn_with_sizes_colours_and_widths(harness, artifacts_dir):
    page, log = harness
    styles = _node_styles(page)
    assert sorted(styles) == [f"p{i}" for i in range(6)]
    widths = [styles[f"p{i}"]["w"] for i in range(6)]
    assert widths == sorted(widths) and widths[0] < widths[-1]     # size grows with kol_score
    assert styles["p0"]["colour"] == styles["p2"]["colour"] == styles["p4"]["colour"]
    assert styles["p1"]["colour"] == styles["p3"]["colour"] != styles["p0"]["colour"]
    assert styles["p0"]["colour"] == "rgb(154,160,166)"            # the unassigned bucket: grey
    assert [styles[f"p{i}"]["label"] for i in range(6)] == ["", "", "", "", "person 4",
                                                           "person 5"]  # KOLs named, others not
    page.eval_on_selector("#net", "el => el._cy.getElementById('p0').select()")
    assert _node_styles(page)["p0"]["label"] == EVIL_LABEL         # drawn as text on the canvas
    edge_widths = page.eval_on_selector(
        "#net", "el => el._cy.edges().map(e => [e.data('weight'), parseFloat(e.style('width'))])")
    assert len(edge_widths) == 6                            # the edge to an unknown node dropped
    by_weight = [w for _, w in sorted(edge_widths)]
    assert by_weight == sorted(by_weight) and by_weight[0] < by_weight[-1]
    assert page.locator("#net img").count() == 0
    assert page.eval_on_selector("#broken", "el => el.dataset.state") == "error"
    assert "404" in page.inner_text("#broken")
    screenshot(page, artifacts_dir, "assets-network")
    assert log.dialogs == []
    assert log.csp_violations() == []
    assert log.page_errors == []


def test_drag_moves_a_node_and_tap_opens_its_url(harness):
    page, log = harness
    before = node_positions(page, "#net")
    drag_node(page, "p3", 60, 40, "#net")
    after = node_positions(page, "#net")
    moved = (after["p3"]["x"] - before["p3"]["x"], after["p3"]["y"] - before["p3"]["y"])
    assert abs(moved[0]) > 10 and abs(moved[1]) > 5, moved
    assert all(after[k] == before[k] for k in before if k != "p3")
    assert page.url == f"{ORIGIN}/"                                 # a drag is not a click
    with page.expect_navigation():
        click_node(page, "p5", "#net")
    assert page.url == f"{ORIGIN}/persons/p5"
    assert log.page_errors == []


def test_zoom_with_the_wheel(harness):
    page, _ = harness
    zoom = page.eval_on_selector("#net", "el => el._cy.zoom()")
    box = page.locator("#net").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    page.wait_for_function("z => document.querySelector('#net')._cy.zoom() > z", arg=zoom)
    page.click("#net + .kg-network-tools .kg-network-fit")
    assert page.eval_on_selector("#net", "el => el._cy.zoom()") == pytest.approx(zoom)


def test_network_has_a_text_alternative(harness):
    page, _ = harness
    label = page.get_attribute("#net", "aria-label")
    assert page.get_attribute("#net", "role") == "img"
    assert label.startswith("Network of 6 persons and 6 ties; highest KOL scores: person 5, ")
    assert page.locator(".kg-network-tools").count() == 1          # only for the drawn view


def test_chart_is_drawn_from_its_json_and_a_bad_config_is_reported(harness):
    page, log = harness
    chart = page.eval_on_selector(
        "#chart", "c => ({type: c._chart.config.type, labels: c._chart.data.labels,"
                  " data: c._chart.data.datasets[0].data})")
    assert chart == {"type": "bar", "labels": CHART["data"]["labels"], "data": [3, 5, 1]}
    page.wait_for_selector("#bad-chart[data-state=error]", state="attached")
    assert "unknown chart type" in page.inner_text(".kg-chart-message")
    assert page.locator("b").count() == 0
    assert log.csp_violations() == []


def _column(page: object, index: int) -> list[str]:
    return page.eval_on_selector_all(
        "#t tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent)")


def test_sortable_headers_sort_numbers_and_text(harness):
    page, _ = harness
    score = page.locator("#t th").nth(1)
    score.click()
    assert _column(page, 1) == ["9.5", "10", "1,200"]
    assert score.get_attribute("aria-sort") == "ascending"
    score.click()
    assert _column(page, 1) == ["1,200", "10", "9.5"]
    page.locator("#t th").nth(0).focus()
    page.keyboard.press("Enter")
    assert _column(page, 0) == ["a", "b", "c"]
    assert score.get_attribute("aria-sort") is None
    with page.expect_navigation():
        page.locator("#t th a").click()                              # link headers: the server's
    assert page.url.endswith("/server-sort")


def test_filter_select_submits_the_form(harness):
    page, _ = harness
    with page.expect_navigation():
        page.select_option("#leaderboard-filters select[name=community]", "2")
    assert page.url == f"{ORIGIN}/leaderboard?community=2"


def test_dangerous_form_asks_first(harness, chromium):
    page, log = harness
    page.click("#danger button")                                     # dismissed: stays
    assert log.dialogs == ["confirm: Delete everything?"]
    assert page.url == f"{ORIGIN}/"
    context, page, log = _load(chromium, accept_dialogs=True)
    try:
        with page.expect_navigation():
            page.click("#danger button")                             # accepted: posts
        assert log.dialogs == ["confirm: Delete everything?"]
        assert urlsplit(page.url).path == "/danger"
    finally:
        context.close()
