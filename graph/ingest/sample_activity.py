"""Who interacts with whom, who creates what, who engages with what, in a sample.

All functions work on whole arrays of rows (persons, accounts and contents are integer
indices into a ``World``); the strings are made later by ``sample.py``.

Interactions pick a target in one of four ways: a member of the source's small friend group
(local structure: friends of friends interact), a planted KOL of its community, anyone of its
community by heavy-tailed appeal, or anyone at all (the ~13% that leave the community). An
interaction happens on a platform both persons use; targets without one are redrawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.ingest.sample_ids import YEAR_START_EPOCH, epoch_times
from graph.ingest.sample_world import PLATFORMS, TOPICS, World

INTERACTION_TYPES: tuple[str, ...] = ("follow", "mention", "reply", "comment", "share", "like")
GROUP, KOL, COMMUNITY, ANYONE = range(4)
CATEGORY_P = np.array([0.33, 0.30, 0.24, 0.13])
# Interaction type probabilities per target category (rows) in INTERACTION_TYPES order.
TYPE_P = np.array([[0.25, 0.12, 0.16, 0.12, 0.10, 0.25],
                   [0.40, 0.02, 0.04, 0.12, 0.10, 0.32],
                   [0.35, 0.07, 0.08, 0.12, 0.08, 0.30],
                   [0.35, 0.07, 0.08, 0.12, 0.08, 0.30]])
FOLLOW_BACK_P = 0.5             # friends in a group often follow each other back
INTERACTIONS_PER_PERSON = 6.5
ENGAGEMENTS_PER_PERSON = 3.5

KINDS: tuple[str, ...] = ("course", "audio_column", "live", "ebook")
# Kind probabilities per platform (rows in PLATFORMS order).
KIND_P = np.array([[0.45, 0.20, 0.10, 0.25],
                   [0.15, 0.70, 0.10, 0.05],
                   [0.30, 0.10, 0.35, 0.25],
                   [0.60, 0.00, 0.40, 0.00],
                   [0.25, 0.00, 0.75, 0.00]])
FREE_P = np.array([0.10, 0.20, 0.45, 0.15])
PRICES = np.array([9.9, 19.9, 29.9, 39.0, 49.0, 69.0, 99.0, 129.0, 199.0, 299.0, 399.0,
                   599.0, 999.0])
PRICE_W = np.array([[0, 0, 1, 1, 3, 3, 5, 4, 5, 4, 3, 2, 1],      # course
                    [4, 5, 5, 3, 3, 2, 3, 1, 1, 0, 0, 0, 0],      # audio_column
                    [6, 5, 3, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0],      # live
                    [5, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0]],     # ebook
                   dtype=float)

ENGAGEMENT_TYPES: tuple[str, ...] = ("view", "like", "comment", "share", "purchase", "subscribe")
ENGAGEMENT_P = np.array([0.45, 0.20, 0.08, 0.06, 0.15, 0.06])
PAID = (ENGAGEMENT_TYPES.index("purchase"), ENGAGEMENT_TYPES.index("subscribe"))
OWN_COMMUNITY, SAME_TOPIC, ANY_CONTENT = range(3)    # where an engagement's item is from
CONTENT_CATEGORY_P = np.array([0.75, 0.15, 0.10])
REDRAWS = 8

_POPCOUNT = np.array([bin(m).count("1") for m in range(32)])
_BITS = np.array([[b for b in range(5) if m >> b & 1] + [0] * (5 - _POPCOUNT[m])
                  for m in range(32)])


@dataclass(frozen=True)
class Interactions:
    """Rows sorted by time: platform index, source and target account, type index, time."""

    platform: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    type: np.ndarray
    time: np.ndarray


@dataclass(frozen=True)
class Contents:
    """Rows in creator order: creator person, platform, kind, topic (indices), price."""

    creator: np.ndarray
    platform: np.ndarray
    kind: np.ndarray
    topic: np.ndarray
    price: np.ndarray
    popularity: np.ndarray


@dataclass(frozen=True)
class Engagements:
    """Rows sorted by time: account, content row, type index, time, amount (NaN if none)."""

    account: np.ndarray
    content: np.ndarray
    type: np.ndarray
    time: np.ndarray
    amount: np.ndarray


def random_bit(rng: np.random.Generator, masks: np.ndarray) -> np.ndarray:
    """A uniformly chosen set bit of each (non-zero, 5-bit) mask."""
    masks = masks.astype(np.int64)
    j = np.floor(rng.random(masks.size) * _POPCOUNT[masks]).astype(np.int64)
    return _BITS[masks, j]


def _weighted_in_block(rng: np.random.Generator, cum: np.ndarray, start: np.ndarray,
                       end: np.ndarray) -> np.ndarray:
    """For each row, an index in ``[start, end)`` drawn with weights ``diff(cum)``."""
    low = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    u = low + rng.random(start.size) * (cum[end - 1] - low)
    return np.clip(np.searchsorted(cum, u, side="right"), start, end - 1)


def _targets(rng: np.random.Generator, w: World, src: np.ndarray, cat: np.ndarray,
             cum_appeal: np.ndarray) -> np.ndarray:
    dst = np.empty_like(src)
    comm = w.community[src]
    rows = cat == GROUP
    g = w.group[src[rows]]
    other = w.group_start[g] + np.floor(rng.random(g.size) * (w.group_size[g] - 1)).astype(int)
    dst[rows] = other + (other >= src[rows])
    rows = cat == KOL
    c = comm[rows]
    dst[rows] = w.comm_start[c] + np.floor(w.kol_count[c] * rng.random(c.size) ** 2).astype(int)
    rows = cat == COMMUNITY
    c = comm[rows]
    dst[rows] = _weighted_in_block(rng, cum_appeal, w.comm_start[c],
                                   w.comm_start[c] + w.comm_size[c])
    rows = cat == ANYONE
    u = rng.random(int(rows.sum())) * cum_appeal[-1]
    dst[rows] = np.minimum(np.searchsorted(cum_appeal, u, side="right"), w.n - 1)
    return dst


def build_interactions(rng: np.random.Generator, w: World) -> Interactions:
    """About ``INTERACTIONS_PER_PERSON`` interactions per person, no self-loops, at most one
    follow per account pair, no two identical rows."""
    m = round(INTERACTIONS_PER_PERSON * w.n)
    src = rng.choice(w.n, m, p=w.activity / w.activity.sum())
    cat = rng.choice(4, m, p=CATEGORY_P)
    appeal = w.appeal.copy()
    appeal[w.is_kol] *= 20.0
    cum_appeal = np.cumsum(appeal)
    dst = _targets(rng, w, src, cat, cum_appeal)
    for attempt in range(REDRAWS):
        bad = (dst == src) | ((w.platform_mask[src] & w.platform_mask[dst]) == 0)
        if not bad.any():
            break
        if attempt == REDRAWS // 2:
            cat[bad & (cat == KOL)] = COMMUNITY
        dst[bad] = _targets(rng, w, src[bad], cat[bad], cum_appeal)
    keep = (dst != src) & ((w.platform_mask[src] & w.platform_mask[dst]) != 0)
    src, dst, cat = src[keep], dst[keep], cat[keep]

    kind = np.empty(src.size, dtype=np.int64)
    u = rng.random(src.size)
    for k in range(4):
        rows = cat == k
        kind[rows] = np.searchsorted(np.cumsum(TYPE_P[k]), u[rows], side="right")
    kind = np.minimum(kind, len(INTERACTION_TYPES) - 1)
    time = epoch_times(rng, src.size)
    platform = random_bit(rng, w.platform_mask[src] & w.platform_mask[dst])

    back = (cat == GROUP) & (kind == 0) & (rng.random(src.size) < FOLLOW_BACK_P)
    delay = rng.integers(60, 3 * 86_400, int(back.sum()))
    src, dst = np.concatenate([src, dst[back]]), np.concatenate([dst, src[back]])
    kind = np.concatenate([kind, kind[back]])
    platform = np.concatenate([platform, platform[back]])
    year_end = YEAR_START_EPOCH + 365 * 86_400 - 1
    time = np.concatenate([time, np.minimum(time[back] + delay, year_end)])

    src_acc, dst_acc = w.acc_of[src, platform], w.acc_of[dst, platform]
    pair = src_acc * w.n_accounts + dst_acc
    row_key = pair * len(INTERACTION_TYPES) + kind
    order = np.lexsort((row_key, time))
    keep = np.ones(order.size, dtype=bool)
    keep[1:] = (time[order][1:] != time[order][:-1]) | (row_key[order][1:] != row_key[order][:-1])
    order = order[keep]
    follows = np.nonzero(kind[order] == 0)[0]
    _, first = np.unique(pair[order[follows]], return_index=True)
    keep = np.ones(order.size, dtype=bool)
    keep[follows] = False
    keep[follows[first]] = True
    order = order[keep]
    return Interactions(platform=platform[order], src=src_acc[order], dst=dst_acc[order],
                        type=kind[order], time=time[order])


def build_contents(rng: np.random.Generator, w: World) -> Contents:
    """Paid and free items, mostly by KOLs (2 + Poisson(4) each) and by a few small creators;
    on one of the creator's platforms (its primary one 40% of the time, plus its share of
    the uniform draw), about the creator's community topic (90%)."""
    small = ~w.is_kol & (rng.random(w.n) < 0.004)
    count = np.zeros(w.n, dtype=np.int64)
    count[w.is_kol] = 2 + rng.poisson(4.0, int(w.is_kol.sum()))
    count[small] = 1 + rng.poisson(0.5, int(small.sum()))
    creator = np.repeat(np.arange(w.n), count)
    n = creator.size
    platform = np.where(rng.random(n) < 0.4, w.primary_platform()[creator],
                        random_bit(rng, w.platform_mask[creator]))
    kind = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for p in range(len(PLATFORMS)):
        rows = platform == p
        kind[rows] = np.searchsorted(np.cumsum(KIND_P[p]), u[rows], side="right")
    kind = np.minimum(kind, len(KINDS) - 1)
    topic = np.where(rng.random(n) < 0.9, w.comm_topic[w.community[creator]],
                     rng.integers(0, len(TOPICS), n))
    price = np.zeros(n)
    u = rng.random(n)
    for k in range(len(KINDS)):
        rows = np.nonzero((kind == k) & (rng.random(n) >= FREE_P[k]))[0]
        cum = np.cumsum(PRICE_W[k] / PRICE_W[k].sum())
        price[rows] = PRICES[np.minimum(np.searchsorted(cum, u[rows], side="right"),
                                        PRICES.size - 1)]
    popularity = rng.lognormal(0.0, 1.2, n) * np.where(w.is_kol[creator], 3.0, 1.0)
    return Contents(creator=creator, platform=platform, kind=kind, topic=topic, price=price,
                    popularity=popularity)


