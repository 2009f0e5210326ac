"""How the accounts of one person are tied together in a sample.

Every person with two or more accounts is linked in exactly one of four ways:

- ``shared``: all its accounts carry the same phone, email or unionid value;
- ``link``: only ``identity_links`` rows (a star from the first account) tie them;
- ``both``: a shared value and the link rows;
- ``chain`` (persons with 3+ accounts): the first two accounts share a value and the rest
  hang on a chain of links (A~B by phone, B~C by link, C~D by link), so only a transitive
  resolution finds the whole person.

Besides, a person's first account often carries the person's own phone/email/unionid. Values
are unique per person, so two persons never share one by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.ingest.sample_ids import emails, phones, unionids
from graph.ingest.sample_world import PLATFORMS, World

MODES: tuple[str, ...] = ("single", "shared", "link", "both", "chain")
KINDS: tuple[str, ...] = ("phone", "email", "unionid")
MODE_P = np.array([0.58, 0.35, 0.07])          # shared, link, both
CHAIN_P = 0.25                                  # of persons with 3+ accounts
KIND_P = np.array([0.5, 0.3, 0.2])              # phone, email, unionid
OWN_VALUE_P = np.array([0.45, 0.25, 0.6])       # first account carries its own value


@dataclass(frozen=True)
class Identities:
    """Identity columns per account (object arrays, ``None`` when empty) and link pairs."""

    mode: np.ndarray        # (N,) index into MODES
    phone: np.ndarray       # (A,)
    email: np.ndarray       # (A,)
    unionid: np.ndarray     # (A,)
    link_a: np.ndarray      # (L,) account indices
    link_b: np.ndarray      # (L,)


def build_identities(rng: np.random.Generator, world: World, pinyin: np.ndarray) -> Identities:
    """Draw how each person's accounts are tied; ``pinyin`` (N,) feeds the e-mail names."""
    n = world.n
    count = world.n_platforms()
    mode = np.zeros(n, dtype=np.int64)
    multi = count >= 2
    mode[multi] = 1 + rng.choice(3, int(multi.sum()), p=MODE_P)
    mode[(count >= 3) & (rng.random(n) < CHAIN_P)] = MODES.index("chain")
    kind = rng.choice(3, n, p=KIND_P)

    person, rank = world.acc_person, world.acc_rank
    acc_mode = mode[person]
    in_group = np.isin(acc_mode, [1, 3]) | ((acc_mode == 4) & (rank <= 1))
    own = (rank == 0)[:, None] & (rng.random((n, 3)) < OWN_VALUE_P)[person]
    own[:, 2] &= world.acc_platform == PLATFORMS.index("channels")

    values = (phones(rng, n), emails(rng, pinyin), unionids(rng, n))
    columns = []
    for k in range(3):
        has = (in_group & (kind[person] == k)) | own[:, k]
        columns.append(np.where(has, values[k][person], np.array(None)))  # None: no value

    star = np.isin(acc_mode, [2, 3]) & (rank >= 1)
    chained = (acc_mode == 4) & (rank >= 2)
    b = np.nonzero(star | chained)[0]
    a = np.where(star[b], b - rank[b], b - 1)
    swap = rng.random(b.size) < 0.5
    link_a, link_b = np.where(swap, b, a), np.where(swap, a, b)
    return Identities(mode=mode, phone=columns[0], email=columns[1], unionid=columns[2],
                      link_a=link_a, link_b=link_b)
