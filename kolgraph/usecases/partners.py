"""Partners (异业联盟): another business whose customers we may share, kept in the graph
(``graph.store.partner_io``) with the revenue share agreed with it, ``R_div = α·R + β·R_par``
(``graph.analytics.partners.revenue_share``), and the overlap of its customer list with our
persons: how many match, in which communities and on which platforms, and which KOLs reach
them best.

A customer list is imported from a CSV file of phone numbers, e-mail addresses or WeChat
unionids (``graph.ingest.partner_list``): raw values are hashed with kolgraph's own salt
(``KOLGRAPH_PII_SALT``) and dropped at once, or values come pre-hashed with the salt agreed
with the partner. Only the persons matched are stored; a new import replaces the previous
matches.

The CLI (``kolgraph partner``) and the web app call these functions; ``user`` is who acted.
Wrong values raise ``InvalidInput`` naming the parameter; an unknown partner raises
``NotFound`` (``partner_id``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from graph.analytics import partners as figures
from graph.config import check_salt
from graph.errors import InvalidInput, NotFound
from graph.ingest.partner_list import CustomerList, RowProblem, read_customer_list
from graph.ingest.pii import SALT_VARIABLE, MissingSaltError
from graph.store import analytics_io, partner_io, web_reads
from graph.store.base import GraphStore, Row

NAME_MAX = 120
#: The most KOLs ``best_kols`` returns, and the most candidates it looks at.
MAX_K = 500
MAX_CANDIDATES = 5_000
DEFAULT_CANDIDATES = 500


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the ``file`` read (``hashed``: pre-hashed values), the identity
    ``columns`` used and ``ignored_columns``; ``rows`` read, ``accepted`` (at least one
    identity value), ``rejected`` (none usable), ``values`` accepted by identity kind,
    ``distinct_hashes``; ``problems`` (``RowProblem``: line, column, reason of refused cells
    and rows, the first ``partner_list.MAX_PROBLEMS``, by line) of ``problem_count``; ``matched``
    persons and ``matched_by_kind`` (persons matched through each kind)."""

    partner_id: str
    file: str
    hashed: bool
    columns: list[str]
    ignored_columns: list[str]
    rows: int
    accepted: int
    rejected: int
    values: dict[str, int]
    distinct_hashes: int
    problems: list[RowProblem]
    problem_count: int
    matched: int
    matched_by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Overlap:
    """A partner's customers against our persons: ``customers`` (rows imported),
    ``matched`` persons, ``match_rate`` (``matched / customers``); ``by_community``
    (``community_id, title, matched, size, share`` over the current analyze run's
    communities;
    ``unassigned``: matched persons in none) and ``by_platform`` (``platform, matched,
    size, share``)."""

    partner: Row
    customers: int
    matched: int
    match_rate: float
    by_community: list[Row]
    by_platform: list[Row]
    unassigned: int = 0


def _name(value: Any) -> str:
    text = "" if value is None else " ".join(str(value).split())
    if not text:
        raise InvalidInput("name", "must not be empty")
    if len(text) > NAME_MAX:
        raise InvalidInput("name", f"at most {NAME_MAX} characters, got {len(text)}")
    return text


def share_value(value: Any, param: str, default: float) -> float:
    """``value`` as a revenue-share weight (a finite number ≥ 0; ``default`` when empty);
    else ``InvalidInput`` naming ``param``.

    >>> share_value("0.8", "alpha", 1.0), share_value(None, "beta", 0.0)
    (0.8, 0.0)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = float(str(value).strip())
    except ValueError:
        raise InvalidInput(param, f"not a number: {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise InvalidInput(param, f"must be a number of at least 0, got {value!r}")
    return number


def _unique_name(store: GraphStore, name: str, partner_id: str | None = None) -> None:
    taken = [r for r in partner_io.partners_named(store, name)
             if r["partner_id"] != partner_id]
    if taken:
        raise InvalidInput("name", f"a partner named {taken[0]['name']!r} exists: "
                           f"{taken[0]['partner_id']}")


def create(store: GraphStore, name: Any, alpha: Any = None, beta: Any = None,
           user: str = "") -> str:
    """A new partner ``name`` (unique among partners, ignoring case) with revenue share
    ``alpha`` (default 1.0) and ``beta`` (default 0.0), created by ``user``; returns its id
    (``R`` and 12 hex digits)."""
    text = _name(name)
    a, b = share_value(alpha, "alpha", 1.0), share_value(beta, "beta", 0.0)
    _unique_name(store, text)
    partner_id = partner_io.new_partner_id()
    partner_io.create_partner(store, partner_id, text, a, b, user)
    return partner_id


def get(store: GraphStore, partner_id: str) -> Row:
    """The partner's fields; ``NotFound`` (``partner_id``) when there is none."""
    found = partner_io.get_partner(store, str(partner_id))
    if found is None:
        raise NotFound(f"no partner {partner_id!r}", param="partner_id")
    return found


