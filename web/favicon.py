"""``/favicon.ico``: the site icon where browsers and crawlers look for it without reading
the page (the pages link ``static/favicon.svg``, with PNG fallbacks). Public, like the
static files: it holds no data."""

from __future__ import annotations

from flask import Blueprint, current_app
from werkzeug.wrappers import Response

bp = Blueprint("favicon", __name__)


@bp.route("/favicon.ico")
def favicon() -> Response:
    """The ICO (16, 32 and 48 px PNG images) from ``web/static/favicon.ico``."""
    return current_app.send_static_file("favicon.ico")
