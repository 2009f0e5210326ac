"""Identity resolution: union-find over accounts that share an identity hash or are linked.

Pure functions over plain data; the pipeline feeds them the accounts already in the graph
(with their person) and those of this run.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


class UnionFind:
    """Disjoint sets over hashable items, with path halving.

    >>> uf = UnionFind(); uf.union("a", "b"); uf.union("b", "c")
    >>> uf.find("c") == uf.find("a")
    True
    """

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


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
    """Group ``accounts`` into persons.

    Two accounts are one person when they share an identity hash (``hashes``: account ->
    hashes), are linked (``links``), or are in one of ``groups`` (persons already in the
    graph), transitively. A hash shared by more than ``max_accounts_per_value`` accounts is
    implausible (a shop phone, a placeholder email): it is not used and is reported in
    ``conflicts`` (as its hash, never the value).

    >>> r = resolve(["a:1", "b:2", "c:3"], {"a:1": ["h"], "b:2": ["h"]}, [("b:2", "c:3")])
    >>> len(set(r.person_of.values()))
    1
    """
    uf = UnionFind()
    for key in accounts:
        uf.find(key)
    by_hash: dict[str, list[str]] = defaultdict(list)
    for key, values in hashes.items():
        for value in values:
            by_hash[value].append(key)
    conflicts: list[dict[str, object]] = []
    for value, keys in by_hash.items():
        if len(keys) > max_accounts_per_value:
            conflicts.append({"identity_hash": value, "accounts": len(keys),
                              "reason": f"shared by more than {max_accounts_per_value} "
                                        "accounts; not used to merge"})
            continue
        for other in keys[1:]:
            uf.union(keys[0], other)
    for a, b in links:
        uf.union(a, b)
    for group in groups:
        for other in group[1:]:
            uf.union(group[0], other)
    members: dict[str, list[str]] = defaultdict(list)
    for key in list(uf.parent):
        members[uf.find(key)].append(key)
    person_of: dict[str, str] = {}
    for keys in members.values():
        pid = person_id_for(keys)
        for key in keys:
            person_of[key] = pid
    conflicts.sort(key=lambda c: (-int(c["accounts"]), str(c["identity_hash"])))  # type: ignore[call-overload]
    return Resolution(person_of, conflicts)
