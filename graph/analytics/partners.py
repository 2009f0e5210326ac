"""Partner (异业联盟) figures over plain frames: how a partner's customers spread over our
communities and platforms, which KOLs reach them best, and the revenue share.

The inputs are what ``graph.store.partner_io`` reads; nothing here talks to a database.
"""

from __future__ import annotations

import math

import pandas as pd

#: The columns of ``share_by`` (``key`` first: ``community_id`` or ``platform``).
SHARE_COLUMNS: tuple[str, ...] = ("matched", "size", "share")
#: The columns of ``rank_kols``.
KOL_COLUMNS: tuple[str, ...] = ("rank", "person_id", "display_name", "community_id",
                                "kol_score", "customers", "audience", "share")


def revenue_share(alpha: float, beta: float, our_revenue: float,
                  partner_revenue: float) -> float:
    """The revenue divided under a partnership, ``R_div = alpha * R + beta * R_par``: our
    revenue ``R`` and the partner's ``R_par`` weighted by the agreed ``alpha`` and ``beta``
    (numbers ≥ 0). Raises ``ValueError`` on a negative or non-finite input.

    >>> revenue_share(1.0, 0.0, 1000.0, 500.0)
    1000.0
    >>> revenue_share(0.8, 0.1, 1000.0, 500.0)
    850.0
    """
    values = {"alpha": alpha, "beta": beta, "our_revenue": our_revenue,
              "partner_revenue": partner_revenue}
    for name, value in values.items():
        if not math.isfinite(float(value)) or float(value) < 0:
            raise ValueError(f"{name} must be a finite number of at least 0, got {value!r}")
    return float(alpha) * float(our_revenue) + float(beta) * float(partner_revenue)


def match_rate(customers: int, matched: int) -> float:
    """``matched / customers`` (0 without customers): the persons matched per customer row
    imported.

    >>> match_rate(200, 50), match_rate(0, 0)
    (0.25, 0.0)
    """
    return matched / customers if customers > 0 else 0.0


def share_by(key: str, matched: pd.DataFrame, sizes: pd.DataFrame) -> pd.DataFrame:
    """Matched customers per group against the group's size: ``matched`` has columns
    ``key, matched``, ``sizes`` ``key, size``; returns ``key, matched, size, share``
    (``matched / size``) for the groups with a matched customer and a known size, most
    matched first (ties: highest share, then ``key``).

    >>> share_by("community_id", pd.DataFrame({"community_id": [0, 1], "matched": [2, 3]}),
    ...          pd.DataFrame({"community_id": [0, 1, 2], "size": [4, 10, 7]})).to_dict("list")
    {'community_id': [1, 0], 'matched': [3, 2], 'size': [10, 4], 'share': [0.3, 0.5]}
    """
    joined = matched.dropna(subset=[key]).merge(sizes.dropna(subset=[key]), on=key)
    joined = joined[joined["size"] > 0].copy()
    joined["matched"] = joined["matched"].astype(int)
    joined["size"] = joined["size"].astype(int)
    joined["share"] = joined["matched"] / joined["size"]
    joined = joined.sort_values(["matched", "share", key], ascending=[False, False, True])
    return joined[[key, *SHARE_COLUMNS]].reset_index(drop=True)


def rank_kols(kols: pd.DataFrame, reach: pd.DataFrame, k: int) -> pd.DataFrame:
    """The ``k`` KOLs that reach the most of a partner's customers: ``kols`` has
    ``person_id, display_name, community_id, kol_score`` (the candidates), ``reach``
    ``person_id, audience, customers`` (a candidate without a row has no audience);
    returns ``KOL_COLUMNS``: most customers reached first (ties: higher ``kol_score``, then
    person id), ``share`` the customers' part of the audience, ``rank`` from 1. KOLs that
    reach no customer are left out.

    >>> kols = pd.DataFrame({"person_id": ["a", "b", "c"], "display_name": ["A", "B", "C"],
    ...                      "community_id": [0, 0, 1], "kol_score": [0.9, 0.5, 0.7]})
    >>> reach = pd.DataFrame({"person_id": ["a", "b", "c"], "audience": [10, 4, 8],
    ...                       "customers": [2, 2, 0]})
    >>> rank_kols(kols, reach, 5)[["rank", "person_id", "customers", "share"]].to_dict("list")
    {'rank': [1, 2], 'person_id': ['a', 'b'], 'customers': [2, 2], 'share': [0.2, 0.5]}
    """
    joined = kols.merge(reach, on="person_id", how="left")
    joined[["audience", "customers"]] = joined[["audience", "customers"]].fillna(0)
    joined = joined[joined["customers"] > 0].copy()
    joined["audience"] = joined["audience"].astype(int)
    joined["customers"] = joined["customers"].astype(int)
    joined["share"] = joined["customers"] / joined["audience"]
    joined = joined.sort_values(["customers", "kol_score", "person_id"],
                                ascending=[False, False, True]).head(k)
    joined["rank"] = range(1, len(joined) + 1)
    return joined[list(KOL_COLUMNS)].reset_index(drop=True)
