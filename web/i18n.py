"""The web app's languages, time zones and locale-aware formatting (Flask-Babel).

Texts are gettext messages: ``_()`` in Python and templates, catalogues in
``web/translations/<locale>/LC_MESSAGES/messages.po`` (compiled ``.mo`` committed next to them;
``tests/web/test_web_i18n.py`` fails when one is out of date or a message lacks its Chinese).

The locale of a request: the language the user chose (the switch in the page header, kept in
their profile; before log-in, in the session), else the browser's ``Accept-Language``, else
简体中文. The time zone: the user's profile, else ``Asia/Shanghai``.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any

from babel.numbers import format_compact_decimal, format_decimal
from flask import Flask, g, request, session
from flask_babel import Babel, format_datetime, get_timezone

from web.security import current_user
from web.translate import catalogue, gettext, lazy_gettext, locale_name
from web.users import DEFAULT_TIMEZONE, LANGUAGES

#: each UI language with its name in itself, for the switch
LANGUAGE_NAMES = {"zh_Hans": "简体中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_Hans"
_ACCEPT = {"zh": "zh_Hans", "zh_Hans": "zh_Hans", "zh_CN": "zh_Hans", "zh_SG": "zh_Hans",
           "en": "en"}


def language_of(accept_language: str | None) -> str:
    """The UI language for an ``Accept-Language`` header: the first of its languages that
    kolgraph speaks (any Chinese -> ``zh_Hans``), else ``DEFAULT_LANGUAGE``.

    >>> language_of("en-US,en;q=0.9"), language_of("zh-CN,zh;q=0.9"), language_of("fr")
    ('en', 'zh_Hans', 'zh_Hans')
    """
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    accept = parse_accept_header(accept_language or "", LanguageAccept)
    for value, _quality in accept:
        tag = value.replace("-", "_")
        if tag in _ACCEPT:
            return _ACCEPT[tag]
        primary = tag.split("_")[0].lower()
        if primary in _ACCEPT:
            return _ACCEPT[primary]
    return DEFAULT_LANGUAGE


def select_locale() -> str:
    """The locale of this request (see the module docstring)."""
    user = current_user() if "user" in g else None
    if user is not None and user.language in LANGUAGES:
        return user.language
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return str(chosen)
    return language_of(request.headers.get("Accept-Language"))


def select_timezone() -> str:
    """The user's time zone, else ``DEFAULT_TIMEZONE``."""
    user = current_user() if "user" in g else None
    return (user.timezone if user is not None and user.timezone else DEFAULT_TIMEZONE)


def locale_key() -> tuple[str, str]:
    """What a rendered page depends on beyond its data: (locale, time zone)."""
    return locale_name(), str(get_timezone())


def html_lang() -> str:
    """``<html lang>`` of the locale: ``zh-Hans`` or ``en``."""
    return locale_name().replace("_", "-")


# -------------------------------------------------------------------------- formatting
def num(value: Any, digits: int = 4) -> str:
    """A number for a table cell in the locale's style: integers grouped (``12,345``),
    floats with ``digits`` decimals (significant digits below 0.001); text unchanged."""
    return number_in(value, digits, locale_name())


def number_in(value: Any, digits: int, locale: str) -> str:
    """``num`` in ``locale`` (``locale_name()``'s text): for builders of many cells, which
    look the locale up once."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if value != value:
        return ""
    if isinstance(value, float) and abs(value) < 1e-3 and value:
        return f"{value:,.{digits}g}"
    if not _plain_grouping(locale) or (isinstance(value, float) and math.isinf(value)):
        pattern = None if isinstance(value, int) else "#,##0." + "0" * digits
        return format_decimal(value, format=pattern, locale=locale)
    if isinstance(value, int):
        return f"{value:,}"
    # Babel's rounding: the shortest decimal text of the float, half to even
    return f"{Decimal(str(value)).quantize(_quantum(digits), rounding=ROUND_HALF_EVEN):,}"


@cache
def _quantum(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)


@cache
def _plain_grouping(locale: str) -> bool:
    """Whether ``locale`` writes numbers as Python's ``,`` format does (groups of three,
    ``,`` and ``.``, ``-``): then ``num`` formats them without Babel (some 30× faster), else
    through Babel."""
    probes = (-1234567, 0, 987654321)
    return all(format_decimal(n, locale=locale) == f"{n:,}" for n in probes) and all(
        format_decimal(x, format="#,##0.0000", locale=locale) == f"{x:,.4f}"
        for x in (-1234567.25, 0.5, 12345.125))


def compact(value: Any) -> str:
    """A large count the way the locale says it: ``1.2万`` / ``3.4亿`` in Chinese, ``12K`` /
    ``1.2M`` in English; below 10,000 the plain grouped number."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if abs(value) < 10_000:
        return num(int(value)) if float(value).is_integer() else num(value, 1)
    return format_compact_decimal(value, locale=locale_name(), fraction_digits=1)