@dataclass(frozen=True)
class _ContentIndex:
    """Contents grouped by (group, platform), e.g. group = creator community or topic."""

    order: np.ndarray       # content rows sorted by group * 5 + platform
    cum: np.ndarray         # cumulative popularity in that order
    start: np.ndarray       # (groups * 5,) first position of each (group, platform) block
    end: np.ndarray
    platforms: np.ndarray   # (groups,) mask of the platforms that group has content on

    @classmethod
    def build(cls, group: np.ndarray, n_groups: int, c: Contents) -> _ContentIndex:
        k = len(PLATFORMS)
        key = group * k + c.platform
        order = np.argsort(key, kind="stable")
        blocks = np.arange(n_groups * k)
        start = np.searchsorted(key[order], blocks, side="left")
        end = np.searchsorted(key[order], blocks, side="right")
        present = (end > start).reshape(n_groups, k)
        platforms = (present * (1 << np.arange(k))).sum(axis=1)
        return cls(order=order, cum=np.cumsum(c.popularity[order]), start=start, end=end,
                   platforms=platforms)

    def draw(self, rng: np.random.Generator, group: np.ndarray,
             person_mask: np.ndarray) -> np.ndarray:
        """A content row per request, on a platform of the person, weighted by popularity;
        -1 where the group has nothing on the person's platforms."""
        avail = self.platforms[group] & person_mask
        out = np.full(group.size, -1, dtype=np.int64)
        ok = np.nonzero(avail)[0]
        block = group[ok] * len(PLATFORMS) + random_bit(rng, avail[ok])
        out[ok] = self.order[_weighted_in_block(rng, self.cum, self.start[block],
                                                self.end[block])]
        return out


