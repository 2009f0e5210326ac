"""KOL-caused purchases planted in a sample, so that campaign attribution can be scored.

A planted KOL promotes a paid content: it shares it (its own content, a launch, 60% of the
time; else a paid content of its community's topic) at time ``t``. Some of its audience —
persons who followed or interacted with one of its accounts before ``t`` and have an account
on the content's platform — buy it (``subscribe`` for an audio column) within a few days
after ``t``: these purchases are *caused* by the KOL and go to the truth. A few others of
that audience bought it a few days *before* ``t``: planted decoys that no attribution may
credit to that KOL. The sample's ordinary purchases (``sample_activity``) stay as they were:
organic purchases that attribution should leave alone.

One promotion in ten is shared again by the same KOL 10 to 60 days later (a reminder). The
graph keeps only the last time of each (account, content, type) engagement, so for those the
first share — the one that caused the purchases — is lost after ingest, and so are their
attributions: the cost of last-time storage that scores against this truth show.

Everything here draws from its own random generator (seeded from the sample's seed), so the
rest of a sample is the same with or without the planted purchases.

>>> import numpy as np
>>> from graph.ingest.sample_activity import build_contents, build_engagements
>>> from graph.ingest.sample_activity import build_interactions
>>> from graph.ingest.sample_world import build_world
>>> rng = np.random.default_rng(3)
>>> w = build_world(rng, 1000)
>>> inter = build_interactions(rng, w)
>>> c = build_contents(rng, w)
>>> p = plant_purchases(np.random.default_rng(4), w, kol_ties(w, inter), c,
...                     build_engagements(rng, w, c))
>>> bool(p.caused.size > 0), bool((p.caused_at > p.shared_at[p.caused]).all())
(True, True)
>>> bool((p.early_at < p.shared_at[p.early]).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.ingest.sample_activity import (
    ENGAGEMENT_TYPES,
    KINDS,
    PAID,
    Contents,
    Engagements,
    Interactions,
)
from graph.ingest.sample_ids import YEAR_START_EPOCH
from graph.ingest.sample_world import World

DAY = 86_400
YEAR_END_EPOCH = YEAR_START_EPOCH + 365 * DAY - 1
SHARES_PER_KOL = 2.0        # mean of the Poisson number of promotions per planted KOL
OWN_CONTENT_P = 0.6         # a promotion shares the KOL's own paid content (else its topic's)
BUY_P = 0.08                # chance that an audience member buys after the share
EARLY_P = 0.03              # chance that one bought it before the share (a decoy)
BUY_DELAY_MEAN_S = 1.5 * DAY   # exponential delay from share to purchase, cut to the range
BUY_DELAY_S = (600, 5 * DAY)
EARLY_S = (3_600, 10 * DAY)    # how long before the share a decoy bought
RESHARE_P = 0.1
RESHARE_AFTER_S = (10 * DAY, 60 * DAY)
SHARE = ENGAGEMENT_TYPES.index("share")
PURCHASE, SUBSCRIBE = PAID
AUDIO_COLUMN = KINDS.index("audio_column")


@dataclass(frozen=True)
class KolTies:
    """The audience of every planted KOL: one row per (KOL person, member person) with the
    time of the member's earliest tie (follow or interaction, any platform) to the KOL;
    rows sorted by KOL, then member."""

    kol: np.ndarray
    member: np.ndarray
    since: np.ndarray


@dataclass(frozen=True)
class Planted:
    """What ``plant_purchases`` made. ``shares``: one row per promotion — ``share_kol``
    (person), ``share_content`` (content row), ``shared_at``. ``caused``/``early``: the
    promotion (index into the share arrays) of each caused purchase / pre-share decoy, with
    ``*_buyer`` (person), ``*_at`` and ``*_type`` (index into ``ENGAGEMENT_TYPES``).
    ``engagements``: the rows to add to the sample's engagements (promotion shares,
    reminder shares, caused and decoy purchases)."""

    share_kol: np.ndarray
    share_content: np.ndarray
    shared_at: np.ndarray
    caused: np.ndarray
    caused_buyer: np.ndarray
    caused_at: np.ndarray
    caused_type: np.ndarray
    early: np.ndarray
    early_buyer: np.ndarray
    early_at: np.ndarray
    early_type: np.ndarray
    engagements: Engagements


def kol_ties(w: World, inter: Interactions) -> KolTies:
    """The audiences of ``w``'s planted KOLs in the interactions ``inter`` (every
    interaction type counts, as in ``graph.analytics.ranking.AUDIENCE_TIE_TYPES``)."""
    kol, member = w.acc_person[inter.dst], w.acc_person[inter.src]
    keep = w.is_kol[kol] & (kol != member)
    key = kol[keep] * np.int64(w.n) + member[keep]
    time = inter.time[keep]
    order = np.lexsort((time, key))
    key, time = key[order], time[order]
    unique, first = np.unique(key, return_index=True)
    return KolTies(kol=unique // w.n, member=unique % w.n, since=time[first])


def _candidates(w: World, c: Contents) -> tuple[np.ndarray, list[np.ndarray]]:
    """Paid content rows sorted by creator, and the paid content rows of each topic."""
    paid = np.nonzero(c.price > 0)[0]
    by_creator = paid[np.argsort(c.creator[paid], kind="stable")]
    topics = int(c.topic.max()) + 1 if c.topic.size else 0
    return by_creator, [paid[c.topic[paid] == t] for t in range(topics)]


def plant_purchases(rng: np.random.Generator, w: World, ties: KolTies, c: Contents,
                    existing: Engagements) -> Planted:
    """Promotions by ``w``'s planted KOLs and the purchases they cause (see the module
    docstring), drawn from ``rng``. No planted purchase repeats a paid engagement of
    ``existing`` or another planted one (one purchase or subscription per account and item);
    nobody buys from a promotion of its own content."""
    by_creator, by_topic = _candidates(w, c)
    creators = c.creator[by_creator]
    tie_start = np.searchsorted(ties.kol, np.arange(w.n), side="left")
    tie_end = np.searchsorted(ties.kol, np.arange(w.n), side="right")
    n_items = np.int64(max(1, c.creator.size))
    taken = set((existing.account[np.isin(existing.type, PAID)] * n_items
                 + existing.content[np.isin(existing.type, PAID)]).tolist())
    shares: list[tuple[int, int, int]] = []
    bought: list[tuple[int, int, int, int, int]] = []    # share, buyer, at, type, caused
    extra: list[tuple[int, int, int, int]] = []          # account, content, type, time
    for kol in np.nonzero(w.is_kol)[0]:
        own = by_creator[np.searchsorted(creators, kol):np.searchsorted(creators, kol, "right")]
        topic = by_topic[w.comm_topic[w.community[kol]]] if by_topic else own
        topic = topic[(w.platform_mask[kol] >> c.platform[topic] & 1).astype(bool)
                      & (c.creator[topic] != kol)]
        for _ in range(rng.poisson(SHARES_PER_KOL)):
            pool = own if own.size and (not topic.size or rng.random() < OWN_CONTENT_P) \
                else topic
            if not pool.size:
                continue
            item = int(pool[rng.integers(0, pool.size)])
            platform = int(c.platform[item])
            at = int(rng.integers(YEAR_START_EPOCH + 30 * DAY, YEAR_END_EPOCH - 10 * DAY))
            share = len(shares)
            shares.append((int(kol), item, at))
            extra.append((int(w.acc_of[kol, platform]), item, SHARE, at))
            if rng.random() < RESHARE_P:
                again = min(at + int(rng.integers(*RESHARE_AFTER_S)), YEAR_END_EPOCH)
                extra.append((int(w.acc_of[kol, platform]), item, SHARE, again))
            span = slice(tie_start[kol], tie_end[kol])
            members, since = ties.member[span], ties.since[span]
            members = members[(since < at) & (w.acc_of[members, platform] >= 0)
                              & (members != c.creator[item])]
            draw = rng.random(members.size)
            delay = np.clip(rng.exponential(BUY_DELAY_MEAN_S, members.size), *BUY_DELAY_S)
            before = rng.integers(*EARLY_S, members.size)
            kind = SUBSCRIBE if c.kind[item] == AUDIO_COLUMN else PURCHASE
            for j in np.nonzero(draw < BUY_P + EARLY_P)[0]:
                account = int(w.acc_of[members[j], platform])
                key = account * int(n_items) + item
                if key in taken:
                    continue
                taken.add(key)
                caused = bool(draw[j] < BUY_P)
                when = at + int(delay[j]) if caused else at - int(before[j])
                bought.append((share, int(members[j]), when, kind, int(caused)))
                extra.append((account, item, kind, when))
    return _planted(shares, bought, extra, c)


def _planted(shares: list[tuple[int, int, int]], bought: list[tuple[int, int, int, int, int]],
             extra: list[tuple[int, int, int, int]], c: Contents) -> Planted:
    s = np.array(shares, dtype=np.int64).reshape(-1, 3)
    b = np.array(bought, dtype=np.int64).reshape(-1, 5)
    e = np.array(extra, dtype=np.int64).reshape(-1, 4)
    caused, early = b[:, 4] == 1, b[:, 4] == 0
    kind = e[:, 2]
    amount = np.where(np.isin(kind, PAID), c.price[e[:, 1]], np.nan)
    rows = Engagements(account=e[:, 0], content=e[:, 1], type=kind, time=e[:, 3],
                       amount=amount)
    return Planted(share_kol=s[:, 0], share_content=s[:, 1], shared_at=s[:, 2],
                   caused=b[caused, 0], caused_buyer=b[caused, 1], caused_at=b[caused, 2],
                   caused_type=b[caused, 3], early=b[early, 0], early_buyer=b[early, 1],
                   early_at=b[early, 2], early_type=b[early, 3], engagements=rows)


def merge_engagements(base: Engagements, extra: Engagements, n_contents: int) -> Engagements:
    """``base`` and ``extra`` as one table sorted by time (then account, content, type), with
    rows identical in all of (account, content, type, time) kept once."""
    account = np.concatenate([base.account, extra.account])
    content = np.concatenate([base.content, extra.content])
    kind = np.concatenate([base.type, extra.type])
    time = np.concatenate([base.time, extra.time])
    amount = np.concatenate([base.amount, extra.amount])
    key = (account * np.int64(max(1, n_contents)) + content) * len(ENGAGEMENT_TYPES) + kind
    order = np.lexsort((key, time))
    keep = np.ones(order.size, dtype=bool)
    keep[1:] = (time[order][1:] != time[order][:-1]) | (key[order][1:] != key[order][:-1])
    order = order[keep]
    return Engagements(account=account[order], content=content[order], type=kind[order],
                       time=time[order], amount=amount[order])
