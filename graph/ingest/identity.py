"""Identity resolution: connected components over accounts that share an identity hash or
are linked (a vectorised union-find).

Pure functions over plain data; the pipeline feeds them the accounts already in the graph
(with their person) and those of this run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graph.arrays import sorted_unique
from graph.ingest.arrow_keys import arrow_strings, positions_in_each


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
    # account key -> person id, both strings (resolve_frame's index and values)
    return Resolution(cast(dict[str, str], person_of.to_dict()), conflicts)


@dataclass(frozen=True)
class Persons:
    """Accounts grouped into persons, as integer codes: ``keys`` are the distinct account
    keys, sorted; ``person`` is the person code of each key (0 .. n-1, in the order of each
    person's smallest key); ``ids`` the person id of each code; ``conflicts`` as in
    ``resolve_frame``."""

    keys: np.ndarray
    person: np.ndarray
    ids: np.ndarray
    conflicts: list[dict[str, object]]


def _star_edges(members: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges from each member to the first member of its group (``groups``: integer
    labels), which connect every group."""
    order = np.argsort(groups, kind="stable")
    _, starts, inverse = np.unique(groups[order], return_index=True, return_inverse=True)
    return members[order], members[order][starts][inverse]


def resolve_codes(accounts: pd.Series, hashes: pd.DataFrame, links: pd.DataFrame,
                  groups: pd.DataFrame, max_accounts_per_value: int = 20) -> Persons:
    """``resolve_frame`` on integer codes (the ingest's form; see there for the inputs)."""
    distinct = pc.unique(pa.chunked_array([arrow_strings(c) for c in (
        accounts, hashes["account"], links["a"], links["b"], groups["account"])],
        type=pa.large_string()))
    # byte order of UTF-8 is code point order, the order of Python's str comparison
    keys = pc.take(distinct, pc.sort_indices(distinct))
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []

    members, grouped, linked_a, linked_b = positions_in_each(
        [hashes["account"], groups["account"], links["a"], links["b"]], keys)
    encoded = pc.dictionary_encode(arrow_strings(hashes["hash"]))
    values = encoded.dictionary.to_numpy(zero_copy_only=False)
    hash_codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    width = max(len(keys), 1)
    pairs = sorted_unique(hash_codes * width + members)  # distinct (hash, account)
    pair_hash, pair_member = pairs // width, pairs % width
    sizes = np.bincount(pair_hash, minlength=len(values))
    implausible = np.flatnonzero(sizes > max_accounts_per_value)
    conflicts = [{"identity_hash": str(values[h]), "accounts": int(sizes[h]),
                  "reason": f"shared by more than {max_accounts_per_value} accounts; "
                            "not used to merge"}
                 for h in sorted(implausible.tolist(),
                                 key=lambda h: (-sizes[h], str(values[h])))]
    usable = sizes[pair_hash] <= max_accounts_per_value
    for edge in (_star_edges(pair_member[usable], pair_hash[usable]),
                 _star_edges(grouped,
                             pd.factorize(np.asarray(groups["group"], dtype=object))[0]),
                 (linked_a, linked_b)):
        sources.append(edge[0])
        targets.append(edge[1])

    src = np.concatenate(sources).astype(np.int64)
    dst = np.concatenate(targets).astype(np.int64)
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)),
                       shape=(len(keys), len(keys)))
    _, component = connected_components(graph, directed=False)
    # codes follow key order, so a component's first code is its smallest key
    _, smallest = np.unique(component, return_index=True)
    by_key = np.argsort(smallest)
    rank = np.empty(len(smallest), dtype=np.int64)
    rank[by_key] = np.arange(len(smallest))
    key_values = keys.to_numpy(zero_copy_only=False)
    ids = np.array([person_id_for([key_values[code]]) for code in smallest[by_key]],
                   dtype=object)
    return Persons(key_values, rank[component], ids, conflicts)


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
    persons = resolve_codes(accounts, hashes, links, groups, max_accounts_per_value)
    return (pd.Series(persons.ids[persons.person], index=pd.Index(persons.keys, dtype=object),
                      dtype=object), persons.conflicts)
