"""``graph.store.web_reads.network_cards`` (what a network view's card shows, one read for all
its persons) on the embedded database and on Neo4j."""

from __future__ import annotations

from graph.store import web_reads
from graph.store.base import GraphStore


def _persons(store: GraphStore) -> None:
    """``a``: two accounts (20 and 10 followers, and one without a count); ``b``: none."""
    store.write(
        "CREATE (a:Person {person_id: 'a', display_name: '周叔说育儿', community_id: 3, "
        "kol_score: 0.5, followers_total: 30, analyze_run_id: 'r1'}) "
        "CREATE (a)-[:HAS_ACCOUNT]->(:Account {account_key: 'zhihu:small', platform: 'zhihu', "
        "account_id: 'small', followers: 10}) "
        "CREATE (a)-[:HAS_ACCOUNT]->(:Account {account_key: 'dedao:big', platform: 'dedao', "
        "account_id: 'big', followers: 20}) "
        "CREATE (a)-[:HAS_ACCOUNT]->(:Account {account_key: 'bilibili:none', "
        "platform: 'bilibili', account_id: 'none'}) "
        "CREATE (:Person {person_id: 'b', display_name: 'B', community_id: 0, kol_score: 0.1})")


def test_network_cards_read_every_person_with_accounts_by_followers(any_store: GraphStore
                                                                    ) -> None:
    _persons(any_store)
    rows = {r["person_id"]: r for r in web_reads.network_cards(any_store, ["a", "b", "zz"])}
    assert sorted(rows) == ["a", "b"]                              # unknown ids left out
    a = rows["a"]
    assert (a["display_name"], a["community_id"], a["kol_score"], a["followers_total"],
            a["analyze_run_id"]) == ("周叔说育儿", 3, 0.5, 30, "r1")
    assert a["accounts"] == [
        {"platform": "dedao", "handle": "big", "followers": 20},
        {"platform": "zhihu", "handle": "small", "followers": 10},
        {"platform": "bilibili", "handle": "none", "followers": None}]
    assert rows["b"]["accounts"] == []                              # no accounts: none
    assert web_reads.network_cards(any_store, []) == []
