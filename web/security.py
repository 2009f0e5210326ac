"""Security plumbing of the web app: the secret key, CSRF tokens, the current user (session or
bearer token), role checks and the response security headers (log-in rate limiting is
``web.limiter``)."""

from __future__ import annotations

import functools
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, g, request, session

from web.context import get_context
from web.translate import gettext as _
from web.users import User

F = TypeVar("F", bound=Callable[..., Any])

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def secret_key(configured: str | None, home: Path) -> str:
    """``configured`` when set, else the key in ``home/web/secret_key`` (created once, mode
    0600)."""
    if configured:
        return configured
    path = Path(home) / "web" / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return key


# ---------------------------------------------------------------------------- CSRF
def csrf_token() -> str:
    """The CSRF token of this session (created on first use); put it in every form."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    return bool(expected) and hmac.compare_digest(str(expected), str(given))


def check_csrf() -> None:
    """Refuse (400) an unsafe request made with the session cookie and without the token.

    Requests authenticated by a bearer token carry no cookie, so a forged cross-site request
    cannot use them; they need no CSRF token."""
    if request.method in UNSAFE_METHODS and g.get("auth") != "token" and not _csrf_ok():
        if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            abort(400, description=_("missing CSRF token: the browser sent no session cookie. "
                                     "Over plain http the Secure cookie is dropped: serve over "
                                     "https, or turn the cookie's Secure flag off "
                                     "(KOLGRAPH_COOKIE_SECURE=0)"))
        abort(400, description=_("missing or wrong CSRF token; reload the form and try again"))


# --------------------------------------------------------------------------- users
def load_user() -> None:
    """Set ``g.user`` (or ``None``) from a bearer token or the session, and ``g.auth``.

    A session counts only while its id is listed with the users (``UserStore.open_session``):
    log-out, a password change and removing the user end it, whatever copy of the cookie
    is sent later."""
    g.user, g.auth = None, None
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = get_context().users.user_for_token(header[7:].strip())
        if user is None:
            abort(401, description=_("invalid API token"))
        g.user, g.auth = user, "token"
        return
    session_id = session.get("sid")
    if session_id or session.get("user"):
        user = (get_context().users.user_for_session(str(session_id)) if session_id
                else None)
        if user is None or user.name != session.get("user"):
            session.clear()  # logged out, password changed or user removed since
            return
        g.user, g.auth = user, "session"


def start_session(user: User) -> None:
    """Log ``user`` in: a new session (a fresh cookie, its id listed with the users)."""
    session.clear()
    session.permanent = True
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    session["sid"] = get_context().users.open_session(user.name, lifetime)
    session["user"] = user.name
    csrf_token()


def end_session() -> None:
    """Log out: the session's id is no longer listed, so a copy of the cookie is dead too."""
    session_id = session.get("sid")
    if session_id:
        get_context().users.end_session(str(session_id))
    session.clear()


def current_user() -> User | None:
    return g.get("user")


def requires(role: str) -> Callable[[F], F]:
    """Decorator: 401 (API) or a redirect to the log-in page when nobody is logged in, 403
    when the user's role is below ``role``."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                abort(401)
            if not user.can(role):
                abort(403, description=_("this page needs the %(role)s role", role=role))
            return view(*args, **kwargs)

        wrapper.required_role = role  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def add_security_headers(response: Response) -> Response:
    """Every response: CSP without inline scripts, no framing, no sniffing; pages of a
    logged-in user are not cached."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_user() is not None:
        response.headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def install(app: Flask) -> None:
    """Wire the user loading, CSRF check and headers into ``app``."""
    app.before_request(load_user)
    app.before_request(check_csrf)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_user"] = current_user
