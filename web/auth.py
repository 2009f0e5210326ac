"""Log-in and log-out (``/login``, ``/logout``): a session cookie per user, rate-limited
failures per client address."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response as BaseResponse

from web.context import get_context
from web.security import csrf_token, requires

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a local path may be a redirect target (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/")
            or target.startswith(("//", "/\\")) or any(c in target for c in "\r\n\t")):
        return "/"
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | str | tuple[str, int]:
    """GET: the form. POST ``username``, ``password``, ``csrf_token``: log in and go to
    ``next``; a wrong password shows the form again (401)."""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=next_url, error=None)
    ctx = get_context()
    client = request.remote_addr or "?"
    if ctx.limiter.blocked(client, int(current_app.config["LOGIN_RATE_LIMIT"])):
        raise TooManyRequests("too many failed log-ins from this address; wait a few minutes")
    user = ctx.users.check_password(request.form.get("username", ""),
                                    request.form.get("password", ""))
    if user is None:
        ctx.limiter.failed(client)
        return render_template("login.html", next=next_url,
                               error="wrong user name or password"), 401
    ctx.limiter.succeeded(client)
    session.clear()
    session.permanent = True
    session["user"] = user.name
    csrf_token()
    return redirect(next_url, code=303)


@bp.route("/logout", methods=["POST"])
@requires("viewer")
def logout() -> BaseResponse:
    """POST (with the CSRF token): end the session."""
    session.clear()
    return redirect("/login", code=303)