def get_by_name(store: GraphStore, name: str) -> Row | None:
    """The live partner named ``name`` ignoring case and surrounding space, or ``None``
    (how a campaign's free-text ``partner`` finds its α and β)."""
    text = " ".join(str(name or "").split())
    if not text:
        return None
    found = partner_io.partners_named(store, text)
    return found[0] if found else None


def list_all(store: GraphStore) -> list[Row]:
    """Every partner not deleted, by name."""
    return partner_io.list_partners(store)


def update(store: GraphStore, partner_id: str, values: Mapping[str, Any], user: str = ""
           ) -> Row:
    """Change the partner's ``name``, ``alpha`` or ``beta`` (those given and not ``None``);
    returns the partner."""
    current = get(store, partner_id)
    fields: dict[str, Any] = {}
    if values.get("name") is not None:
        fields["name"] = _name(values["name"])
        _unique_name(store, fields["name"], partner_id)
    for key in ("alpha", "beta"):
        if values.get(key) is not None:
            fields[key] = share_value(values[key], key, float(current[key]))
    if fields:
        partner_io.update_partner(store, partner_id, fields)
    return get(store, partner_id)


def delete(store: GraphStore, partner_id: str, user: str = "") -> None:
    """Delete the partner: hidden everywhere, its matched customers forgotten."""
    get(store, partner_id)
    partner_io.delete_partner(store, partner_id, user)


def _salt(salt: str | None, hashed: bool) -> str:
    if hashed:
        return ""
    if not salt:
        raise MissingSaltError(f"{SALT_VARIABLE} is not set: the customer list's values are "
                               f"hashed with the salt of the graph's identity hashes; set "
                               f"{SALT_VARIABLE} to the salt the graph was ingested with")
    return check_salt(salt, SALT_VARIABLE)


def _matches(store: GraphStore, hashes: set[str]) -> dict[str, set[str]]:
    """person id -> the identity kinds through which it matched ``hashes``."""
    found: dict[str, set[str]] = {}
    for batch in partner_io.identity_batches(store):
        for row in batch:
            kinds = {h.split(":", 1)[0] for h in row["identity_hashes"] or () if h in hashes}
            if kinds:
                found.setdefault(str(row["person_id"]), set()).update(kinds)
    return found


def import_customers(store: GraphStore, partner_id: str, path: str | Path, hashed: bool,
                     salt: str | None, user: str = "") -> ImportReport:
    """Import the partner's customer list ``path`` (raw values hashed with ``salt``, or
    pre-hashed when ``hashed``), match it against the accounts' identity hashes and make
    the matched persons the partner's customers, replacing those of an earlier import.
    Raises ``MissingSaltError`` naming ``KOLGRAPH_PII_SALT`` for raw values without a salt,
    ``InvalidInput`` (``path``) for an unreadable file, one without identity columns or
    one without a single usable row (the previous matches are then kept)."""
    get(store, partner_id)
    read: CustomerList = read_customer_list(Path(path), salt=_salt(salt, hashed),
                                            hashed=hashed)
    if read.accepted == 0:
        raise InvalidInput("path", f"{read.file}: no usable customer row ({read.rows} rows "
                           f"read, {read.problem_count} problems); the previous matches "
                           "are kept")
    matches = _matches(store, read.hashes)
    distinct = len(read.hashes)
    read.hashes.clear()  # nothing unmatched goes further

    def rows() -> Iterator[Row]:
        for person_id, kinds in sorted(matches.items()):
            yield {"person_id": person_id, "via": sorted(kinds)}

    matched = partner_io.replace_customers(store, partner_id, rows(), customers=read.accepted,
                                           mode="hashed" if hashed else "raw", user=user)
    by_kind = {kind: sum(kind in kinds for kinds in matches.values()) for kind in read.columns}
    return ImportReport(partner_id, read.file, hashed, read.columns, read.ignored_columns,
                        read.rows, read.accepted, read.rejected, dict(read.values), distinct,
                        sorted(read.problems, key=lambda p: (p.line, p.column)),
                        read.problem_count, matched, by_kind)


