"""Roles, log-in, CSRF, escaping, read-only console, error pages, headers and cookies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.conftest import EnglishClient
from web.app import create_app
from web.users import UserStore

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.mark.parametrize("path", ["/console", "/admin/", "/api/v1/queries"])
def test_viewer_gets_403_on_console_and_admin(client_as, path):
    response = client_as("viewer").get(path)
    assert response.status_code == 403


def test_403_page_is_a_page_not_a_trace(client_as):
    html = client_as("viewer").get("/console").get_data(as_text=True)
    assert "403" in html and "Forbidden" in html and "Traceback" not in html


def test_analyst_has_the_console_but_not_admin(client_as):
    client = client_as("analyst")
    assert client.get("/console").status_code == 200
    assert client.get("/admin/").status_code == 403
    assert client_as("admin").get("/admin/").status_code == 200


def test_viewer_cannot_post_to_console_or_admin(client_as):
    client = client_as("viewer")
    token = _csrf(client, "/")
    assert client.post("/console", data={"cypher": "RETURN 1", "csrf_token": token}
                       ).status_code == 403
    assert client.post("/admin/users", data={"action": "add", "name": "x", "role": "admin",
                                             "password": "whatever-long", "csrf_token": token}
                       ).status_code == 403
    assert client.post("/api/v1/query", json={"cypher": "RETURN 1"},
                       headers={"X-CSRF-Token": token}).status_code == 403


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_api_needs_a_session_or_a_token(web_app, web_sample):
    client = web_app.test_client()
    response = client.get("/api/v1/overview")
    assert response.status_code == 401 and response.get_json()["status"] == 401
    token = UserStore.for_home(web_sample.home).new_token(web_sample.users["viewer"])
    ok = client.get("/api/v1/overview", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.get_json()["persons"] > 1000
    bad = client.get("/api/v1/overview", headers={"Authorization": "Bearer kgt_wrong"})
    assert bad.status_code == 401
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me == {"name": web_sample.users["viewer"], "role": "viewer"}


def test_token_role_is_enforced_and_needs_no_csrf(web_app, web_sample):
    users = UserStore.for_home(web_sample.home)
    client = web_app.test_client()
    viewer = {"Authorization": f"Bearer {users.new_token(web_sample.users['viewer'])}"}
    analyst = {"Authorization": f"Bearer {users.new_token(web_sample.users['analyst'])}"}
    assert client.post("/api/v1/query", json={"cypher": "RETURN 1 AS one"},
                       headers=viewer).status_code == 403
    ok = client.post("/api/v1/query", json={"cypher": "RETURN 1 AS one"}, headers=analyst)
    assert ok.status_code == 200 and ok.get_json()["rows"] == [[1]]


def test_forms_without_csrf_token_are_refused(client_as, web_sample):
    anonymous = client_as(None)
    response = anonymous.post("/login", data={"username": web_sample.users["admin"],
                                              "password": web_sample.passwords["admin"]})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert "no session cookie" in response.get_data(as_text=True)
    analyst = client_as("analyst")
    assert analyst.post("/console", data={"cypher": "RETURN 1"}).status_code == 400
    assert analyst.post("/console", data={"cypher": "RETURN 1", "csrf_token": "forged"}
                        ).status_code == 400
    assert analyst.post("/api/v1/query", json={"cypher": "RETURN 1"}).status_code == 400
    admin = client_as("admin")
    assert admin.post("/admin/users", data={"action": "remove",
                                            "name": web_sample.users["viewer"]}
                      ).status_code == 400
    assert admin.post("/logout").status_code == 400


def test_wrong_password_and_open_redirect(client_as, web_sample):
    client = client_as(None)
    token = _csrf(client, "/login")
    wrong = client.post("/login", data={"username": web_sample.users["viewer"],
                                        "password": "not-it", "csrf_token": token})
    assert wrong.status_code == 401
    assert "wrong user name or password" in wrong.get_data(as_text=True)
    ok = client.post("/login", data={"username": web_sample.users["viewer"],
                                     "password": web_sample.passwords["viewer"],
                                     "next": "https://evil.example/", "csrf_token": token})
    assert ok.status_code == 303 and ok.headers["Location"] == "/"


def test_log_out_ends_the_session(client_as):
    client = client_as("viewer")
    token = _csrf(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 302


def test_failed_log_ins_are_rate_limited(web_sample):
    app = create_app(web_sample.settings, web_sample.store, cookie_secure=False)
    app.config["LOGIN_RATE_LIMIT"] = 3
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.18.0.1"  # the counters outlive this app
    token = _csrf(client, "/login")
    codes = [client.post("/login", data={"username": "nobody", "password": "wrong-password",
                                         "csrf_token": token}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_xss_display_name_is_text_in_html(client_as, web_sample):
    client = client_as("viewer")
    pages = [f"/persons/{web_sample.xss_person_id}", "/search?q=xss_probe"]
    person = client.get(f"/api/v1/persons/{web_sample.xss_person_id}").get_json()["person"]
    if person.get("community_id") is not None:
        pages.append(f"/communities/{person['community_id']}?page=1")
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert ESCAPED in html, path
        assert XSS not in html, path


def test_xss_display_name_is_a_json_string(client_as, web_sample):
    client = client_as("viewer")
    response = client.get(f"/api/v1/persons/{web_sample.xss_person_id}")
    assert response.content_type == "application/json"
    assert response.get_json()["person"]["display_name"] == XSS
    network = client.get(f"/api/v1/persons/{web_sample.xss_person_id}/network").get_json()
    assert XSS in [n["label"] for n in network["nodes"]]


@pytest.mark.parametrize("cypher", [
    "CREATE (:Person {person_id: 'intruder'})",
    "MERGE (:Person {person_id: 'intruder'})",
    "MATCH (p:Person) SET p.display_name = 'hacked'",
    "MATCH (p:Person) DETACH DELETE p",
    "MATCH (p:Person) REMOVE p.kol_score",
])
def test_console_cannot_write(client_as, web_sample, cypher):
    client = client_as("analyst")
    before = web_sample.store.node_counts()
    response = client.post("/console", data={"cypher": cypher,
                                             "csrf_token": _csrf(client, "/console")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-kind="read_only"' in html and "read-only" in html
    api = client.post("/api/v1/query", json={"cypher": cypher},
                      headers={"X-CSRF-Token": _csrf(client, "/console")})
    assert api.status_code == 400 and api.get_json()["kind"] == "read_only"
    assert web_sample.store.node_counts() == before
    assert not web_sample.store.read("MATCH (p:Person) WHERE p.display_name = 'hacked' "
                                     "RETURN p LIMIT 1").rows


def test_no_stack_trace_on_a_500(web_sample):
    app = create_app(web_sample.settings, web_sample.store, cookie_secure=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    @app.route("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internal detail")

    client = app.test_client()
    for path in ("/boom", "/api/v1/boom"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "Traceback" not in body and "secret internal detail" not in body
        assert "RuntimeError" not in body


def test_security_headers(client_as):
    response = client_as("viewer").get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " on" + "click=" not in html and "style=" not in html


def test_session_cookie_flags(web_sample):
    for secure in (True, False):
        app = create_app(web_sample.settings, web_sample.store, cookie_secure=secure)
        client = app.test_client()
        response = client.get("/login")
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def test_passwords_are_hashed_in_a_file_outside_the_graph(web_sample):
    path = web_sample.home / "web" / "users.sqlite3"
    raw = path.read_bytes()
    for password in web_sample.passwords.values():
        assert password.encode() not in raw
    assert b"scrypt:" in raw or b"pbkdf2:" in raw
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not web_sample.store.read("MATCH (n) WHERE n.password_hash IS NOT NULL "
                                     "RETURN n LIMIT 1").rows


def test_cached_pages_keep_each_users_header(client_as, web_sample):
    path = f"/communities/{web_sample.community_id}"
    viewer_html = client_as("viewer").get(path).get_data(as_text=True)
    admin_html = client_as("admin").get(path).get_data(as_text=True)
    assert web_sample.users["viewer"] in viewer_html
    assert web_sample.users["admin"] not in viewer_html
    assert web_sample.users["admin"] in admin_html and 'href="/admin/"' in admin_html
    assert 'href="/admin/"' not in viewer_html and 'href="/console"' not in viewer_html
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', h).group(1)
              for h in (viewer_html, admin_html)]
    assert tokens[0] != tokens[1]


def test_console_timeout_is_enforced_by_the_database(web_sample):
    from dataclasses import replace

    from tests.web.conftest import log_in

    settings = replace(web_sample.settings, query_timeout_s=0.2)
    app = create_app(settings, web_sample.store, cookie_secure=False)
    app.test_client_class = EnglishClient
    client = app.test_client()
    log_in(client, web_sample.users["analyst"], web_sample.passwords["analyst"])
    response = client.post("/console", data={
        # row by row (no huge list, which the memory cap stops first)
        "cypher": "UNWIND range(1, 5000) AS x UNWIND range(1, 5000) AS y "
                  "UNWIND range(1, 5000) AS z WITH z WHERE z % 7 = 3 RETURN count(z)",
        "csrf_token": _csrf(client, "/console")})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'data-kind="timeout"' in html
    assert "0.2 s limit" in html


# ------------------------------------------------------------- sessions end for good
def _logged_in(web_app, user, password):
    from tests.web.conftest import log_in

    client = web_app.test_client()
    log_in(client, user, password)
    return client


def _cookie(client):
    cookie = client.get_cookie("kolgraph_session")
    assert cookie is not None
    return cookie.value


def _replay(web_app, client_or_cookie):
    """A fresh client carrying only a captured session cookie (the one a client holds)."""
    value = (client_or_cookie if isinstance(client_or_cookie, str)
             else _cookie(client_or_cookie))
    replay = web_app.test_client()
    replay.set_cookie("kolgraph_session", value)
    return replay


def test_a_session_cookie_captured_before_log_out_is_dead_after(web_app, web_sample):
    client = _logged_in(web_app, web_sample.users["viewer"], web_sample.passwords["viewer"])
    captured = _cookie(client)
    assert _replay(web_app, captured).get("/api/v1/me").status_code == 200
    assert client.post("/logout", data={"csrf_token": _csrf(client, "/")}).status_code == 303
    response = _replay(web_app, captured).get("/api/v1/me")
    assert response.status_code == 401, response.get_json()
    assert _replay(web_app, captured).get("/").status_code == 302


def test_a_password_change_ends_the_users_sessions(web_app, web_sample):
    users = UserStore.for_home(web_sample.home)
    users.add("sess_pw", "viewer", "first-Passw0rd")
    client = _logged_in(web_app, "sess_pw", "first-Passw0rd")
    other_device = _logged_in(web_app, "sess_pw", "first-Passw0rd")
    captured = _cookie(client)
    assert _replay(web_app, captured).get("/api/v1/me").status_code == 200
    users.add("sess_pw", "viewer", "second-Passw0rd")
    assert _replay(web_app, captured).get("/api/v1/me").status_code == 401
    for stale in (client, other_device):
        assert stale.get("/api/v1/me").status_code == 401
    fresh = _logged_in(web_app, "sess_pw", "second-Passw0rd")
    assert fresh.get("/api/v1/me").get_json() == {"name": "sess_pw", "role": "viewer"}


def test_removing_and_re_creating_a_user_does_not_revive_old_cookies(web_app, web_sample):
    users = UserStore.for_home(web_sample.home)
    users.add("sess_rm", "analyst", "same-Passw0rd")
    captured = _cookie(_logged_in(web_app, "sess_rm", "same-Passw0rd"))
    assert _replay(web_app, captured).get("/api/v1/me").status_code == 200
    users.remove("sess_rm")
    assert _replay(web_app, captured).get("/api/v1/me").status_code == 401
    users.add("sess_rm", "analyst", "same-Passw0rd")
    assert _replay(web_app, captured).get("/api/v1/me").status_code == 401
    assert _replay(web_app, captured).get("/console").status_code == 302


def test_log_out_ends_only_that_session(web_app, web_sample):
    users = UserStore.for_home(web_sample.home)
    users.add("sess_two", "viewer", "two-Passw0rd")
    laptop = _logged_in(web_app, "sess_two", "two-Passw0rd")
    phone = _logged_in(web_app, "sess_two", "two-Passw0rd")
    assert laptop.post("/logout", data={"csrf_token": _csrf(laptop, "/")}).status_code == 303
    assert laptop.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 200


# ------------------------------------------------------------------- log-in throttle
def _throttled_app(web_sample, limit=3):
    app = create_app(web_sample.settings, web_sample.store, cookie_secure=False)
    app.config["LOGIN_RATE_LIMIT"] = limit
    app.test_client_class = EnglishClient  # the messages asserted are the English ones
    return app


def _attempt(app, address, user, password):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = _csrf(client, "/login")
    return client.post("/login", data={"username": user, "password": password,
                                       "csrf_token": token})


def test_a_success_as_another_account_does_not_reset_the_failures(web_sample):
    users = UserStore.for_home(web_sample.home)
    users.add("thr_target", "admin", "target-Passw0rd")
    users.add("thr_own", "viewer", "own-Passw0rd")
    app = _throttled_app(web_sample)
    address = "10.18.1.1"
    codes = []
    for _ in range(2):
        codes.append(_attempt(app, address, "thr_target", "guess-guess").status_code)
        codes.append(_attempt(app, address, "thr_own", "own-Passw0rd").status_code)
    codes.append(_attempt(app, address, "thr_target", "guess-guess").status_code)
    blocked = _attempt(app, address, "thr_target", "target-Passw0rd")
    assert codes == [401, 303, 401, 303, 401]
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 300


def test_failed_log_ins_are_counted_per_account_across_addresses(web_sample):
    UserStore.for_home(web_sample.home).add("thr_acct", "admin", "acct-Passw0rd")
    app = _throttled_app(web_sample)
    codes = [_attempt(app, f"10.18.2.{i}", "thr_acct", "guess-guess").status_code
             for i in range(1, 4)]
    blocked = _attempt(app, "10.18.2.9", "thr_acct", "acct-Passw0rd")
    assert codes == [401, 401, 401]
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert "account" in blocked.get_data(as_text=True)
    assert _attempt(app, "10.18.2.9", web_sample.users["viewer"],
                    web_sample.passwords["viewer"]).status_code == 303


def test_failed_log_ins_are_shared_by_every_worker(web_sample):
    workers = [_throttled_app(web_sample), _throttled_app(web_sample)]
    address = "10.18.3.1"
    codes = [_attempt(workers[i % 2], address, f"thr_nobody{i}", "guess-guess").status_code
             for i in range(3)]
    blocked = _attempt(workers[1], address, "thr_nobody9", "guess-guess")
    assert codes == [401, 401, 401]
    assert blocked.status_code == 429 and "address" in blocked.get_data(as_text=True)


# --------------------------------------------------------- malformed requests: 4xx
@pytest.mark.parametrize(("path", "parameter"), [
    ("/api/v1/persons/%00", "person_id"),
    ("/api/v1/persons/a%00b/network", "person_id"),
    ("/api/v1/search?q=%00", "q"),
    ("/api/v1/influencers?select=%00", "select"),
    ("/api/v1/influencers/overlap?select=x%00", "select"),
    ("/api/v1/models/%00/evaluation", "model_id"),
])
def test_a_nul_byte_in_the_api_is_a_400_naming_the_parameter(client_as, path, parameter):
    response = client_as("viewer").get(path)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["parameter"] == parameter and "NUL" in body["message"]


@pytest.mark.parametrize("path", ["/search?q=%00", "/persons/%00",
                                  "/influencers?select=%00"])
def test_a_nul_byte_on_a_page_is_a_400_page(client_as, path):
    response = client_as("viewer").get(path)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


@pytest.mark.parametrize(("body", "parameter"), [
    (b"{", "body"),
    (b"\xff\xfe{}", "body"),
    (b"[" * 100_000 + b"]" * 100_000, "body"),
    (b'{"cypher": "RETURN 1", "x": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", "body"),
    (b'{"name": "top_influencers", "params": {"k": {"a": [1]}}}', "params.k"),
    (b'{"name": "top_influencers", "params": [1, 2]}', "params"),
    (b'{"cypher": ["RETURN 1"]}', "cypher"),
    (b'{"name": 5}', "name"),
    (b'{"cypher": "RETURN 1", "params": {"k": 1e999}}', "params.k"),
])
def test_malformed_query_bodies_are_a_400_naming_the_parameter(client_as, body, parameter):
    client = client_as("analyst")
    response = client.post("/api/v1/query", data=body, content_type="application/json",
                           headers={"X-CSRF-Token": _csrf(client, "/console")})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["parameter"] == parameter


def test_an_oversized_body_is_a_413_json_error(client_as):
    client = client_as("analyst")
    token = _csrf(client, "/console")
    big = b'{"cypher": "' + b"x" * (2 << 20) + b'"}'
    response = client.post("/api/v1/query", data=big, content_type="application/json",
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 413
    assert response.get_json()["status"] == 413
    form = client.post("/console", data={"cypher": "x" * (2 << 20), "csrf_token": token})
    assert form.status_code == 413 and "Traceback" not in form.get_data(as_text=True)


def test_the_log_in_counters_are_seen_by_another_process(tmp_path):
    import subprocess
    import sys

    from web.limiter import LoginLimiter

    path = tmp_path / "logins.sqlite3"
    limiter = LoginLimiter(path)
    script = ("import sys; from pathlib import Path; from web.limiter import LoginLimiter; "
              "LoginLimiter(Path(sys.argv[1])).failed(['account:x', 'address:10.0.0.9'])")
    for _ in range(3):
        subprocess.run([sys.executable, "-c", script, str(path)], check=True,
                       cwd=Path(__file__).resolve().parents[2])
    assert 0 < (limiter.retry_after("address:10.0.0.9", 3) or 0) <= 300
    assert limiter.retry_after("address:10.0.0.9", 4) is None
    assert oct(path.stat().st_mode & 0o777) == "0o600"
