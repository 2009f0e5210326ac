"""Request parameters: every query-string, form and JSON parameter that the pages, the API, the
console and the admin pages read is parsed and checked here, into a dataclass per kind of
request. A missing or invalid value raises ``web.errors.ParameterError`` naming the parameter:
a 400 error page, or the API's JSON error with ``parameter``.

Values checked against what the data holds (platforms, topics, communities) take those
choices as an argument (``web.data.filter_choices()``), so parsing reads nothing itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from flask_babel import get_locale

from graph.analytics.diffusion import MODELS
from graph.store.web_reads import SORT_COLUMNS
from web.charts import RANKING_METRICS
from web.context import get_context
from web.data import COMMUNITY_SORTS, LeaderboardFilters
from web.errors import ParameterError
from web.translate import gettext as _

PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 20
MAX_PAGE = 100_000
SEARCH_CHARS = 200
SELECT_LIMIT = 50
#: Persons a seed plan may name to include, and to exclude (each).
SEED_PERSONS = 200
MAX_QUERY_CHARS = 20_000
MAX_JSON_DEPTH = 32
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
RUN_KINDS = ("ingest", "analyze", "refresh", "train")
USER_ACTIONS = ("add", "remove", "role")

Choices = Mapping[str, Sequence[Any]]


# ---------------------------------------------------------------------- single values
def int_arg(name: str, default: int | None = None, *, low: int | None = None,
            high: int | None = None) -> int | None:
    """Query/form parameter ``name`` as an int in ``[low, high]`` (``default`` when absent or
    empty); without bounds, within the 64-bit integers every store holds."""
    low = INT64_MIN if low is None else low
    high = INT64_MAX if high is None else high
    raw = request.values.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParameterError(name, _("expected an integer, got %(value)r", value=raw)) from None
    if value < low or value > high:
        raise ParameterError(name, _("must be in %(low)s..%(high)s, got %(value)s", low=low,
                                     high=high, value=value))
    return value


def str_arg(name: str, choices: Sequence[str] | None = None,
            default: str | None = None) -> str | None:
    """Query/form parameter ``name`` (``default`` when absent or empty), one of ``choices``
    when given."""
    raw = request.values.get(name, "").strip()
    if raw == "":
        return default
    if choices is not None and raw not in choices:
        shown = ", ".join(list(choices)[:20])
        raise ParameterError(name, _("one of %(choices)s; got %(value)r", choices=shown,
                                     value=raw))
    return raw


def named_arg(name: str, kind: str, codes: Sequence[str]) -> str | None:
    """Query/form parameter ``name`` naming one of ``codes`` of ``kind`` (``platforms``,
    ``topics``): the code itself or its display name in either language (``育儿`` or
    ``Parenting`` for ``parenting``); the code, ``None`` when absent or empty."""
    raw = request.values.get(name, "").strip()
    if raw == "":
        return None
    names = get_context().names
    code = names.code(kind, raw, codes)
    if code is None:
        locale = get_locale()
        shown = ", ".join(f"{names.name(kind, c, locale)} ({c})" if names.name(kind, c, locale)
                          != c else c for c in list(codes)[:20])
        raise ParameterError(name, _("one of %(choices)s; got %(value)r",
                                     choices=shown, value=raw))
    return code


def list_arg(name: str, limit: int = SELECT_LIMIT) -> list[str]:
    """Repeated or comma-separated parameter ``name`` as a de-duplicated list."""
    values = [v.strip() for raw in request.values.getlist(name) for v in raw.split(",")]
    out = list(dict.fromkeys(v for v in values if v))
    if len(out) > limit:
        raise ParameterError(name, _("at most %(limit)s values, got %(count)s", limit=limit,
                                     count=len(out)))
    return out


def page_arg() -> int:
    """``page`` (1-based)."""
    return int_arg("page", 1, low=1, high=MAX_PAGE) or 1


def search_text() -> str:
    """``q``, the search text, stripped (empty when absent); longer than ``SEARCH_CHARS``
    characters is a bad parameter (a NUL is refused before, for every parameter)."""
    text = (request.args.get("q") or "").strip()
    if len(text) > SEARCH_CHARS:
        raise ParameterError("q", f"at most {SEARCH_CHARS} characters, got {len(text)}")
    return text


def chart_metric() -> str:
    """``metric`` of the evaluation chart: one of ``RANKING_METRICS`` (default recall@50)."""
    return str_arg("metric", RANKING_METRICS, "recall@50") or "recall@50"


# ----------------------------------------------------------------- pages and the API
@dataclass(frozen=True)
class CommunitiesQuery:
    """The communities list: ``sort`` (one of ``COMMUNITY_SORTS``) and ``page``."""

    sort: str
    page: int


def communities_query() -> CommunitiesQuery:
    return CommunitiesQuery(sort=str_arg("sort", COMMUNITY_SORTS, "size") or "size",
                            page=page_arg())


@dataclass(frozen=True)
class LeaderboardQuery:
    """A leaderboard request: its filters, the selected persons (``select``) and ``page``."""

    filters: LeaderboardFilters
    selected: list[str] = field(default_factory=list)
    page: int = 1


def leaderboard_query(choices: Choices, *, select_limit: int = SELECT_LIMIT) -> LeaderboardQuery:
    """``community``, ``platform``, ``topic``, ``sort``, ``select`` and ``page``; platform and
    topic checked against ``choices`` (a code or a display name, ``named_arg``)."""
    filters = LeaderboardFilters(
        community=int_arg("community", None, low=0),
        platform=named_arg("platform", "platforms", choices["platforms"]),
        topic=named_arg("topic", "topics", choices["topics"]),
        sort=str_arg("sort", SORT_COLUMNS, "kol_score") or "kol_score")
    return LeaderboardQuery(filters=filters, selected=list_arg("select", select_limit),
                            page=page_arg())


@dataclass(frozen=True)
class SeedsQuery:
    """Campaign seed selection: ``k`` seeds (``None``: not asked yet), within ``community``
    and ``platform`` when given, under diffusion ``model`` (``ic`` or ``lt``), with the
    ``include`` persons (ids) in every strategy's seeds and the ``exclude`` persons in none."""

    k: int | None
    community: int | None
    platform: str | None
    model: str = "ic"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def query(self) -> dict[str, Any]:
        """The parameters that are set, as URL query parameters (lists comma-separated).

        >>> SeedsQuery(k=5, community=None, platform="weibo", include=("p1", "p2")).query()
        {'k': 5, 'platform': 'weibo', 'model': 'ic', 'include': 'p1,p2'}
        """
        values = {"k": self.k, "community": self.community, "platform": self.platform,
                  "model": self.model, "include": ",".join(self.include) or None,
                  "exclude": ",".join(self.exclude) or None}
        return {k: v for k, v in values.items() if v is not None}