def _frame(rows: list[Row], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=columns)


def overlap(store: GraphStore, partner_id: str) -> Overlap:
    """The partner's customers against our persons (see ``Overlap``)."""
    partner = get(store, partner_id)
    customers, matched = int(partner.get("customers") or 0), int(partner.get("matched") or 0)
    by_community = _frame(partner_io.customers_by_community(store, partner_id),
                          ["community_id", "matched"])
    unassigned = int(by_community.loc[by_community["community_id"].isna(), "matched"].sum())
    communities = figures.share_by(
        "community_id", by_community,
        _frame(partner_io.community_sizes(store), ["community_id", "size"]))
    platforms = figures.share_by(
        "platform", _frame(partner_io.customers_by_platform(store, partner_id),
                           ["platform", "matched"]),
        _frame(partner_io.platform_sizes(store), ["platform", "size"]))
    titles = _community_titles(store)
    by_title = [{"community_id": r["community_id"], "title": titles.get(r["community_id"], ""),
                 **{k: v for k, v in r.items() if k != "community_id"}}
                for r in _records(communities)]
    return Overlap(partner, customers, matched, figures.match_rate(customers, matched),
                   by_title, _records(platforms), unassigned)


def _community_titles(store: GraphStore) -> dict[int, str]:
    """``community_id -> title`` (the name an admin gave, else the label) of the current
    analyze run's communities; empty before the first run."""
    run_id = analytics_io.current_analyze_run_id(store)
    if run_id is None:
        return {}
    return {int(c["community_id"]): str(c.get("name") or c.get("label") or "")
            for c in web_reads.communities(store, run_id)}


def _records(frame: pd.DataFrame) -> list[Row]:
    """Rows of plain Python values (JSON-ready): NaN as ``None``, community ids whole."""
    def plain(key: str, value: Any) -> Any:
        value = value.item() if hasattr(value, "item") else value
        if isinstance(value, float) and math.isnan(value):
            return None
        return int(value) if key == "community_id" and value is not None else value

    return [{str(k): plain(str(k), v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def _count(value: Any, param: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(param, f"not a whole number: {value!r}") from None
    if not low <= number <= high:
        raise InvalidInput(param, f"must be between {low} and {high}, got {number}")
    return number


def best_kols(store: GraphStore, partner_id: str, k: Any = 20,
              candidates: Any = DEFAULT_CANDIDATES) -> list[Row]:
    """The ``k`` KOLs (1 to ``MAX_K``) among the ``candidates`` persons with the highest
    ``kol_score`` (1 to ``MAX_CANDIDATES``) whose audience holds the most of the partner's
    matched customers: ``graph.analytics.partners.KOL_COLUMNS`` rows, most customers
    first (ties: higher ``kol_score``). KOLs reaching none are left out."""
    top = _count(k, "k", 1, MAX_K)
    pool = _count(candidates, "candidates", 1, MAX_CANDIDATES)
    get(store, partner_id)
    kols = _frame(partner_io.top_kols(store, pool),
                  ["person_id", "display_name", "community_id", "kol_score"])
    reach = _frame(partner_io.audience_customers(store, partner_id,
                                                 kols["person_id"].tolist()),
                   ["person_id", "audience", "customers"])
    return _records(figures.rank_kols(kols, reach, top))
