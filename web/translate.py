"""Translations and the locale looked up once per request.

Flask-Babel's ``gettext`` and ``get_locale`` find the request's locale and catalogue again on
every call (about 20 µs, through several context look-ups); a leaderboard page makes some 500
such calls. These functions keep both on the request's ``g`` after the first call and
otherwise behave like Flask-Babel's (same catalogues, same ``%(name)s`` formatting); outside
a request they fall back to Flask-Babel. This module imports nothing of ``web`` so that any
of its modules can use it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from babel.support import NullTranslations
from flask import g
from flask_babel import get_domain
from flask_babel import get_locale as _babel_locale
from flask_babel.speaklater import LazyString

_CATALOGUE = "_kolgraph_catalogue"
_LOCALE = "_kolgraph_locale"
_T = TypeVar("_T")


def per_request(key: str, make: Callable[[], _T]) -> _T:
    """What ``make`` gives, made once per request and kept on ``g`` under ``key``; made
    afresh each call outside an application context (nothing to keep it on)."""
    try:
        found: _T = getattr(g, key)
        return found
    except AttributeError:
        found = make()
        setattr(g, key, found)
        return found
    except RuntimeError:
        return make()


def catalogue() -> NullTranslations:
    """The gettext catalogue of the request's locale (Flask-Babel's, kept on ``g``)."""
    return per_request(_CATALOGUE, lambda: get_domain().get_translations())


def locale_name() -> str:
    """The request's locale as text (``zh_Hans``, ``en``), kept on ``g``; ``""`` outside an
    application context."""
    try:
        return str(getattr(g, _LOCALE))
    except AttributeError:
        name = str(_babel_locale() or "")
        setattr(g, _LOCALE, name)
        return name
    except RuntimeError:
        return ""


def gettext(string: str, **variables: Any) -> str:
    """``string`` translated into the request's language, ``%(name)s`` placeholders filled
    from ``variables`` (Flask-Babel's ``gettext``)."""
    text = catalogue().ugettext(string)
    return text if not variables else text % variables


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for ``num`` in the request's language; ``%(num)s`` and
    ``variables`` filled in (Flask-Babel's ``ngettext``)."""
    variables.setdefault("num", num)
    return catalogue().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """``gettext`` deferred until the text is used (for module-level labels)."""
    return LazyString(gettext, string, **variables)