def build_engagements(rng: np.random.Generator, w: World, c: Contents) -> Engagements:
    """About ``ENGAGEMENTS_PER_PERSON`` engagements per person, mostly with content of the
    person's community (75%) or topic (15%), always on a platform where the person has an
    account; ``amount`` is the price for purchases and subscriptions; one purchase or
    subscription per account and item; no two identical rows."""
    indexes = (_ContentIndex.build(w.community[c.creator], w.n_communities, c),
               _ContentIndex.build(c.topic, len(TOPICS), c),
               _ContentIndex.build(np.zeros_like(c.topic), 1, c))
    m = round(ENGAGEMENTS_PER_PERSON * w.n)
    person = rng.choice(w.n, m, p=w.activity / w.activity.sum())
    cat = rng.choice(3, m, p=CONTENT_CATEGORY_P)
    item = np.full(m, -1, dtype=np.int64)
    groups = (w.community[person], w.comm_topic[w.community[person]], np.zeros_like(person))
    # A person whose community (or topic) has nothing on its platforms falls to the next way.
    for way in (OWN_COMMUNITY, SAME_TOPIC, ANY_CONTENT):
        rows = np.nonzero((item < 0) & (cat <= way))[0]
        item[rows] = indexes[way].draw(rng, groups[way][rows], w.platform_mask[person[rows]])
    keep = item >= 0
    person, item = person[keep], item[keep]

    kind = np.minimum(np.searchsorted(np.cumsum(ENGAGEMENT_P), rng.random(person.size),
                                      side="right"), len(ENGAGEMENT_TYPES) - 1)
    free = c.price[item] == 0
    kind[free & (kind == PAID[0])] = ENGAGEMENT_TYPES.index("view")
    time = epoch_times(rng, person.size)
    account = w.acc_of[person, c.platform[item]]

    key = (account * c.creator.size + item) * len(ENGAGEMENT_TYPES) + kind
    order = np.lexsort((key, time))
    keep = np.ones(order.size, dtype=bool)
    keep[1:] = (time[order][1:] != time[order][:-1]) | (key[order][1:] != key[order][:-1])
    order = order[keep]
    paid = np.nonzero(np.isin(kind[order], PAID))[0]
    _, first = np.unique(key[order[paid]], return_index=True)
    keep = np.ones(order.size, dtype=bool)
    keep[paid] = False
    keep[paid[first]] = True
    order = order[keep]
    kind, item = kind[order], item[order]
    amount = np.where(np.isin(kind, PAID), c.price[item], np.nan)
    return Engagements(account=account[order], content=item, type=kind, time=time[order],
                       amount=amount)
