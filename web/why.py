"""*Why it ranks here* in plain words: from a person's score components, their percentiles
among all persons of the run and the person's rank in its community, the reasons a
community manager reads (``top 2% by follower reach``, ``highest KOL score in their
community``), as gettext message ids with their numbers. Pure: the caller translates them
(``gettext(message, **params)``), so the same reasons read in either language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


def N_(message: str) -> str:
    """Marks ``message`` for extraction into the catalogues; translated where it is shown."""
    return message


#: A component is a reason when the person is in this top share of the run by it.
TOP_SHARE = 0.10
#: At most this many component reasons per person (the strongest).
MAX_COMPONENT_REASONS = 2
#: A rank in the community up to this is a reason.
COMMUNITY_TOP = 3

TOP_BY: dict[str, str] = {
    "pagerank": N_("top %(pct)s%% by influence (PageRank)"),
    "in_strength": N_("top %(pct)s%% by interactions received"),
    "reach": N_("top %(pct)s%% by follower reach"),
    "engagement_rate": N_("top %(pct)s%% by engagement rate"),
    "betweenness": N_("top %(pct)s%% as a bridge between groups"),
}
MAINLY: dict[str, str] = {
    "pagerank": N_("ranks mainly on influence (PageRank)"),
    "in_strength": N_("ranks mainly on interactions received"),
    "reach": N_("ranks mainly on follower reach"),
    "engagement_rate": N_("ranks mainly on engagement rate"),
    "betweenness": N_("ranks mainly on bridging groups"),
}
COMMUNITY_FIRST = N_("highest KOL score in their community")
COMMUNITY_RANK = N_("#%(rank)s in their community")
NOTHING_YET = N_("no interactions yet")


@dataclass(frozen=True)
class Reason:
    """One reason: a gettext message id and the numbers it takes."""

    message: str
    params: dict[str, int] = field(default_factory=dict)


class Percentiles:
    """Each component's values over all persons of a run, sorted, to tell what share of
    the persons lies at or above a value.

    >>> p = Percentiles({"reach": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]})
    >>> p.top_share("reach", 9), p.top_share("reach", 5), p.top_share("reach", 0)
    (0.1, 0.5, 1.0)
    """

    def __init__(self, values: Mapping[str, Sequence[float]]) -> None:
        self._sorted = {name: np.sort(np.asarray(v, dtype=float)) for name, v in values.items()}

    def top_share(self, component: str, value: float) -> float:
        """The share (0..1] of the persons whose ``component`` is at least ``value`` (the
        person itself included); 1.0 when the component is unknown or nobody has values."""
        values = self._sorted.get(component)
        if values is None or values.size == 0:
            return 1.0
        at_least = values.size - int(np.searchsorted(values, float(value), side="left"))
        return max(at_least, 1) / values.size

    def top_shares(self, rows: Sequence[Mapping[str, object]]) -> list[dict[str, float]]:
        """``top_share`` of each ``TOP_BY`` component of each row, for many rows at once
        (one sorted search per component): what ``reasons`` takes as ``shares``.

        >>> Percentiles({"reach": [1, 2, 3, 4]}).top_shares([{"reach": 4}, {"reach": 2}])
        [{'reach': 0.25}, {'reach': 0.75}]
        """
        out: list[dict[str, float]] = [{} for _ in rows]
        for component in TOP_BY:
            values = self._sorted.get(component)
            if values is None or values.size == 0:
                continue
            wanted = np.array([_number(r.get(component)) for r in rows], dtype=float)
            at_least = values.size - np.searchsorted(values, wanted, side="left")
            for shares, share in zip(out, (np.maximum(at_least, 1) / values.size).tolist(),
                                     strict=True):
                shares[component] = share
        return out


def percent(share: float) -> int:
    """``share`` as the whole percent shown after *top* (rounded up, at least 1).

    >>> percent(0.0123), percent(0.0001), percent(0.1)
    (2, 1, 10)
    """
    return max(1, math.ceil(round(share * 100, 6)))


def reasons(row: Mapping[str, object], percentiles: Percentiles,
            contributions: Sequence[Mapping[str, object]], *,
            unassigned: bool = False, shares: Mapping[str, float] | None = None
            ) -> list[Reason]:
    """Why ``row`` (a leaderboard person: its components, ``community_rank``) ranks where it
    does, strongest reason first:

    - each component where it is in the top ``TOP_SHARE`` of the run (at most
      ``MAX_COMPONENT_REASONS``, the smallest share first);
    - its rank in its community when it is among the first ``COMMUNITY_TOP`` (not for the
      unassigned persons, who have no community);
    - without a component reason, the component that adds most to its score
      (``contributions``: ``web.data.explain_score`` rows, largest first), or
      ``NOTHING_YET`` when none adds anything.

    ``shares``: the row's ``Percentiles.top_shares`` when the caller has them (else
    looked up here).

    >>> p = Percentiles({"reach": list(range(100)), "pagerank": [0.0] * 100})
    >>> [(r.message, r.params) for r in reasons({"reach": 99, "community_rank": 1}, p, [])]
    [('top %(pct)s%% by follower reach', {'pct': 1}), ('highest KOL score in their community', {})]
    """
    found: list[tuple[float, Reason]] = []
    for component, message in TOP_BY.items():
        value = _number(row.get(component))
        if value <= 0:
            continue
        share = (shares.get(component, 1.0) if shares is not None
                 else percentiles.top_share(component, value))
        if share <= TOP_SHARE:
            found.append((share, Reason(message, {"pct": percent(share)})))
    found.sort(key=lambda item: item[0])
    out = [reason for _share, reason in found[:MAX_COMPONENT_REASONS]]
    rank = row.get("community_rank")
    if not unassigned and isinstance(rank, (int, float)) and 1 <= rank <= COMMUNITY_TOP:
        out.append(Reason(COMMUNITY_FIRST) if int(rank) == 1
                   else Reason(COMMUNITY_RANK, {"rank": int(rank)}))
    if not found:
        top = next((c for c in contributions if _number(c.get("contribution")) > 0), None)
        component = str(top["component"]) if top is not None else ""
        out.insert(0, Reason(MAINLY[component]) if component in MAINLY
                   else Reason(NOTHING_YET))
    return out


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return float(value) if math.isfinite(value) else 0.0
