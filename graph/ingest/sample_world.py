"""The planted structure of a sample: communities, small friend groups, KOLs and platforms.

Persons are numbered community by community (person ``i`` of community ``c`` is
``comm_start[c] + j``), so every per-community or per-group choice is a slice of one array.
The first ``kol_count[c]`` persons of a community are its planted KOLs. Nothing here is
written out: ``sample.py`` scrambles the person keys before anything leaves the generator.

>>> import numpy as np
>>> w = build_world(np.random.default_rng(1), 1000)
>>> int(w.comm_size.sum()), int(w.comm_size.min()) >= 20, w.n_accounts > 1000
(1000, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOPICS: tuple[str, ...] = ("AI", "finance", "parenting", "history", "career", "psychology",
                           "fitness", "languages")
PLATFORMS: tuple[str, ...] = ("dedao", "ximalaya", "zhihu", "bilibili", "channels")
PLATFORM_WEIGHTS = np.array([0.12, 0.20, 0.28, 0.25, 0.15])

# Share of persons by number of platforms (1..5): about a third are on two or more.
PLATFORM_COUNT_P = np.array([0.665, 0.22, 0.075, 0.03, 0.01])
KOL_SHARE = 0.006            # expected planted KOLs per person in a community (at least 1)
MIN_COMMUNITY = 20           # no community is smaller than this
APPEAL_CAP = 40.0            # heavy-tailed appeal, but no ordinary person rivals a KOL


@dataclass(frozen=True)
class World:
    """Per-person, per-community, per-group and per-account arrays of one sample."""

    community: np.ndarray       # (N,) community of each person
    comm_start: np.ndarray      # (C,) first person of each community
    comm_size: np.ndarray       # (C,)
    comm_topic: np.ndarray      # (C,) index into TOPICS
    kol_count: np.ndarray       # (C,) KOLs are the first kol_count persons of a community
    is_kol: np.ndarray          # (N,) bool
    group: np.ndarray           # (N,) small friend group of each person
    group_start: np.ndarray     # (G,)
    group_size: np.ndarray      # (G,) at least 5
    activity: np.ndarray        # (N,) how much a person interacts (out-propensity)
    appeal: np.ndarray          # (N,) heavy-tailed attractiveness inside the community
    platform_mask: np.ndarray   # (N,) bit p set when the person has an account on PLATFORMS[p]
    acc_person: np.ndarray      # (A,) owner of each account; person-major, first account first
    acc_platform: np.ndarray    # (A,) index into PLATFORMS
    acc_rank: np.ndarray        # (A,) 0 for a person's first (primary) account, then 1, 2...
    acc_of: np.ndarray          # (N, 5) account of a person on a platform, -1 when none

    @property
    def n(self) -> int:
        return int(self.community.size)

    @property
    def n_accounts(self) -> int:
        return int(self.acc_person.size)

    @property
    def n_communities(self) -> int:
        return int(self.comm_size.size)

    def primary_platform(self) -> np.ndarray:
        """(N,) platform of each person's first account."""
        return self.acc_platform[self.acc_rank == 0]

    def n_platforms(self) -> np.ndarray:
        """(N,) number of platforms (= accounts) of each person."""
        return np.bincount(self.acc_person, minlength=self.n)


def community_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Heavy-tailed (log-normal) community sizes summing to ``n``, none below
    ``MIN_COMMUNITY`` nor below 30% of the mean; about ``sqrt(n) / 2.5`` communities (>= 8)."""
    count = max(8, round(np.sqrt(n) / 2.5))
    floor = max(MIN_COMMUNITY, int(0.3 * n / count))
    weights = rng.lognormal(0.0, 1.0, count)
    return floor + rng.multinomial(n - floor * count, weights / weights.sum())


def build_world(rng: np.random.Generator, n: int) -> World:
    """Draw the planted structure of ``n`` persons (n >= 1000) from ``rng``."""
    sizes = community_sizes(rng, n)
    n_comm = sizes.size
    comm_start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    community = np.repeat(np.arange(n_comm), sizes)
    pos = np.arange(n) - comm_start[community]
    comm_topic = rng.permutation(n_comm) % len(TOPICS)
    kol_count = np.maximum(1, np.floor(sizes * KOL_SHARE + rng.random(n_comm))).astype(np.int64)
    is_kol = pos < kol_count[community]

    group_width = rng.integers(5, 13, n_comm)
    n_groups = np.maximum(1, sizes // group_width)
    group_offset = np.concatenate([[0], np.cumsum(n_groups)[:-1]])
    local = np.minimum(pos // group_width[community], n_groups[community] - 1)
    group = group_offset[community] + local
    group_size = np.bincount(group)
    group_start = np.concatenate([[0], np.cumsum(group_size)[:-1]])

    activity = rng.lognormal(0.0, 0.8, n)
    activity[is_kol] *= 2.0
    appeal = np.minimum(rng.pareto(2.0, n) + 1.0, APPEAL_CAP)

    mask, acc_person, acc_platform, acc_rank = _platforms(rng, community, group, group_start,
                                                          is_kol, n_comm)
    acc_of = np.full((n, len(PLATFORMS)), -1, dtype=np.int64)
    acc_of[acc_person, acc_platform] = np.arange(acc_person.size)
    return World(community=community, comm_start=comm_start, comm_size=sizes,
                 comm_topic=comm_topic, kol_count=kol_count, is_kol=is_kol, group=group,
                 group_start=group_start, group_size=group_size, activity=activity,
                 appeal=appeal, platform_mask=mask, acc_person=acc_person,
                 acc_platform=acc_platform, acc_rank=acc_rank, acc_of=acc_of)


def _platforms(rng: np.random.Generator, community: np.ndarray, group: np.ndarray,
               group_start: np.ndarray, is_kol: np.ndarray,
               n_comm: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each community leans to a platform, each friend group more so; KOLs are on 3-5
    platforms including their community's. Returns (mask, acc_person, acc_platform, acc_rank)."""
    n, k = community.size, len(PLATFORMS)
    comm_platform = rng.choice(k, n_comm, p=PLATFORM_WEIGHTS)
    n_groups = group_start.size
    group_platform = np.where(rng.random(n_groups) < 0.6, comm_platform[community[group_start]],
                              rng.choice(k, n_groups, p=PLATFORM_WEIGHTS))
    primary = np.where(rng.random(n) < 0.7, group_platform[group],
                       rng.choice(k, n, p=PLATFORM_WEIGHTS))
    primary[is_kol] = comm_platform[community[is_kol]]
    count = rng.choice(k, n, p=PLATFORM_COUNT_P) + 1
    count[is_kol] = rng.choice([3, 4, 5], int(is_kol.sum()), p=[0.3, 0.3, 0.4])

    # Gumbel top-k: the primary platform first, then others weighted by popularity; KOLs go
    # where their community's members are.
    audience = np.bincount(community * k + primary, minlength=n_comm * k).reshape(n_comm, k)
    weights = np.broadcast_to(PLATFORM_WEIGHTS, (n, k)).copy()
    weights[is_kol] = (audience + 1.0)[community[is_kol]]
    keys = np.log(weights) + rng.gumbel(size=(n, k))
    keys[np.arange(n), primary] = np.inf
    ranks = np.argsort(-keys, axis=1, kind="stable")
    taken = np.arange(k)[None, :] < count[:, None]
    mask = ((1 << ranks) * taken).sum(axis=1).astype(np.uint8)
    acc_person = np.nonzero(taken)[0]
    acc_platform = ranks[taken]
    acc_rank = np.broadcast_to(np.arange(k), (n, k))[taken]
    return mask, acc_person, acc_platform, acc_rank
