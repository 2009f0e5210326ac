"""Identity resolution: connected components over accounts that share an identity hash or
are linked (a vectorised union-find).

Pure functions over plain data; the pipeline feeds them the accounts already in the graph
(with their person) and those of this run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def person_id_for(member_keys: Iterable[str]) -> str:
    """The person id of a group of accounts: derived from its smallest account key, so it is
    the same on every run and, when two persons merge, one of the two ids survives.

    >>> person_id_for(["zhihu:1", "dedao:9"]) == person_id_for(["dedao:9"])
    True
    """
    first = min(member_keys)
    return "P" + hashlib.sha256(first.encode()).hexdigest()[:16]


@dataclass
class Resolution:
    """Result of ``resolve``: the person of every account, and the conflicts found."""

    person_of: dict[str, str]
    conflicts: list[dict[str, object]] = field(default_factory=list)


def resolve(accounts: Sequence[str], hashes: Mapping[str, Sequence[str]],
            links: Iterable[tuple[str, str]], groups: Iterable[Sequence[str]] = (),
            max_accounts_per_value: int = 20) -> Resolution:
    """Group ``accounts`` into persons (plain-Python front of ``resolve_frame``).

    ``hashes``: account -> identity hashes; ``links``: pairs of linked accounts;
    ``groups``: lists of accounts already one person.

    >>> r = resolve(["a:1", "b:2", "c:3"], {"a:1": ["h"], "b:2": ["h"]}, [("b:2", "c:3")])
    >>> len(set(r.person_of.values()))
    1
    """
    hash_rows = [(k, h) for k, values in hashes.items() for h in values]
    group_rows = [(k, i) for i, group in enumerate(groups) for k in group]
    person_of, conflicts = resolve_frame(
        pd.Series(list(accounts), dtype=object),
        pd.DataFrame(hash_rows, columns=["account", "hash"], dtype=object),
        pd.DataFrame(list(links), columns=["a", "b"], dtype=object),
        pd.DataFrame(group_rows, columns=["account", "group"]), max_accounts_per_value)
    return Resolution(person_of.to_dict(), conflicts)


def resolve_frame(accounts: pd.Series, hashes: pd.DataFrame, links: pd.DataFrame,
                  groups: pd.DataFrame, max_accounts_per_value: int = 20
                  ) -> tuple[pd.Series, list[dict[str, object]]]:
    """Group accounts into persons, vectorised (connected components of a sparse graph).

    In: ``accounts`` (account keys), ``hashes`` (columns ``account``, ``hash``: one row per
    identity hash of an account), ``links`` (``a``, ``b``: linked accounts) and ``groups``
    (``account``, ``group``: accounts already one person in the graph). Two accounts are
    one person when they share a hash, are linked or share a group, transitively. A hash
    held by more than ``max_accounts_per_value`` accounts is implausible (a shop phone, a
    placeholder email): it is not used and is reported as a conflict (its hash, never the
    value). Out: ``(person_id by account key, for every account named anywhere; the
    conflicts, largest first)``; a person's id is ``person_id_for`` of its accounts.

    >>> person_of, _ = resolve_frame(pd.Series(["a:1", "b:2", "c:3"]),
    ...     pd.DataFrame({"account": ["a:1", "b:2"], "hash": ["h", "h"]}),
    ...     pd.DataFrame({"a": [], "b": []}), pd.DataFrame({"account": [], "group": []}))
    >>> person_of["a:1"] == person_of["b:2"] != person_of["c:3"]
    True
    """
    named = pd.concat([pd.Series(accounts, dtype=object), hashes["account"], links["a"],
                       links["b"], groups["account"]], ignore_index=True).astype(object)
    keys = np.sort(pd.unique(named.to_numpy()))  # code order = key order
    index = pd.Index(keys)
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []

    per_hash = hashes.drop_duplicates()
    sizes = per_hash["hash"].value_counts()
    implausible = sizes[sizes > max_accounts_per_value]
    conflicts = [{"identity_hash": str(h), "accounts": int(n),
                  "reason": f"shared by more than {max_accounts_per_value} accounts; "
                            "not used to merge"}
                 for h, n in sorted(implausible.items(), key=lambda c: (-c[1], str(c[0])))]
    per_hash = per_hash[~per_hash["hash"].isin(implausible.index)]
    for members, by in ((per_hash["account"], per_hash["hash"]),
                        (groups["account"], groups["group"])):
        codes = index.get_indexer(members.to_numpy())
        first = pd.Series(codes).groupby(by.to_numpy(), sort=False).transform("first")
        sources.append(codes)
        targets.append(first.to_numpy())
    sources.append(index.get_indexer(links["a"].to_numpy()))
    targets.append(index.get_indexer(links["b"].to_numpy()))

    src = np.concatenate(sources).astype(np.int64)
    dst = np.concatenate(targets).astype(np.int64)
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)),
                       shape=(len(keys), len(keys)))
    _, component = connected_components(graph, directed=False)
    smallest = pd.Series(np.arange(len(keys))).groupby(component).transform("min").to_numpy()
    ids = {code: person_id_for([keys[code]]) for code in np.unique(smallest).tolist()}
    person_ids = pd.Series(smallest).map(ids).to_numpy()
    return pd.Series(person_ids, index=index, dtype=object), conflicts
