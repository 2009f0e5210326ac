"""The Flask application factory.

``create_app(settings=None, store=None)`` builds the app on the configured (or given) store:
its ``WebContext`` (``web.context``, which every blueprint reads), the security and error
handlers, the template helpers and the blueprints. ``flask --app web.app:create_app run
--debug`` serves it for development only, ``kolgraph serve`` with waitress for everything else.
"""

from __future__ import annotations

import datetime as dt
import os

from flask import Flask

from graph.config import Settings, load_settings
from graph.store import GraphStore, open_store
from web import (
    admin,
    api,
    auth,
    campaigns,
    console,
    content_terms,
    data,
    display,
    errors,
    favicon,
    i18n,
    money,
    pages,
    params,
    partners,
    preferences,
    security,
)
from web.context import WebContext, install
from web.data import person_url
from web.html import leaderboard_rows, member_row, person_badge, select_options, why_cell
from web.params import page_url
from web.urls import template_url_for

BLUEPRINTS = (auth.bp, pages.bp, campaigns.bp, partners.bp, console.bp, admin.bp, api.bp,
              preferences.bp, favicon.bp)


def _env_flag(name: str) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


def create_app(settings: Settings | None = None, store: GraphStore | None = None, *,
               cookie_secure: bool | None = None) -> Flask:
    """The kolgraph web app on ``store`` (default: the store ``settings`` select; settings
    default to the environment). ``cookie_secure`` sets the ``Secure`` flag of the session
    cookie (default: environment ``KOLGRAPH_COOKIE_SECURE``, else on)."""
    settings = settings or load_settings()
    store = store or open_store(settings)
    if cookie_secure is None:
        cookie_secure = _env_flag("KOLGRAPH_COOKIE_SECURE")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=security.secret_key(settings.secret_key, settings.home),
        SESSION_COOKIE_NAME="kolgraph_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True if cookie_secure is None else cookie_secure,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        MAX_CONTENT_LENGTH=1 << 20,
        LOGIN_RATE_LIMIT=10,
        SEEDS_WAIT_S=data.SEEDS_WAIT_S,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    install(app, WebContext.for_store(settings, store))
    app.before_request(partners.allow_large_upload)  # before any check reads the body
    security.install(app)
    app.before_request(params.check_request_values)
    errors.install(app)
    i18n.install(app)
    for helper in (display.platform_name, display.topic_name, i18n.term, i18n.recommender_name,
                   i18n.recommenders_text):
        app.jinja_env.globals[helper.__name__] = helper
        app.jinja_env.filters[helper.__name__] = helper
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["url_for"] = template_url_for
    app.jinja_env.globals["select_options"] = select_options
    app.jinja_env.globals["why_cell"] = why_cell
    app.jinja_env.globals["person_badge_html"] = person_badge
    app.jinja_env.globals["leaderboard_rows"] = leaderboard_rows
    app.jinja_env.globals["member_row"] = member_row
    app.jinja_env.globals["person_url"] = person_url
    app.jinja_env.filters["price"] = money.price
    app.jinja_env.globals["content_kind"] = content_terms.content_kind
    app.jinja_env.globals["engagement_type"] = content_terms.engagement_type
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app

