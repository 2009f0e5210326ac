"""The cache warm-up of a serving app (``web.warmup``): what it reads in one pass (every
community's members, every person's conversions and row, the KOLs' embeddings) gives the pages
exactly what they read piecemeal without it, and a request that sees other current runs
warms again."""

from __future__ import annotations

import re
import time

from flask import Flask

from tests.web.conftest import EnglishClient, WebSample, log_in
from web import warmup
from web.context import get_context

CSRF = re.compile(r'(name="csrf_token"\s+value="|name="csrf-token" content=")[^"]+')


def _warmed_app(web_sample: WebSample) -> tuple[Flask, warmup.Warmer]:
    from web.app import create_app

    app = create_app(web_sample.settings, web_sample.store, cookie_secure=False)
    app.config["LOGIN_RATE_LIMIT"] = 1000
    app.test_client_class = EnglishClient
    warmer = warmup.install(app)
    _wait(warmer)
    return app, warmer


def _wait(warmer: warmup.Warmer) -> None:
    deadline = time.monotonic() + 300
    while warmer.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not warmer.running, "the warm-up did not finish in 300 s"


def _page(app: Flask, web_sample: WebSample, path: str) -> str:
    client = app.test_client()
    log_in(client, web_sample.users["viewer"], web_sample.passwords["viewer"])
    response = client.get(path)
    assert response.status_code == 200, path
    return CSRF.sub(r"\1X", response.get_data(as_text=True))


def test_warmed_pages_equal_the_pages_read_piecemeal(web_app: Flask, web_sample: WebSample):
    warmed, _warmer = _warmed_app(web_sample)
    with warmed.app_context():
        cache = get_context().cache
        assert any(key[0] == "all_members" for key in cache._items)
        assert any(key[0] == "all_conversions" for key in cache._items)
        assert len(get_context().lookalikes._items) == 1
        assert len(get_context().person_rows._items) == 1
    paths = ["/influencers", "/influencers?page=2", f"/communities/{web_sample.community_id}",
             f"/communities/{web_sample.community_id}?page=2",
             f"/persons/{web_sample.top_person_id}"]
    with web_app.app_context():  # the shared app of the other tests: never warmed
        assert not any(key[0] in ("all_members", "all_conversions")
                       for key in get_context().cache._items)
        assert not get_context().person_rows._items
    for path in paths:
        assert _page(warmed, web_sample, path) == _page(web_app, web_sample, path), path


def test_a_request_that_sees_other_runs_warms_again(web_sample: WebSample):
    app, warmer = _warmed_app(web_sample)
    assert warmer.warmed == "server start"
    _page(app, web_sample, "/")  # the first request reads the current runs: warmed for them
    _wait(warmer)
    current = warmer.warmed
    assert current != "server start" and dict(current)["analyze"][0]
    _page(app, web_sample, "/influencers")
    _wait(warmer)
    assert warmer.warmed == current  # same runs: nothing to do
