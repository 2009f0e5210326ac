"""Page rendering with the data-only part cached: the ``title`` and ``content`` blocks of a
page depend only on the URL and on the current runs, never on the user (the header with the
user's name, role links and CSRF token is outside them), so they are kept per (URL, current
ingest/analyze/refresh run, locale and time zone) and a repeated page costs one dictionary
look-up plus the shell."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app, render_template, request
from markupsafe import Markup

from web.context import CURRENT_KINDS, current_run_id, get_context
from web.i18n import locale_key

Context = Callable[[], dict[str, Any]]


def run_key() -> tuple[str | None, ...]:
    """The ids of the current ingest, analyze and refresh runs."""
    return tuple(current_run_id(kind) for kind in CURRENT_KINDS)


def _blocks(name: str, values: dict[str, Any]) -> dict[str, Markup]:
    template = current_app.jinja_env.get_template(name)
    current_app.update_template_context(values)
    jinja_context = template.new_context(values)
    return {block: Markup("".join(template.blocks[block](jinja_context)))
            for block in ("title", "content")}


def render_page(name: str, make_context: Context, *, version: Hashable = None,
                after: Markup | None = None) -> str:
    """``name`` rendered in the page shell; ``make_context`` (the page's data) runs only when
    the blocks are not cached yet. Errors it raises (404, 400) are not cached. ``version``:
    what else the blocks depend on (part of the cache key, e.g. names an admin can change
    between runs); ``after``: HTML shown after the cached content, made for this request
    (per-user parts such as a form with the session's CSRF token)."""
    key = ("page", name, request.full_path, run_key(), locale_key(), version)
    parts = get_context().pages.get(key, lambda: _blocks(name, make_context()))
    return render_template("page.html", after=after, **parts)
