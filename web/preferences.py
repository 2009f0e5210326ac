"""The user's preferences (``/preferences``): UI language and time zone, kept in their profile
(``UserStore.set_preferences``). The language switch of the page header posts here too; before
log-in the chosen language is kept in the session only."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from web.context import get_context
from web.errors import ParameterError
from web.i18n import LANGUAGE_NAMES
from web.security import current_user, requires
from web.translate import gettext as _
from web.users import DEFAULT_TIMEZONE, LANGUAGES, UserError

bp = Blueprint("preferences", __name__)

#: the time zones offered in the form (any IANA name is accepted)
TIMEZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo",
             "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC")


def _back(target: str | None) -> str:
    """A local path to go back to (never another site)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) \
            or urlsplit(target).netloc or any(c in target for c in "\r\n\t"):
        return url_for("pages.overview")
    return target


@bp.route("/language", methods=["POST"])
def language() -> Response:
    """POST ``language`` (``zh_Hans`` or ``en``) and ``next``: switch the UI language (kept in
    the profile of a logged-in user) and go back to ``next``."""
    chosen = request.form.get("language", "")
    if chosen not in LANGUAGES:
        raise ParameterError("language", _("one of %(choices)s; got %(value)r",
                                           choices=", ".join(LANGUAGES), value=chosen))
    user = current_user()
    if user is not None:
        get_context().users.set_preferences(user.name, language=chosen)
    session["language"] = chosen
    return redirect(_back(request.form.get("next")), code=303)


@bp.route("/preferences", methods=["GET", "POST"])
@requires("viewer")
def preferences() -> Response | str | tuple[str, int]:
    """GET: the form. POST ``language`` and ``timezone`` (an IANA name): keep them."""
    user = current_user()
    assert user is not None
    error = None
    if request.method == "POST":
        try:
            get_context().users.set_preferences(
                user.name, language=request.form.get("language") or None,
                timezone=request.form.get("timezone", "").strip() or None)
        except UserError as exc:
            error = _("parameter %(name)s: %(message)s", name=exc.param, message=exc.message)
        else:
            if request.form.get("language") in LANGUAGES:
                session["language"] = request.form["language"]
            flash(_("Preferences saved"))
            return redirect(url_for("preferences.preferences"), code=303)
    page = render_template("preferences.html", languages=LANGUAGE_NAMES, timezones=TIMEZONES,
                           language=user.language, timezone=user.timezone or DEFAULT_TIMEZONE,
                           error=error)
    return (page, 400) if error else page
