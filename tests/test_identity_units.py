"""Identity resolution (pure functions) against a plain union-find on random inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from graph.ingest.identity import person_id_for, resolve_frame


def _reference(keys: list[str], hashes: pd.DataFrame, links: pd.DataFrame,
               groups: pd.DataFrame, limit: int) -> dict[str, str]:
    parent = {k: k for k in [*keys, *hashes["account"], *links["a"], *links["b"],
                             *groups["account"]]}

    def find(k: str) -> str:
        while parent[k] != k:
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    pairs = hashes.drop_duplicates()
    sizes = pairs["hash"].value_counts()
    for column, frame in (("hash", pairs[pairs["hash"].map(sizes) <= limit]),
                          ("group", groups)):
        for _, members in frame.groupby(column)["account"]:
            for account in members:
                union(account, members.iloc[0])
    for a, b in zip(links["a"], links["b"], strict=True):
        union(a, b)
    members: dict[str, list[str]] = {}
    for k in parent:
        members.setdefault(find(k), []).append(k)
    return {k: person_id_for(group) for group in members.values() for k in group}


def test_resolution_matches_a_plain_union_find() -> None:
    rng = np.random.default_rng(11)
    for _ in range(25):
        n = int(rng.integers(1, 200))
        keys = [f"{rng.choice(['zhihu', 'dedao', 'b'])}:{i}" for i in rng.permutation(2 * n)[:n]]
        m, k = int(rng.integers(0, 2 * n)), int(rng.integers(0, n // 3 + 1))
        g = int(rng.integers(0, n))
        hashes = pd.DataFrame({"account": rng.choice(keys, m),
                               "hash": [f"h{x}" for x in rng.integers(0, max(n // 2, 1), m)]})
        links = pd.DataFrame({"a": rng.choice(keys, k), "b": rng.choice(keys, k)})
        groups = pd.DataFrame({"account": rng.choice(keys, g),
                               "group": [f"P{x}" for x in rng.integers(0, max(n // 3, 1), g)]})
        limit = int(rng.integers(1, 6))
        person_of, conflicts = resolve_frame(pd.Series(keys), hashes, links, groups, limit)
        assert person_of.to_dict() == _reference(keys, hashes, links, groups, limit)
        assert list(person_of.index) == sorted(person_of.index)
        sizes = hashes.drop_duplicates()["hash"].value_counts()
        assert sorted(c["accounts"] for c in conflicts) == sorted(sizes[sizes > limit])


def test_resolution_of_nothing_is_empty() -> None:
    empty = pd.DataFrame({"a": [], "b": []})
    person_of, conflicts = resolve_frame(pd.Series([], dtype=object),
                                         pd.DataFrame({"account": [], "hash": []}), empty,
                                         pd.DataFrame({"account": [], "group": []}))
    assert person_of.empty and conflicts == []