def percent(value: Any) -> str:
    """A probability as a percentage for a table cell: ``4.8%``, ``0.03%``, ``<0.01%``."""
    if value is None or value != value:
        return ""
    pct = float(value) * 100.0
    if pct == 0.0 or pct >= 0.01:
        return f"{pct:.2f}%" if pct < 1 else f"{pct:.1f}%"
    return "<0.01%"


def when(value: Any) -> str:
    """A stored UTC time (ISO-8601 text such as ``2026-11-22T08:00:00Z``, a ``datetime`` or
    epoch seconds) in the user's time zone and the locale's style; text it cannot read as a
    time is shown as it is, ``None`` as nothing."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        stamp = dt.datetime.fromtimestamp(float(value), dt.UTC)
    else:
        try:
            stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return format_datetime(stamp, "yyyy-MM-dd HH:mm")


def install(app: Flask) -> None:
    """Flask-Babel on ``app`` (catalogues in ``web/translations``) and the template helpers:
    filters ``num``, ``compact``, ``percent``, ``when``; globals ``html_lang``,
    ``language_names``, ``term``, ``current_locale``."""
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone,
          default_translation_directories="translations", default_domain="messages")
    # Flask-Babel's template callables look the catalogue up on every call: these keep it
    # for the request (web.translate)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n), newstyle=True,
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n))
    app.jinja_env.filters.update(num=num, compact=compact, percent=percent, when=when)
    app.jinja_env.globals.update(html_lang=html_lang, language_names=LANGUAGE_NAMES, term=term,
                                 current_locale=locale_name)


# Codes shown on the pages (roles, run kinds and statuses, metric and strategy names): the
# msgid is the code itself, so English pages keep it and the Chinese catalogue names it.
TERMS = {code: text for code, text in (
    ("viewer", lazy_gettext("viewer")), ("analyst", lazy_gettext("analyst")),
    ("admin", lazy_gettext("admin")),
    ("ingest", lazy_gettext("ingest")), ("analyze", lazy_gettext("analyze")),
    ("refresh", lazy_gettext("refresh")), ("train", lazy_gettext("train")),
    ("running", lazy_gettext("running")), ("complete", lazy_gettext("complete")),
    ("failed", lazy_gettext("failed")), ("interrupted", lazy_gettext("interrupted")),
    ("kol_rank", lazy_gettext("kol_rank")), ("community_rank", lazy_gettext("community_rank")),
    ("kol_score", lazy_gettext("kol_score")), ("pagerank", lazy_gettext("pagerank")),
    ("in_strength", lazy_gettext("in_strength")), ("reach", lazy_gettext("reach")),
    ("engagement_rate", lazy_gettext("engagement_rate")),
    ("betweenness", lazy_gettext("betweenness")),
    ("followers_total", lazy_gettext("followers_total")),
    ("platforms", lazy_gettext("platforms")),
    ("imm", lazy_gettext("IMM influence maximisation")),
    ("top_pagerank", lazy_gettext("top_pagerank")),
    ("top_followers", lazy_gettext("top_followers")), ("celf", lazy_gettext("CELF greedy")),
    # diffusion models of the seeds page (graph/analytics/diffusion.py)
    ("ic", lazy_gettext("independent cascade")), ("lt", lazy_gettext("linear threshold")),
    # recommendation tasks, evaluation splits and the recommenders (gnn/recommend.py)
    ("people", lazy_gettext("people")), ("content", lazy_gettext("content")),
    ("val", lazy_gettext("validation")), ("test", lazy_gettext("test")),
    ("learned_ranker", lazy_gettext("learned ranker")),
    ("graphsage", lazy_gettext("GraphSAGE similarity")),
    ("common_neighbours", lazy_gettext("common neighbours")),
    ("adamic_adar", lazy_gettext("Adamic-Adar index")),
    ("resource_allocation", lazy_gettext("resource allocation")),
    ("preferential_attachment", lazy_gettext("preferential attachment")),
    ("personalized_pagerank", lazy_gettext("personalized PageRank")),
    ("popularity", lazy_gettext("popularity")),
    ("community_popularity", lazy_gettext("popular in the community")),
    ("contacts_engaged", lazy_gettext("contacts who engaged")),
    ("connections_engaged", lazy_gettext("connections who engaged")),
    ("item_cf", lazy_gettext("item-based collaborative filtering")),
    # campaigns: statuses and the actions of the audit trail (kolgraph/usecases/campaigns.py)
    ("draft", lazy_gettext("draft")), ("launched", lazy_gettext("launched")),
    ("closed", lazy_gettext("closed")), ("create", lazy_gettext("campaign created")),
    ("update", lazy_gettext("changed")), ("status", lazy_gettext("status changed")),
    ("select", lazy_gettext("KOLs added")), ("deselect", lazy_gettext("KOLs removed")),
    ("delete", lazy_gettext("deleted")), ("webhook", lazy_gettext("webhook delivery")),
    # attribution rules (graph/analytics/attribution.py)
    ("last_touch", lazy_gettext("last touch")), ("first_touch", lazy_gettext("first touch")),
    ("linear", lazy_gettext("linear (shared equally)")),
)}


def recommender_name(label: object) -> str:
    """A recommender as stored in a refresh run's ``metrics.recommender`` or a model's
    record (``model:<model id>:<strategy>`` or a heuristic's name) in the request's
    language: ``learned ranker (model train-…)``, ``personalized PageRank``."""
    text = "" if label is None else str(label)
    if text.startswith("model:") and text.count(":") >= 2:
        _prefix, model, strategy = text.split(":", 2)
        return str(gettext("%(method)s (model %(model)s)", method=term(strategy), model=model))
    return term(text)


def recommenders_text(recommenders: object) -> str:
    """``{task: recommender}`` (a refresh run's ``metrics.recommender``) as one line in the
    request's language, e.g. ``people: learned ranker (model …); content: popularity``;
    ``""`` when it is not a mapping."""
    if not isinstance(recommenders, dict):
        return ""
    return str(gettext("; ")).join(
        str(gettext("%(task)s: %(method)s", task=term(task), method=recommender_name(label)))
        for task, label in recommenders.items())


def term(code: object) -> str:
    """A code shown on a page (``analyze``, ``complete``, ``kol_score``...) in the request's
    language; an unknown code as it is."""
    text = TERMS.get(str(code))
    return str(text) if text is not None else ("" if code is None else str(code))


#: The stages of a seed plan computed in the background (``web.seed_jobs.STAGES``).
SEED_STAGES = {code: text for code, text in (
    ("queued", lazy_gettext("waiting for another plan to finish")),
    ("loading", lazy_gettext("reading the graph")),
    ("sampling", lazy_gettext("sampling reverse reachable sets")),
    ("selecting", lazy_gettext("choosing the seeds")),
    ("simulating", lazy_gettext("simulating cascades")),
    ("celf", lazy_gettext("running the CELF baseline")),
    ("done", lazy_gettext("done")),
)}


def seed_stage(code: str) -> str:
    """A seed plan's stage (``web.seed_jobs.STAGES``) in the request's language; an unknown
    stage as it is."""
    text = SEED_STAGES.get(code)
    return str(text) if text is not None else code
