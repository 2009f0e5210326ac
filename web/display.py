"""Template helpers showing platform and topic codes by their display names in the request's
language (``web.display_names``, through the app's ``WebContext``)."""

from __future__ import annotations

from web.context import get_context
from web.translate import locale_name


def platform_name(code: object) -> str:
    """``dedao`` -> 得到 (Chinese) / Dedao (English); an unknown code as it is."""
    return get_context().names.name("platforms", code, locale_name())


def topic_name(code: object) -> str:
    """``parenting`` -> 育儿 / Parenting; an unknown code as it is."""
    return get_context().names.name("topics", code, locale_name())
