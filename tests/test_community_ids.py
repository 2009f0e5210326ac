"""Communities people recognise: ids kept across analyze runs, tiny groups folded into the
unassigned bucket, lineage of splits, labels and admin names (issue 19, item 3).

Pure units over ``graph.analytics.community_ids``, then whole analyze runs against the real
embedded database."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_analytics_helpers import load_accounts, load_ties

from graph.analytics.community_ids import (
    UNASSIGNED_ID,
    apply_ids,
    fold_small,
    splits_and_merges,
    stable_ids,
)
from graph.analytics.weights import load_weights
from graph.errors import InvalidInput, NotFound
from graph.store import analytics_io
from graph.store.runs import current_run
from kolgraph.usecases.analyze import AnalyzeParams, rename_community, run_analysis

W = load_weights()


# ------------------------------------------------------------------------ pure units
def test_fold_small_keeps_big_numbers_and_buckets_the_rest():
    folded, kept = fold_small(np.array([0, 0, 0, 1, 1, 1, 2, 2, 3, 4]), min_size=3)
    assert kept == 2 and folded.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
    same, kept = fold_small(np.array([0, 1, 2]), min_size=1)
    assert kept == 3 and same.tolist() == [0, 1, 2]


def _frame(groups: dict[int, str], column: str) -> pd.DataFrame:
    rows = [(p, c) for c, members in groups.items() for p in members]
    return pd.DataFrame(rows, columns=["person_id", column])


def test_same_partition_renumbered_keeps_every_id():
    old = _frame({4: "abc", 9: "defg", 12: "hij"}, "community_id")
    new = _frame({0: "defg", 1: "abc", 2: "hij"}, "community")
    got = stable_ids(new, old, next_id=13)
    assert got.id_of == {0: 9, 1: 4, 2: 12} and got.next_id == 13


def test_unmatched_communities_get_fresh_ids_never_reused():
    old = _frame({1: "abcd", 2: "efgh"}, "community_id")
    new = _frame({0: "abcd", 1: "wxyz"}, "community")  # efgh gone, wxyz new
    got = stable_ids(new, old, next_id=5)  # ids 3 and 4 were given once, by older runs
    assert got.id_of == {0: 1, 1: 5} and got.next_id == 6


def test_a_split_keeps_the_id_once_and_is_recorded():
    old = _frame({1: "abcdefgh"}, "community_id")
    new = _frame({0: "abcde", 1: "fgh"}, "community")
    got = stable_ids(new, old, next_id=2)
    assert got.id_of == {0: 1, 1: 2}
    assert got.lineage[2] == [{"community_id": 1, "share": 1.0}]
    assert splits_and_merges(got.lineage)["splits"] == [{"from": 1, "into": [1, 2]}]


def test_a_merge_is_recorded():
    old = _frame({1: "abcd", 2: "efg"}, "community_id")
    new = _frame({0: "abcdefg"}, "community")
    got = stable_ids(new, old, next_id=3)
    assert got.id_of == {0: 1}  # 4/7 of the members: Jaccard 0.57
    assert splits_and_merges(got.lineage)["merges"] == [{"into": 1, "from": [1, 2]}]


def test_the_bucket_is_never_matched_and_low_overlap_is_not_enough():
    old = _frame({0: "xy", 1: "abcd"}, "community_id")
    new = _frame({0: "abxy", 1: "cd"}, "community")  # Jaccard with old 1: 2/6 and 2/4
    got = stable_ids(new, old, next_id=2, unassigned=None, min_jaccard=0.6)
    assert got.id_of == {0: 2, 1: 3}
    got = stable_ids(new, old, next_id=2, unassigned=1)
    assert got.id_of == {0: 2, 1: UNASSIGNED_ID}


def test_apply_ids_rewrites_persons_profiles_and_links():
    persons = pd.DataFrame({"person_id": list("abc"), "community_id": [0, 0, 1]})
    profiles = pd.DataFrame({"community_id": [0, 1], "size": [2, 1],
                             "links": ['[{"community_id":1,"weight":2.0}]', "[]"]})
    ids = stable_ids(persons.rename(columns={"community_id": "community"}), None,
                     next_id=7, unassigned=1)
    out_p, out_c = apply_ids(persons, profiles, ids, {7: "育儿妈妈"})
    assert out_p["community_id"].tolist() == [7, 7, 0]
    assert out_c["community_id"].tolist() == [0, 7]
    assert out_c["links"].tolist()[1] == '[{"community_id":0,"weight":2.0}]'
    assert out_c["name"].tolist() == ["", "育儿妈妈"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=40),
       st.permutations(list(range(6))), st.integers(1, 50))
def test_relabelled_partition_keeps_ids_and_ids_stay_unique(membership, perm, next_id):
    people = [f"p{i}" for i in range(len(membership))]
    first = stable_ids(pd.DataFrame({"person_id": people, "community": membership}), None,
                       next_id=next_id)
    old = pd.DataFrame({"person_id": people,
                        "community_id": [first.id_of[c] for c in membership]})
    relabelled = pd.DataFrame({"person_id": people, "community": [perm[c] for c in membership]})
    again = stable_ids(relabelled, old, next_id=first.next_id)
    assert {again.id_of[perm[c]] for c in set(membership)} == set(first.id_of.values())
    assert all(again.id_of[perm[c]] == first.id_of[c] for c in set(membership))
    assert len(set(first.id_of.values())) == len(first.id_of)
    assert min(first.id_of.values()) >= max(next_id, 1) and again.next_id == first.next_id


# -------------------------------------------------------------- against the database
CLIQUE = 6


def _load(store, groups: dict[str, int], *, alone: tuple[str, ...] = ("s0", "s1", "s2"),
          pair: tuple[str, str] | None = ("q0", "q1")) -> None:
    """Cliques named by ``groups`` (prefix -> size) joined in a chain by one tie each,
    isolated persons ``alone`` and one tied ``pair``: one zhihu account per person."""
    persons = [f"{g}{i}" for g, n in groups.items() for i in range(n)] + list(alone)
    persons += list(pair or ())
    load_accounts(store, [(p, "zhihu", p, 10 + i) for i, p in enumerate(persons)])
    ties = [(f"zhihu:{g}{i}", f"zhihu:{g}{j}", "comment", 1)
            for g, n in groups.items() for i in range(n) for j in range(n) if i != j]
    names = list(groups)
    ties += [(f"zhihu:{a}0", f"zhihu:{b}0", "comment", 1)
             for a, b in zip(names, names[1:], strict=False)]
    if pair:
        ties += [(f"zhihu:{pair[0]}", f"zhihu:{pair[1]}", "comment", 1)]
    load_ties(store, ties)


def _ids(store, run_id: str) -> dict[str, int]:
    """Clique prefix -> community id, from the published persons of ``run_id``."""
    members = analytics_io.read_memberships(store, run_id)
    assert len(members)
    groups = members.assign(g=members["person_id"].str[0]).groupby("g")["community_id"]
    assert groups.nunique().eq(1).all(), "a clique was cut in two"
    return groups.first().to_dict()


def test_two_runs_of_the_same_data_keep_every_community_id(store):
    _load(store, {"a": CLIQUE, "b": CLIQUE, "c": CLIQUE, "d": CLIQUE})
    first, _ = run_analysis(store, W, AnalyzeParams(seed=1))
    before = _ids(store, first)
    for seed, algorithm in ((7, "leiden"), (3, "louvain")):
        again, _ = run_analysis(store, W, AnalyzeParams(seed=seed, algorithm=algorithm))
        assert _ids(store, again) == before
    assert sorted(before[g] for g in "abcd") == [1, 2, 3, 4]
    metrics = current_run(store, "analyze")["metrics"]
    assert metrics["communities_kept_id"] == 4 and metrics["splits"] == []
    assert metrics["previous_run"] is not None and metrics["next_community_id"] == 5


def test_tiny_groups_are_folded_into_the_unassigned_bucket(store):
    _load(store, {"a": CLIQUE, "b": CLIQUE})
    run_id, result = run_analysis(store, W, AnalyzeParams(seed=1))
    ids = _ids(store, run_id)
    assert ids["s"] == ids["q"] == UNASSIGNED_ID  # three singletons and a pair
    assert ids["a"] != UNASSIGNED_ID and ids["b"] != UNASSIGNED_ID
    metrics = current_run(store, "analyze")["metrics"]
    assert metrics["communities"] == 2 and metrics["unassigned_persons"] == 5
    assert metrics["communities_found"] == 2 + 3 + 1
    stored = analytics_io.read_communities(store, run_id).set_index("community_id")
    assert stored.loc[UNASSIGNED_ID, "size"] == 5 and len(stored) == 3
    # the setting: nothing folded at 1
    run_id, _ = run_analysis(store, W, AnalyzeParams(seed=1, min_community_size=1))
    assert analytics_io.read_communities(store, run_id)["community_id"].min() >= 1
    with pytest.raises(InvalidInput, match="^min_community_size"):
        run_analysis(store, W, AnalyzeParams(min_community_size=0))


def test_removing_persons_keeps_the_ids_of_the_unaffected_communities(store):
    _load(store, {"a": CLIQUE, "b": CLIQUE, "c": CLIQUE, "d": CLIQUE})
    first, _ = run_analysis(store, W, AnalyzeParams(seed=1))
    before = _ids(store, first)
    store.write("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) WHERE p.person_id STARTS WITH 'b' "
                "DETACH DELETE p, a")
    second, _ = run_analysis(store, W, AnalyzeParams(seed=2))
    after = _ids(store, second)
    assert "b" not in after
    assert {g: after[g] for g in "acd"} == {g: before[g] for g in "acd"}
    # a new group gets an id never given before, not the id of the group that went
    _load(store, {"e": CLIQUE}, alone=(), pair=None)
    third, _ = run_analysis(store, W, AnalyzeParams(seed=3))
    latest = _ids(store, third)
    assert latest["e"] == 5 and before["b"] not in latest.values()


def test_a_split_is_recorded_in_lineage_and_metrics(store):
    _load(store, {"x": 10, "c": CLIQUE})
    first, _ = run_analysis(store, W, AnalyzeParams(seed=1))
    whole = _ids(store, first)["x"]
    # cut the ten-clique x0..x9 into x0..x4 and x5..x9, joined by one tie
    store.write("MATCH (a:Account)-[r:INTERACTED]->(b:Account) "
                "WHERE a.account_id IN $left AND b.account_id IN $right "
                "OR a.account_id IN $right AND b.account_id IN $left DELETE r",
                {"left": [f"x{i}" for i in range(1, 5)],
                 "right": [f"x{i}" for i in range(5, 10)]})
    store.write("MATCH (a:Account {account_id: 'x0'})-[r:INTERACTED]->(b:Account) "
                "WHERE b.account_id IN $right DELETE r", {"right": [f"x{i}" for i in range(6, 10)]})
    store.write("MATCH (a:Account)-[r:INTERACTED]->(b:Account {account_id: 'x0'}) "
                "WHERE a.account_id IN $right DELETE r", {"right": [f"x{i}" for i in range(6, 10)]})
    second, _ = run_analysis(store, W, AnalyzeParams(seed=1))
    members = analytics_io.read_memberships(store, second).set_index("person_id")
    halves = {int(members.loc["x1", "community_id"]), int(members.loc["x9", "community_id"])}
    assert len(halves) == 2 and whole in halves  # one half keeps the id, one gets a new one
    stored = analytics_io.read_communities(store, second).set_index("community_id")
    for half in halves:
        assert f'"community_id":{whole}' in stored.loc[half, "lineage"]
    metrics = current_run(store, "analyze")["metrics"]
    assert metrics["splits"] == [{"from": whole, "into": sorted(halves)}]


def test_labels_name_top_topics_and_kol_and_a_rename_survives_reruns(store):
    _load(store, {"a": CLIQUE, "b": CLIQUE})
    store.upsert_nodes("Content", "content_key", [
        {"content_key": "zhihu:c1", "platform": "zhihu", "content_id": "c1", "price": 9.0}])
    store.upsert_nodes("Topic", "name", [{"name": "parenting"}])
    store.write("MATCH (c:Content {content_key: 'zhihu:c1'}), (t:Topic {name: 'parenting'}), "
                "(a:Account {account_key: 'zhihu:a0'}) CREATE (c)-[:ABOUT]->(t), "
                "(a)-[:CREATED]->(c)")
    store.write("MATCH (a:Account), (c:Content {content_key: 'zhihu:c1'}) "
                "WHERE a.account_id IN ['a1', 'a2'] CREATE (a)-[:ENGAGED {type: 'like', "
                "count: 1, last_at: 1780000000}]->(c)")
    first, _ = run_analysis(store, W, AnalyzeParams(seed=1))
    ids = _ids(store, first)
    stored = analytics_io.read_communities(store, first).set_index("community_id")
    top = current_run(store, "analyze")["metrics"]["top_kols"]
    top_a = next(p for p in top if p.startswith("a"))
    assert stored.loc[ids["a"], "label"] == f"parenting · name {top_a}"
    assert stored.loc[ids["b"], "label"].startswith("name b")  # no topics: the KOL alone
    assert rename_community(store, ids["a"], "  育儿  妈妈群 ") == "育儿 妈妈群"
    second, _ = run_analysis(store, W, AnalyzeParams(seed=5))
    again = analytics_io.read_communities(store, second).set_index("community_id")
    assert again.loc[ids["a"], "name"] == "育儿 妈妈群" and again.loc[ids["b"], "name"] == ""
    with pytest.raises(NotFound, match="community 99"):
        rename_community(store, 99, "x")
    with pytest.raises(InvalidInput, match="^name"):
        rename_community(store, ids["a"], "长" * 61)
    with pytest.raises(InvalidInput, match="^community_id"):
        rename_community(store, UNASSIGNED_ID, "x")
    with pytest.raises(InvalidInput, match="^name: must not contain NUL"):
        rename_community(store, ids["a"], "a\x00b")


def test_the_minimum_size_is_a_setting_and_a_flag(store, kolgraph_home, monkeypatch):
    import json

    from click.testing import CliRunner

    from kolgraph.cli import cli

    monkeypatch.setenv("KOLGRAPH_HOME", str(kolgraph_home))
    monkeypatch.setenv("KOLGRAPH_GRAPH", store.graph_name)
    monkeypatch.delenv("KOLGRAPH_CONFIG", raising=False)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    _load(store, {"a": CLIQUE, "b": CLIQUE})
    runner = CliRunner()
    default = runner.invoke(cli, ["analyze", "--format", "json"])
    assert default.exit_code == 0, default.output
    assert json.loads(default.stdout)["metrics"]["unassigned_persons"] == 5
    monkeypatch.setenv("KOLGRAPH_MIN_COMMUNITY_SIZE", "1")
    from_env = runner.invoke(cli, ["analyze", "--format", "json"])
    summary = json.loads(from_env.stdout)
    assert summary["metrics"]["unassigned_persons"] == 0
    assert summary["metrics"]["communities"] == 2 + 3 + 1
    flag = runner.invoke(cli, ["analyze", "--format", "json", "--min-community-size", "7"])
    assert json.loads(flag.stdout)["metrics"]["communities"] == 0  # cliques of 6: all folded
    bad = runner.invoke(cli, ["analyze", "--min-community-size", "0"])
    assert str(bad.exception).startswith("--min-community-size: must be between 1")


def test_ids_lineage_and_names_on_both_backends(any_store):
    """The store side (carrying ids, names and lineage over; renaming) on FalkorDB and Neo4j."""
    store = any_store
    _load(store, {"a": CLIQUE, "b": CLIQUE})
    first, _ = run_analysis(store, W, AnalyzeParams(seed=1))
    ids = _ids(store, first)
    assert rename_community(store, ids["b"], "理财圈") == "理财圈"
    second, _ = run_analysis(store, W, AnalyzeParams(seed=2))
    assert _ids(store, second) == ids
    stored = analytics_io.read_communities(store, second).set_index("community_id")
    assert stored.loc[ids["b"], "name"] == "理财圈"
    assert stored.loc[ids["a"], "lineage"] == f'[{{"community_id":{ids["a"]},"share":1.0}}]'
    assert stored.loc[UNASSIGNED_ID, "size"] == 5
