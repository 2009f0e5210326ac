"""``url_for`` for templates, remembered for the URLs that depend on nothing of the request
but its script root: static files and pages without parameters. The page shell alone builds
two dozen of them per request (about 15 µs each through Werkzeug's router)."""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from web.context import get_context


def template_url_for(endpoint: str, **values: Any) -> str:
    """``flask.url_for(endpoint, **values)``; kept per app (``WebContext.urls``) when
    ``values`` is empty or, for ``static``, only a ``filename``."""
    if values and not (endpoint == "static" and values.keys() == {"filename"}):
        return url_for(endpoint, **values)
    key = (request.script_root, endpoint, values.get("filename"))
    urls = get_context().urls
    found = urls.get(key)
    if found is None:
        found = urls[key] = url_for(endpoint, **values)
    return found
