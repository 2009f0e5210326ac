"""Communities people recognise: tiny groups folded into one "unassigned" bucket, and ids
that stay the same across analyze runs.

Plain functions over arrays and DataFrames (no database I/O). A partition numbers its
communities ``0..k-1`` by size, so the numbers change with every run; ``stable_ids`` matches
each new community to the previous run's by member overlap (Jaccard) and keeps the old id for
the matched ones. Id ``UNASSIGNED_ID`` (0) is the bucket of the persons whose community was
too small; real communities have ids from 1 on, and an id is never given twice.

>>> folded, kept = fold_small(np.array([0, 0, 0, 1, 1, 2]), min_size=3)
>>> folded.tolist(), kept
([0, 0, 0, 1, 1, 1], 1)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: The community id of the persons folded out of tiny communities.
UNASSIGNED_ID = 0
#: Default smallest community (persons) listed as a community.
DEFAULT_MIN_SIZE = 3
#: Default smallest Jaccard overlap for a new community to keep a previous one's id.
DEFAULT_MIN_JACCARD = 0.5
#: Lineage lists the previous communities that gave at least this share of the members.
LINEAGE_MIN_SHARE = 0.05


def fold_small(membership: np.ndarray, min_size: int) -> tuple[np.ndarray, int]:
    """Fold communities of fewer than ``min_size`` persons into one bucket.

    ``membership``: community number per person, numbered ``0..k-1`` by decreasing size (as
    ``communities.renumber_by_size`` leaves it). Returns the new membership, in which the kept
    communities keep their numbers ``0..kept-1`` and every folded person has number ``kept``,
    and ``kept``. Nothing is folded when ``min_size`` <= 1.
    """
    if membership.size == 0 or min_size <= 1:
        return membership, int(membership.max()) + 1 if membership.size else 0
    sizes = np.bincount(membership)
    kept = int((sizes >= min_size).sum())
    if kept == sizes.size:
        return membership, kept
    # renumbered by decreasing size: the kept communities are exactly 0..kept-1
    return np.where(membership < kept, membership, kept).astype(np.int64), kept


@dataclass(frozen=True)
class IdAssignment:
    """Stable ids of one run's communities.

    ``id_of``: partition number -> community id; ``lineage``: community id -> previous ids
    it took members from (``[{"community_id", "share"}]``, share of its members, largest
    first); ``jaccard``: community id -> overlap with the previous community whose id it
    kept; ``next_id``: the first id never given yet (what the next run starts from).
    """

    id_of: dict[int, int]
    lineage: dict[int, list[dict[str, float]]] = field(default_factory=dict)
    jaccard: dict[int, float] = field(default_factory=dict)
    next_id: int = UNASSIGNED_ID + 1


def _overlaps(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """Per (new number, old id) pair sharing members: ``new, old, common, jaccard, share``
    (``share``: of the new community's members)."""
    both = new.merge(old, on="person_id")
    pairs = both.groupby(["new", "old"]).size().rename("common").reset_index()
    new_size = new.groupby("new").size()
    old_size = old.groupby("old").size()
    a = new_size.reindex(pairs["new"]).to_numpy()
    b = old_size.reindex(pairs["old"]).to_numpy()
    common = pairs["common"].to_numpy()
    pairs["jaccard"] = common / (a + b - common)
    pairs["share"] = common / a
    return pairs


def stable_ids(new: pd.DataFrame, previous: pd.DataFrame | None, *, next_id: int,
               unassigned: int | None = None,
               min_jaccard: float = DEFAULT_MIN_JACCARD) -> IdAssignment:
    """Give each community of a new partition an id.

    ``new``: ``person_id, community`` (partition number); ``previous``: ``person_id,
    community_id`` of the previous run (``None`` or empty: the first run); ``next_id``: the
    first id never given (ids below it, even of communities gone since, are not reused);
    ``unassigned``: the partition number of the folded bucket (gets ``UNASSIGNED_ID``, is
    never matched). New and old communities are paired one to one, largest Jaccard overlap
    first, while it is >= ``min_jaccard``; a paired new community keeps the old id, the others
    get fresh ids (in partition order, so by decreasing size).

    >>> new = pd.DataFrame({"person_id": list("abcdef"), "community": [0, 0, 0, 1, 1, 1]})
    >>> old = pd.DataFrame({"person_id": list("abcdef"), "community_id": [7, 7, 7, 7, 9, 9]})
    >>> got = stable_ids(new, old, next_id=10)
    >>> got.id_of, got.next_id
    ({0: 7, 1: 9}, 10)
    >>> got.lineage[9]
    [{'community_id': 9, 'share': 0.6667}, {'community_id': 7, 'share': 0.3333}]
    """
    next_id = max(int(next_id), UNASSIGNED_ID + 1)
    numbers = sorted(int(c) for c in new["community"].unique())
    real = [c for c in numbers if c != unassigned]
    id_of: dict[int, int] = {}
    jaccard: dict[int, float] = {}
    pairs = pd.DataFrame(columns=["new", "old", "common", "jaccard", "share"])
    if previous is not None and len(previous):
        new_real = new.loc[new["community"] != unassigned, ["person_id", "community"]] \
            .rename(columns={"community": "new"})
        old_real = previous.loc[previous["community_id"] != UNASSIGNED_ID,
                                ["person_id", "community_id"]] \
            .rename(columns={"community_id": "old"})
        new_real = new_real.assign(new=new_real["new"].astype(np.int64))
        old_real = old_real.assign(old=old_real["old"].astype(np.int64))
        pairs = _overlaps(new_real, old_real)
        taken: set[int] = set()
        candidates = pairs[pairs["jaccard"] >= min_jaccard].sort_values(
            ["jaccard", "common", "new", "old"], ascending=[False, False, True, True])
        for n, o, j in zip(candidates["new"].tolist(), candidates["old"].tolist(),
                           candidates["jaccard"].tolist(), strict=True):
            if n in id_of or o in taken:
                continue
            id_of[n], jaccard[o] = o, round(float(j), 4)
            taken.add(o)
            next_id = max(next_id, o + 1)
    for c in real:
        if c not in id_of:
            id_of[c] = next_id
            next_id += 1
    if unassigned is not None and unassigned in numbers:
        id_of[unassigned] = UNASSIGNED_ID
    lineage: dict[int, list[dict[str, float]]] = {}
    shown = pairs[pairs["share"] >= LINEAGE_MIN_SHARE]
    for number in sorted(set(shown["new"].tolist())):
        kept = shown[shown["new"] == number].sort_values(["share", "old"],
                                                        ascending=[False, True])
        lineage[id_of[int(number)]] = [{"community_id": int(o), "share": round(float(s), 4)}
                                  for o, s in zip(kept["old"], kept["share"], strict=True)]
    return IdAssignment(id_of, lineage, jaccard, next_id)


def splits_and_merges(lineage: dict[int, list[dict[str, float]]],
                      min_share: float = 0.2) -> dict[str, list[dict[str, object]]]:
    """Read splits and merges out of a run's lineage: a split is a previous community that
    gave at least ``min_share`` of the members of two or more new ones; a merge is a new
    community that took at least ``min_share`` of its members from two or more previous ones.

    >>> splits_and_merges({4: [{"community_id": 1, "share": 1.0}],
    ...                    5: [{"community_id": 1, "share": 0.9}]})
    {'splits': [{'from': 1, 'into': [4, 5]}], 'merges': []}
    """
    into: dict[int, list[int]] = {}
    merges: list[dict[str, object]] = []
    for new_id, sources in sorted(lineage.items()):
        big = [int(s["community_id"]) for s in sources if s["share"] >= min_share]
        for old in big:
            into.setdefault(old, []).append(new_id)
        if len(big) >= 2:
            merges.append({"into": new_id, "from": sorted(big)})
    splits: list[dict[str, object]] = [{"from": old, "into": sorted(ids)}
                                       for old, ids in sorted(into.items()) if len(ids) >= 2]
    return {"splits": splits, "merges": merges}


def apply_ids(persons: pd.DataFrame, profiles: pd.DataFrame, ids: IdAssignment,
              names: dict[int, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``persons`` and community ``profiles`` with partition numbers replaced by stable ids:
    ``community_id`` of both, the ``community_id`` inside the ``links`` JSON, and two new
    profile columns: ``lineage`` (JSON) and ``name`` (the admin's name carried over from the
    previous run, ``""`` when none). Profiles come out ordered by id."""
    names = names or {}
    mapping = pd.Series(ids.id_of)
    persons = persons.assign(
        community_id=mapping.reindex(persons["community_id"].to_numpy()).to_numpy(np.int64))
    profiles = profiles.copy()
    profiles["community_id"] = mapping.reindex(profiles["community_id"].to_numpy()) \
        .to_numpy(np.int64)

    def relink(text: str) -> str:
        links = json.loads(text or "[]")
        return json.dumps([{**link, "community_id": ids.id_of[int(link["community_id"])]}
                           for link in links], ensure_ascii=False, separators=(",", ":"))

    profiles["links"] = [relink(t) for t in profiles["links"]]
    profiles["lineage"] = [json.dumps(ids.lineage.get(int(c), []), separators=(",", ":"))
                           for c in profiles["community_id"]]
    profiles["name"] = [names.get(int(c), "") if int(c) != UNASSIGNED_ID else ""
                        for c in profiles["community_id"]]
    return persons, profiles.sort_values("community_id").reset_index(drop=True)


def human_label(topics: list[str], top_kol_name: str | None, *, max_topics: int = 3) -> str:
    """A short label: the first ``max_topics`` topics joined by `` / `` and the top KOL's
    name after `` · ``.

    >>> human_label(["parenting", "finance", "health", "travel"], "周叔")
    'parenting / finance / health · 周叔'
    >>> human_label([], None)
    ''
    """
    head = " / ".join(str(t) for t in topics[:max_topics])
    if top_kol_name:
        return f"{head} · {top_kol_name}" if head else str(top_kol_name)
    return head
