"""Log-in and log-out (``/login``, ``/logout``): a session cookie per user, rate-limited
failures per account and per client address (``web.limiter``); log-out ends the session
server-side (``web.security``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response as BaseResponse

from web.context import get_context
from web.limiter import account_key, address_key
from web.security import end_session, requires, start_session
from web.translate import gettext as _

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


def _refused(retry_after: int, what: str) -> TooManyRequests:
    """The 429 of a throttled log-in, with ``Retry-After``."""
    return TooManyRequests(_("too many failed log-ins %(what)s; try again in %(seconds)s s",
                             what=what, seconds=retry_after), retry_after=retry_after)


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | str | tuple[str, int]:
    """GET: the form. POST ``username``, ``password``, ``csrf_token``: log in and go to
    ``next``; a wrong password shows the form again (401). Failed log-ins are counted per
    account and per client address (``web.limiter``); past ``LOGIN_RATE_LIMIT`` of either
    the answer is 429 with ``Retry-After``, before the password is checked."""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=next_url, error=None)
    ctx = get_context()
    name = request.form.get("username", "")
    account, address = account_key(name), address_key(request.remote_addr or "?")
    limit = int(current_app.config["LOGIN_RATE_LIMIT"])
    for key, what in ((address, _("from this address")), (account, _("for this account"))):
        wait = ctx.limiter.retry_after(key, limit)
        if wait is not None:
            raise _refused(wait, what)
    user = ctx.users.check_password(name, request.form.get("password", ""))
    if user is None:
        ctx.limiter.failed((account, address))
        return render_template("login.html", next=next_url,
                               error=_("wrong user name or password")), 401
    ctx.limiter.succeeded(account)
    start_session(user)
    return redirect(next_url, code=303)


@bp.route("/logout", methods=["POST"])
@requires("viewer")
def logout() -> BaseResponse:
    """POST (with the CSRF token): end the session (every copy of its cookie)."""
    end_session()
    return redirect("/login", code=303)
