"""Template URLs remembered per app (``web.urls``) are Flask's ``url_for``."""

from __future__ import annotations

from flask import Flask, url_for

from web.context import get_context
from web.urls import template_url_for


def test_remembered_urls_are_flasks_and_those_with_parameters_are_not_kept(web_app: Flask):
    calls = [("static", {"filename": "css/app.css"}), ("pages.overview", {}),
             ("pages.influencers", {}), ("pages.influencers", {"page": 2, "platform": "B站"}),
             ("pages.community", {"community_id": 3}), ("static", {"filename": "js/app.js"})]
    for root in ("", "/kolgraph"):
        with web_app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for endpoint, values in calls:
                assert template_url_for(endpoint, **values) == url_for(endpoint, **values)
                assert template_url_for(endpoint, **values) == url_for(endpoint, **values)
            assert template_url_for("static", filename="js/app.js").startswith(root + "/")
    with web_app.app_context():
        kept = get_context().urls
        assert ("/kolgraph", "static", "css/app.css") in kept
        assert not any(endpoint == "pages.community" for _root, endpoint, _f in kept)
