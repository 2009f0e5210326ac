"""Campaign planning over KOL audiences: what a selection of KOLs reaches together.

A KOL's *audience* is the set of distinct persons owning an account that follows or
interacted with any account of the KOL, on any platform, the KOL excluded
(``graph.store.campaign_io.audience_pairs``, the library queries ``kol_audience``,
``audience_overlap`` and ``shared_audience``, and ``Person.reach`` all count it this way).
Every function here takes that audience as ``pairs``: one row ``(person, member,
platform)`` per KOL, audience member and platform of the KOL's account the member is tied
to.

>>> import pandas as pd
>>> pairs = pd.DataFrame({"person": ["k1", "k1", "k1", "k2", "k2", "k3"],
...                       "member": ["a", "b", "c", "c", "d", "a"],
...                       "platform": ["zhihu", "zhihu", "bilibili", "zhihu", "zhihu",
...                                    "dedao"]})
>>> combined_reach(pairs, ["k1", "k2"])
4
>>> contributions(pairs, ["k1", "k2", "k3"])[["person", "audience", "unique", "added"]] \\
...     .to_dict("records")
[{'person': 'k1', 'audience': 3, 'unique': 1, 'added': 3}, {'person': 'k2', 'audience': 2, \
'unique': 1, 'added': 1}, {'person': 'k3', 'audience': 1, 'unique': 0, 'added': 0}]
>>> within_budget(pairs, {"k1": 100.0, "k2": 30.0, "k3": 10.0}, budget=45.0)
['k3', 'k2']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

PAIR_COLUMNS = ["person", "member", "platform"]
CONTRIBUTION_COLUMNS = ["person", "audience", "unique", "added", "order"]


def _members(pairs: pd.DataFrame, selected: Sequence[str]) -> dict[str, set[str]]:
    """Each selected person's audience as a set (empty when it has none)."""
    chosen = pairs[pairs["person"].isin(selected)]
    sets: dict[str, set[str]] = {str(p): set() for p in selected}
    for person, member in zip(chosen["person"].astype(str), chosen["member"].astype(str),
                              strict=True):
        sets[person].add(member)
    return sets


def combined_reach(pairs: pd.DataFrame, selected: Sequence[str]) -> int:
    """The number of distinct persons in the audience of at least one of ``selected``."""
    return int(pairs.loc[pairs["person"].isin(selected), "member"].nunique())


def contributions(pairs: pd.DataFrame, selected: Sequence[str]) -> pd.DataFrame:
    """What each selected KOL adds: ``person``, ``audience`` (its own audience size),
    ``unique`` (members no other selected KOL reaches: the reach lost without it), ``added``
    (members it adds when the selection is built greedily, largest gain first; the ``added``
    column sums to the combined reach) and ``order`` (1-based position in that greedy order).
    Rows in the greedy order."""
    selected = list(dict.fromkeys(str(p) for p in selected))
    sets = _members(pairs, selected)
    counts: dict[str, int] = {}
    for members in sets.values():
        for m in members:
            counts[m] = counts.get(m, 0) + 1
    covered: set[str] = set()
    left = list(selected)
    rows: list[dict[str, int | str]] = []
    while left:
        best = max(left, key=lambda p: (len(sets[p] - covered), len(sets[p]), -left.index(p)))
        gain = sets[best] - covered
        covered |= gain
        rows.append({"person": best, "audience": len(sets[best]),
                     "unique": sum(1 for m in sets[best] if counts[m] == 1),
                     "added": len(gain), "order": len(rows) + 1})
        left.remove(best)
    return pd.DataFrame(rows, columns=CONTRIBUTION_COLUMNS)


def overlap_matrix(pairs: pd.DataFrame, selected: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``(shared, jaccard)``: two N×N arrays over ``selected`` (in the given order);
    ``shared[i, j]`` counts the persons in both audiences (the diagonal: each audience's size)
    and ``jaccard[i, j]`` is shared over union (1 on the diagonal of a non-empty audience).

    >>> pairs = pd.DataFrame({"person": ["x", "x", "y"], "member": ["a", "b", "b"],
    ...                       "platform": ["zhihu"] * 3})
    >>> shared, jaccard = overlap_matrix(pairs, ["x", "y"])
    >>> shared.tolist(), jaccard.round(2).tolist()
    ([[2, 1], [1, 1]], [[1.0, 0.5], [0.5, 1.0]])
    """
    selected = list(dict.fromkeys(str(p) for p in selected))
    chosen = pairs.loc[pairs["person"].isin(selected), ["person", "member"]].drop_duplicates()
    rows = pd.Index(selected).get_indexer(pd.Index(chosen["person"].astype(str)))
    members, cols = np.unique(chosen["member"].astype(str).to_numpy(), return_inverse=True)
    incidence = sp.csr_matrix((np.ones(len(chosen)), (rows, cols)),
                              shape=(len(selected), max(len(members), 1)))
    shared = np.rint((incidence @ incidence.T).toarray()).astype(np.int64)
    sizes = np.diag(shared)
    union = sizes[:, None] + sizes[None, :] - shared
    jaccard = np.divide(shared, union, out=np.zeros(shared.shape), where=union > 0)
    return shared, jaccard


def reach_by(pairs: pd.DataFrame, selected: Sequence[str], group: str,
             member_groups: pd.Series | None = None) -> pd.DataFrame:
    """Distinct persons the selection reaches per group, largest first: ``DataFrame[group,
    reach]``. ``group`` is ``"platform"`` (the platform of the KOL account a member is tied to;
    a member tied on two platforms counts on both) or any name when ``member_groups`` maps
    each member to its group (e.g. community ids; members missing from it are left out)."""
    chosen = pairs[pairs["person"].isin(selected)]
    if member_groups is None:
        keyed = chosen[["member", group]].drop_duplicates()
    else:
        keyed = pd.DataFrame({"member": chosen["member"].astype(str).to_numpy()}).drop_duplicates()
        keyed[group] = keyed["member"].map(member_groups)
        keyed = keyed.dropna(subset=[group])
    out = keyed.groupby(group)["member"].nunique().rename("reach").reset_index()
    return out.sort_values(["reach", group], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def within_budget(pairs: pd.DataFrame, costs: Mapping[str, float], budget: float) -> list[str]:
    """The KOLs of ``costs`` (person → cost ≥ 0) to keep within ``budget`` for the most
    combined reach: the free ones, then the greedy by added reach per cost, or the single KOL
    of largest audience that fits when that reaches more (the better of the two is within
    (1 - 1/e)/2 of the best set; Khuller, Moss and Naor 1999). Returned in the order chosen."""
    sets = _members(pairs, list(costs))
    chosen = [p for p in costs if costs[p] <= 0]
    covered: set[str] = set().union(*(sets[p] for p in chosen))
    fits = [p for p in costs if 0 < costs[p] <= budget]
    spent = 0.0
    left = list(fits)
    while left:
        best = max(left, key=lambda p: (len(sets[p] - covered) / costs[p], -left.index(p)))
        left.remove(best)
        if spent + costs[best] <= budget and sets[best] - covered:
            chosen.append(best)
            spent += costs[best]
            covered |= sets[best]
    free = [p for p in costs if costs[p] <= 0]
    single = max(fits, key=lambda p: len(sets[p]), default=None)
    if single is not None \
            and len(sets[single].union(*(sets[p] for p in free))) > len(covered):
        return [*free, single]
    return chosen
