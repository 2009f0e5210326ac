"""Every route of the app for every role, from the url_map: logged out -> log-in redirect
(pages) or 401 (API); below the route's role -> 403; at or above it -> 200."""

from __future__ import annotations

import itertools
import re

import pytest

from kolgraph.usecases import campaigns, partners
from web.users import ROLE_LEVEL

ROLES = (None, "viewer", "analyst", "admin")
# public by design: the log-in page, the language switch it shows too, and the site icon
SKIP = {"static", "auth.login", "preferences.language", "favicon.favicon"}


def _routes(web_app, methods):
    for rule in web_app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        for method in sorted(rule.methods & methods):
            yield rule, method, getattr(web_app.view_functions[rule.endpoint],
                                        "required_role", None)


#: A job id of the right shape that no job has: its log answers 404 to those allowed to ask.
NO_SUCH_JOB = "analyze-20261203T000000-abcdef"
_names = itertools.count(1)


def _url(rule, web_sample):
    content_key = web_sample.store.scalar(
        "MATCH (c:Content) RETURN c.content_key AS k ORDER BY k LIMIT 1")
    values = {"community_id": web_sample.community_id, "person_id": web_sample.top_person_id,
              "model_id": "current", "content_key": content_key,
              "job_id": NO_SUCH_JOB, "what": "audience", "fmt": "csv"}
    if "campaign_id" in rule.arguments:  # a new one each time: the admin's POST deletes it
        values["campaign_id"] = campaigns.create(web_sample.store, {"name": "routes"}, "test")
    if "partner_id" in rule.arguments:  # the same, for partners
        values["partner_id"] = partners.create(web_sample.store, f"routes {next(_names)}",
                                               user="test")
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(values[name]), path)
    return path


def test_every_route_declares_a_role(web_app):
    missing = [f"{m} {r.rule}" for r, m, role in _routes(web_app, {"GET", "POST"})
               if role is None]
    assert missing == []


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_for_every_role(web_app, web_sample, client_as, role):
    client = client_as(role)
    for rule, _method, required in _routes(web_app, {"GET"}):
        url = _url(rule, web_sample)
        if rule.endpoint in ("pages.seeds", "pages.seeds_status", "api.seeds"):
            url += "?k=2"
        status = client.get(url).status_code
        if role is None:
            expected = 401 if url.startswith("/api/") else 302
        elif ROLE_LEVEL[role] >= ROLE_LEVEL[required]:
            expected = 404 if NO_SUCH_JOB in url else 200
        else:
            expected = 403
        assert status == expected, (role, url)


@pytest.mark.parametrize("role", ROLES)
def test_every_post_route_refuses_lower_roles(web_app, web_sample, client_as, role):
    client = client_as(role)
    page = client.get("/login" if role is None else "/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for rule, _method, required in _routes(web_app, {"POST"}):
        if rule.endpoint == "auth.logout":  # ends the session: tested on its own
            continue
        url = _url(rule, web_sample)
        response = client.post(url, data={"csrf_token": token},
                               headers={"X-CSRF-Token": token})
        if role is None:
            assert response.status_code == (401 if url.startswith("/api/") else 302), url
        elif ROLE_LEVEL[role] < ROLE_LEVEL[required]:
            assert response.status_code == 403, (role, url)
        else:  # allowed: an empty form is a bad request or a redirect, never a 5xx or 403
            assert response.status_code in (200, 303, 400), (role, url, response.status_code)
