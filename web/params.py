"""Request parameters: every query-string, form and JSON parameter that the pages, the API, the
console and the admin pages read is parsed and checked here, into a dataclass per kind of
request. A missing or invalid value raises ``web.errors.ParameterError`` naming the parameter:
a 400 error page, or the API's JSON error with ``parameter``.

Values checked against what the data holds (platforms, topics, communities) take those
choices as an argument (``web.data.filter_choices()``), so parsing reads nothing itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for

from graph.store.web_reads import SORT_COLUMNS
from web.charts import RANKING_METRICS
from web.data import COMMUNITY_SORTS, LeaderboardFilters
from web.errors import ParameterError

PAGE_SIZE = 50
MAX_PAGE = 100_000
SEARCH_CHARS = 200
SELECT_LIMIT = 50
MAX_QUERY_CHARS = 20_000
RUN_KINDS = ("ingest", "analyze", "refresh", "train")
USER_ACTIONS = ("add", "remove", "role")

Choices = Mapping[str, Sequence[Any]]


# ---------------------------------------------------------------------- single values
def int_arg(name: str, default: int | None = None, *, low: int | None = None,
            high: int | None = None) -> int | None:
    """Query/form parameter ``name`` as an int in ``[low, high]`` (``default`` when absent or
    empty)."""
    raw = request.values.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParameterError(name, f"expected an integer, got {raw!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{low if low is not None else '-inf'}..{high if high is not None else 'inf'}"
        raise ParameterError(name, f"must be in {bounds}, got {value}")
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
        raise ParameterError(name, f"one of {shown}; got {raw!r}")
    return raw


def list_arg(name: str, limit: int = SELECT_LIMIT) -> list[str]:
    """Repeated or comma-separated parameter ``name`` as a de-duplicated list."""
    values = [v.strip() for raw in request.values.getlist(name) for v in raw.split(",")]
    out = list(dict.fromkeys(v for v in values if v))
    if len(out) > limit:
        raise ParameterError(name, f"at most {limit} values, got {len(out)}")
    return out


def page_arg() -> int:
    """``page`` (1-based)."""
    return int_arg("page", 1, low=1, high=MAX_PAGE) or 1


def search_text() -> str:
    """``q``, the search text (cut at ``SEARCH_CHARS`` characters; empty when absent)."""
    return (request.args.get("q") or "").strip()[:SEARCH_CHARS]


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
    topic checked against ``choices``."""
    filters = LeaderboardFilters(
        community=int_arg("community", None, low=0),
        platform=str_arg("platform", choices["platforms"]),
        topic=str_arg("topic", choices["topics"]),
        sort=str_arg("sort", SORT_COLUMNS, "kol_score") or "kol_score")
    return LeaderboardQuery(filters=filters, selected=list_arg("select", select_limit),
                            page=page_arg())


@dataclass(frozen=True)
class SeedsQuery:
    """Campaign seed selection: ``k`` seeds (``None``: not asked yet), within ``community``
    and ``platform`` when given."""

    k: int | None
    community: int | None
    platform: str | None


def seeds_query(choices: Choices, *, default_k: int | None) -> SeedsQuery:
    """``k`` (1..200, ``default_k`` when absent), ``community`` (one of the current analyze
    run's) and ``platform``, checked against ``choices``."""
    k = int_arg("k", default_k, low=1, high=200)
    community = int_arg("community", None, low=0)
    if community is not None and community not in choices["communities"]:
        raise ParameterError("community",
                             f"no community {community} in the current analyze run")
    return SeedsQuery(k=k, community=community, platform=str_arg("platform",
                                                                 choices["platforms"]))


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
    """The query, ``cypher`` checked when no library query is named."""
    if not name:
        if not cypher or not cypher.strip():
            raise ParameterError("cypher", "empty query")
        if len(cypher) > MAX_QUERY_CHARS:
            raise ParameterError("cypher", f"longer than {MAX_QUERY_CHARS} characters")
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
    {"p": "value"}}``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ParameterError("body", "a JSON object with cypher, or name and params")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        raise ParameterError("params", "must be an object of strings")
    cypher, name = body.get("cypher"), body.get("name")
    return _checked(cypher if isinstance(cypher, str) else None,
                    name if isinstance(name, str) else None,
                    {str(k): str(v) for k, v in params.items()})


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
        raise ParameterError("action", f"add, remove or role; got {action!r}")
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
