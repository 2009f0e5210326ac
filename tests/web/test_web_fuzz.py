"""Fuzz test of the JSON API: every route under ``/api/`` of the app's ``url_map``, with
arbitrary path segments, query strings and bodies (NUL bytes, lone surrogates and invalid
UTF-8 as %-escaped bytes, huge numbers, deeply nested JSON), as a viewer and as an admin, on
the real app over the loaded embedded database of ``tests/web/conftest.py``.

No answer may be a 500, and every error is a JSON error object. The example budget is fixed
and derandomized (``EXAMPLES`` per route), so the run is the same every time.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import csrf_token, log_in
from web import api

EXAMPLES = 40
FUZZ_ROLES = ("viewer", "admin")
PARAMETER_NAMES = ("page", "sort", "q", "select", "k", "community", "platform", "topic",
                   "kind", "limit", "metric", "next")
_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def _api_rules() -> list[tuple[str, str]]:
    """``(rule, method)`` of every API route (the API blueprint alone: no store needed)."""
    app = Flask(__name__)
    app.register_blueprint(api.bp)
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/api/")
                  for method in (rule.methods or set()) - {"HEAD", "OPTIONS"})


API_RULES = _api_rules()

# --------------------------------------------------------------------------- strategies
_HOSTILE = st.sampled_from([
    "\x00", "a\x00b", "\ud800", "\udfff", "NaN", "inf", "-1", "1e999", "9" * 5000,
    "-" + "9" * 40, "0x10", " ", "%", "'; MATCH (n) DETACH DELETE n //", "${x}", "..",
    "<script>", "\u202e", "\uffff", "𝔘", "null", "[]", "{}"])
_BYTES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"\x00", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xff\xfe", b"\xc0\x80",
                     b"\xf4\x90\x80\x80", b"%", b"%zz"]),
    st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass")),
    _HOSTILE.map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.integers(min_value=-(10 ** 40), max_value=10 ** 40).map(lambda n: str(n).encode()))


def _escaped(raw: bytes) -> str:
    return quote_from_bytes(raw, safe="")


def _segment(converter: str | None) -> st.SearchStrategy[str]:
    if converter == "int":
        return st.one_of(st.integers(min_value=0, max_value=10 ** 30).map(str),
                         _BYTES.filter(bool).map(_escaped))
    return _BYTES.filter(bool).map(_escaped)


def _path(rule: str) -> st.SearchStrategy[str]:
    parts = _ARGUMENT.split(rule)
    pieces: list[st.SearchStrategy[str]] = []
    for i in range(0, len(parts), 3):
        pieces.append(st.just(parts[i]))
        if i + 2 < len(parts):
            pieces.append(_segment(parts[i + 1]))
    return st.tuples(*pieces).map("".join)


_QUERY = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMETER_NAMES), _BYTES).map(
        lambda k: k if isinstance(k, str) else _escaped(k)), _BYTES.map(_escaped)),
    max_size=5).map(lambda pairs: "&".join(f"{quote_from_bytes(k.encode(), safe='%')}={v}"
                                           for k, v in pairs))

_JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), _HOSTILE)
_JSON = st.recursive(_JSON_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
_QUERY_OBJECT = st.fixed_dictionaries({}, optional={
    "cypher": st.one_of(_JSON_LEAF, st.sampled_from(["RETURN 1 AS one", "MATCH (n) RETURN n",
                                                     "RETURN $x"])),
    "name": st.one_of(_JSON_LEAF, st.sampled_from(["top_influencers", "nope"])),
    "params": _JSON,
})


def _dumped(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


_BODY = st.one_of(
    _QUERY_OBJECT.map(_dumped), _JSON.map(_dumped), st.binary(max_size=200),
    st.integers(min_value=1, max_value=200_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=1, max_value=200_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.sampled_from([b"", b"{", b"null", b'{"cypher": "RETURN 1"', b"\xef\xbb\xbf{}"]))
_CONTENT_TYPE = st.sampled_from(["application/json", "application/json; charset=latin-1",
                                 "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x"])


# ----------------------------------------------------------------------------- clients
@pytest.fixture(scope="module")
def fuzz_clients(web_app: Flask, web_sample: Any) -> dict[str, tuple[FlaskClient, str]]:
    """A logged-in client and its CSRF token per role of ``FUZZ_ROLES``."""
    clients = {}
    for role in FUZZ_ROLES:
        client = web_app.test_client()
        log_in(client, web_sample.users[role], web_sample.passwords[role])
        clients[role] = (client, csrf_token(client, "/"))
    return clients


def test_the_fuzzed_routes_are_every_api_route_of_the_app(web_app):
    served = sorted((rule.rule, method) for rule in web_app.url_map.iter_rules()
                    if rule.rule.startswith("/api/")
                    for method in (rule.methods or set()) - {"HEAD", "OPTIONS"})
    assert served == API_RULES and len(API_RULES) >= 20


@pytest.mark.parametrize(("rule", "method"), API_RULES)
def test_no_api_route_answers_500(fuzz_clients, rule, method):
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(role=st.sampled_from(FUZZ_ROLES), path=_path(rule), query=_QUERY, body=_BODY,
           content_type=_CONTENT_TYPE, with_csrf=st.booleans())
    def fuzz(role: str, path: str, query: str, body: bytes, content_type: str,
             with_csrf: bool) -> None:
        client, token = fuzz_clients[role]
        headers = {"X-CSRF-Token": token} if with_csrf or method == "GET" else {}
        url = f"{path}?{query}" if query else path
        if method == "GET":
            response = client.open(url, method=method, headers=headers)
        else:
            response = client.open(url, method=method, data=body, headers=headers,
                                   content_type=content_type)
        status = response.status_code
        assert status < 500, (method, url, body[:200], response.get_data(as_text=True)[:500])
        if status >= 400:
            error = response.get_json(silent=True)
            assert isinstance(error, dict) and error.get("status") == status, (
                method, url, response.get_data(as_text=True)[:300])

    fuzz()
