"""Small hand-made graphs for the analytics tests, as plain data and loaded into a store."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from graph.store.base import GraphStore, NodeRef

T0 = 1_780_000_000  # an epoch second; every tie is this recent unless a test says otherwise


def two_cliques(size: int = 5) -> pd.DataFrame:
    """Two cliques of ``size`` persons (``a0..``, ``b0..``), both directions, one bridge
    ``a0 - b0``: account ties lifted to persons (``src_person, dst_person, type, count,
    last_at``)."""
    rows = []
    for side in "ab":
        for i in range(size):
            for j in range(size):
                if i != j:
                    rows.append((f"{side}{i}", f"{side}{j}", "comment", 1, T0))
    rows += [("a0", "b0", "comment", 1, T0), ("b0", "a0", "comment", 1, T0)]
    return pd.DataFrame(rows, columns=["src_person", "dst_person", "type", "count", "last_at"])


def load_accounts(store: GraphStore, accounts: Iterable[tuple[str, str, str, int]]) -> None:
    """``(person_id, platform, account_id, followers)`` rows: Person, Account, HAS_ACCOUNT."""
    accounts = list(accounts)
    persons: dict[str, int] = {}
    for person, _platform, _acc, followers in accounts:
        persons[person] = persons.get(person, 0) + followers
    store.upsert_nodes("Person", "person_id", [
        {"person_id": p, "display_name": f"name {p}", "followers_total": f}
        for p, f in persons.items()])
    store.upsert_nodes("Account", "account_key", [
        {"account_key": f"{pl}:{a}", "platform": pl, "account_id": a, "followers": f}
        for _p, pl, a, f in accounts])
    store.upsert_relationships(
        "HAS_ACCOUNT", NodeRef("Person", "person_id", "person"),
        NodeRef("Account", "account_key", "account"),
        [{"person": p, "account": f"{pl}:{a}"} for p, pl, a, _f in accounts])


def load_ties(store: GraphStore, ties: Iterable[tuple[str, str, str, int]]) -> None:
    """``(src account_key, dst account_key, type, count)`` rows: FOLLOWS for ``follow``,
    INTERACTED otherwise (all at ``T0``)."""
    ties = list(ties)
    follows = [{"s": s, "d": d, "since": T0} for s, d, t, _c in ties if t == "follow"]
    inter = [{"s": s, "d": d, "type": t, "count": c, "first_at": T0, "last_at": T0}
             for s, d, t, c in ties if t != "follow"]
    src, dst = NodeRef("Account", "account_key", "s"), NodeRef("Account", "account_key", "d")
    store.upsert_relationships("FOLLOWS", src, dst, follows, props=("since",))
    store.upsert_relationships("INTERACTED", src, dst, inter, merge_on=("type",),
                               props=("count", "first_at", "last_at"))


def load_two_cliques(store: GraphStore, size: int = 5) -> None:
    """``two_cliques`` as a graph: one account per person on ``zhihu``, plus an account on
    ``bilibili`` for ``a1`` that follows ``a0``'s second account."""
    ties = two_cliques(size)
    persons = sorted(set(ties["src_person"]) | set(ties["dst_person"]))
    load_accounts(store, [(p, "zhihu", p, 10) for p in persons]
                  + [("a1", "bilibili", "a1b", 5), ("a0", "bilibili", "a0b", 50)])
    load_ties(store, [(f"zhihu:{s}", f"zhihu:{d}", t, c)
                      for s, d, t, c in ties[["src_person", "dst_person", "type", "count"]]
                      .itertuples(index=False)]
              + [("zhihu:a1", "zhihu:a0", "follow", 1), ("bilibili:a1b", "bilibili:a0b",
                                                          "follow", 1)])