def seeds_query(choices: Choices, *, default_k: int | None) -> SeedsQuery:
    """``k`` (1..200, ``default_k`` when absent), ``community`` (one of the current analyze
    run's) and ``platform``, checked against ``choices``; ``model`` (``MODELS``, default
    ``ic``); ``include`` and ``exclude``: person ids, repeated or comma-separated (at most
    ``SEED_PERSONS`` each; whether they exist is the use-case's check)."""
    k = int_arg("k", default_k, low=1, high=200)
    community = int_arg("community", None, low=0)
    if community is not None and community not in choices["communities"]:
        raise ParameterError("community", _("no community %(id)s in the current analyze run",
                                            id=community))
    return SeedsQuery(k=k, community=community,
                      platform=named_arg("platform", "platforms", choices["platforms"]),
                      model=str_arg("model", MODELS, "ic") or "ic",
                      include=tuple(list_arg("include", SEED_PERSONS)),
                      exclude=tuple(list_arg("exclude", SEED_PERSONS)))


@dataclass(frozen=True)
class RunsQuery:
    """The run history: runs of ``kind`` (all kinds when ``None``), at most ``limit``."""

    kind: str | None
    limit: int


def runs_query() -> RunsQuery:
    return RunsQuery(kind=str_arg("kind", RUN_KINDS),
                     limit=int_arg("limit", 50, low=1, high=500) or 50)


# --------------------------------------------------------------------------- console
@dataclass(frozen=True)
class ConsoleQuery:
    """Library query ``name`` with its raw ``params``, or else free ``cypher``; ``csv`` asks
    for a download instead of a table."""

    cypher: str | None = None
    name: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    csv: bool = False


def _checked(cypher: str | None, name: str | None, params: dict[str, str],
             csv: bool = False) -> ConsoleQuery:
    """The query: ``cypher`` must not be empty unless a library query is named, nor too
    long."""
    if not name and (not cypher or not cypher.strip()):
        raise ParameterError("cypher", _("empty query"))
    if cypher and len(cypher) > MAX_QUERY_CHARS:
        raise ParameterError("cypher", _("longer than %(limit)s characters",
                                          limit=MAX_QUERY_CHARS))
    return ConsoleQuery(cypher=cypher, name=name or None, params=params, csv=csv)


def console_form() -> ConsoleQuery:
    """The console's form: ``cypher``, or ``name`` and its ``param.<p>`` fields (a field left
    empty means the default, or *missing* when required), and ``format=csv``."""
    name = request.form.get("name") or None
    params = ({k[6:]: v for k, v in request.form.items() if k.startswith("param.") and v.strip()}
              if name else {})
    return _checked(request.form.get("cypher", ""), name, params,
                    csv=request.form.get("format") == "csv")


