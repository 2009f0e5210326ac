"""Content kinds and engagement types in the request's language (template helpers
``content_kind`` and ``engagement_type``); an unknown code is shown as it is."""

from __future__ import annotations

from web.translate import lazy_gettext

KINDS = {"course": lazy_gettext("course"), "live": lazy_gettext("live session"),
         "audio_column": lazy_gettext("audio column"), "ebook": lazy_gettext("e-book"),
         "article": lazy_gettext("article"), "video": lazy_gettext("video")}
ENGAGEMENT_TYPES = {"view": lazy_gettext("views"), "like": lazy_gettext("likes"),
                    "comment": lazy_gettext("comments"), "share": lazy_gettext("shares"),
                    "purchase": lazy_gettext("purchases"),
                    "subscribe": lazy_gettext("subscriptions")}


def content_kind(code: object) -> str:
    """``course`` -> 课程 / course."""
    text = KINDS.get(str(code))
    return str(text) if text is not None else ("" if code is None else str(code))


def engagement_type(code: object) -> str:
    """``purchase`` -> 购买 / purchases."""
    text = ENGAGEMENT_TYPES.get(str(code))
    return str(text) if text is not None else ("" if code is None else str(code))