def query_body() -> ConsoleQuery:
    """The query API's JSON body: ``{"cypher": "..."}`` or ``{"name": "...", "params":
    {"p": "value"}}`` (a param's value a string or a finite number)."""
    body = json_body()
    if not isinstance(body, dict):
        raise ParameterError("body", "a JSON object with cypher, or name and params")
    raw_params = body.get("params")
    if raw_params is None:
        raw_params = {}
    if not isinstance(raw_params, dict):
        raise ParameterError("params", "must be an object of strings")
    params = {str(k): _param_text(f"params.{k}", v) for k, v in raw_params.items()}
    cypher, name = (_optional_text(key, body.get(key)) for key in ("cypher", "name"))
    return _checked(cypher, name, params)


def json_body() -> Any:
    """The request body parsed as JSON (UTF-8, -16 or -32), at most ``MAX_JSON_DEPTH``
    arrays and objects deep; ``ParameterError("body", ...)`` when the content type is not
    JSON or the body is not valid JSON (its line and column named) or nested deeper.
    Bodies over ``MAX_CONTENT_LENGTH`` never get here (413)."""
    too_deep = f"nested deeper than {MAX_JSON_DEPTH} arrays or objects"
    if not request.is_json:
        raise ParameterError("body", "send JSON with the header Content-Type: "
                                     f"application/json (got {request.mimetype or 'none'})")
    try:
        value = json.loads(request.get_data(cache=True))
    except json.JSONDecodeError as exc:
        raise ParameterError("body", f"invalid JSON at line {exc.lineno} column "
                                     f"{exc.colno}: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise ParameterError("body", f"not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ParameterError("body", f"invalid JSON: {exc}") from None
    except RecursionError:  # too deep for the parser, so deeper than MAX_JSON_DEPTH too
        raise ParameterError("body", too_deep) from None
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ParameterError("body", too_deep)
    return value


def _depth(value: Any, limit: int) -> int:
    """How deep ``value`` nests lists and dicts (counted no further than ``limit + 1``)."""
    if limit < 0 or not isinstance(value, (list, dict)):
        return 0
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(child, limit - 1) for child in children), default=0)


def _optional_text(name: str, value: Any) -> str | None:
    """JSON member ``name``: ``None`` when absent or null, else a string without NUL."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParameterError(name, f"must be a string, got {_json_type(value)}")
    return _without_nul(name, value)


def _param_text(name: str, value: Any) -> str:
    """A library query's parameter from JSON: a string, or a finite number as text."""
    if isinstance(value, str):
        return _without_nul(name, value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(name, f"must be a finite number, got {value}")
        return repr(value)
    raise ParameterError(name, f"must be a string or a number, got {_json_type(value)}")


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", dict: "an object", list: "an array", int: "a number",
             float: "a number"}
    return names.get(type(value), type(value).__name__)


def _without_nul(name: str, value: str) -> str:
    """``value``, refused when it holds a NUL character (no database can take one)."""
    if "\x00" in value:
        raise ParameterError(name, _("contains a NUL character (%%00) at position %(position)s",
                                     position=value.index(chr(0)) + 1))
    return value


def check_request_values() -> None:
    """Before every request: a NUL character in a path segment, a query-string or a form
    parameter (name or value), or an integer path segment beyond 64 bits, is a 400 naming
    that parameter."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            _without_nul(name, value)
        elif isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            raise ParameterError(name, _("must be at most %(limit)s, got %(value)s",
                                         limit=INT64_MAX, value=value))
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sources.append(request.form)
    for source in sources:
        for name, values in source.lists():
            _without_nul("(a parameter name)" if "\x00" in name else name, name)
            for value in values:
                _without_nul(name, value)


# ------------------------------------------------------------------------------ admin
@dataclass(frozen=True)
class UserForm:
    """The admin's user form: ``action`` (add, remove, role) on user ``name``."""

    action: str
    name: str
    role: str
    password: str


def user_form() -> UserForm:
    action = request.form.get("action", "")
    if action not in USER_ACTIONS:
        raise ParameterError("action", _("add, remove or role; got %(value)r", value=action))
    return UserForm(action=action, name=request.form.get("name", "").strip(),
                    role=request.form.get("role", ""),
                    password=request.form.get("password", ""))


def job_kind() -> str:
    """``kind`` of a job to start (checked by ``web.jobs.JobRunner.start``)."""
    return request.form.get("kind", "")


# ------------------------------------------------------------------------------- URLs
def page_url(page: int) -> str:
    """The URL of this page with ``page`` replaced (other parameters kept)."""
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(str(request.endpoint), **(request.view_args or {}), **args)
