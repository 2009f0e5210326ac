"""Campaigns on both backends: saved in the graph with their audit trail, and planned on the
one audience definition the library queries use (the library graph of
``tests/library_graph.py``, whose audiences are known by construction: W's audience is C, Z,
ZH, ZE, Q, S, J; L's is C, ZH, Q, F, S, J)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graph.errors import InvalidInput, NotFound
from graph.querylib import run_library_query
from kolgraph.usecases import campaigns
from tests.test_cypher_library import kolgraph, lib_any_store, lib_store  # noqa: F401  (fixtures)


def _names(ids: dict[str, str], person_ids: list[str]) -> list[str]:
    handle = {v: k for k, v in ids.items()}
    return [handle[p] for p in person_ids]


def test_a_campaign_is_kept_with_its_kols_costs_and_trail(lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    cid = campaigns.create(store, {"name": "  双十一 知识节 ", "goal": "reach 育儿 parents",
                                   "platforms": ["zhihu", "dedao"], "communities": ["0", 1],
                                   "starts_on": "2026-11-01", "ends_on": "2026-11-11",
                                   "partner": "某书店"}, user="ann")
    got = campaigns.get(store, cid)
    assert (got["name"], got["status"], got["platforms"], got["communities"],
            got["starts_on"], got["partner"], got["created_by"]) == \
        ("双十一 知识节", "draft", ["zhihu", "dedao"], [0, 1], "2026-11-01", "某书店", "ann")
    assert campaigns.select(store, cid, [ids["W"], ids["L"]], "bob",
                            costs={ids["W"]: "12,000"}) == [ids["W"], ids["L"]]
    chosen = {r["person_id"]: r for r in campaigns.plan(store, cid).kols}
    assert chosen[ids["W"]]["cost"] == 12000.0 and chosen[ids["L"]]["cost"] is None
    assert chosen[ids["W"]]["accounts"][0]["platform"] and chosen[ids["W"]]["added_by"] == "bob"
    campaigns.update(store, cid, {"status": "launched", "partner": ""}, "ann")
    assert campaigns.deselect(store, cid, [ids["L"]], "ann") == 1
    listed = [c for c in campaigns.list_all(store) if c["campaign_id"] == cid]
    assert listed[0]["kols"] == 1 and listed[0]["status"] == "launched"
    assert listed[0]["partner"] is None
    trail = campaigns.history(store, cid)
    assert [(e["user"], e["action"]) for e in trail] == \
        [("ann", "create"), ("bob", "select"), ("ann", "update"), ("ann", "deselect")]
    campaigns.delete(store, cid, "root")
    assert cid not in {c["campaign_id"] for c in campaigns.list_all(store)}
    with pytest.raises(NotFound, match="no campaign"):
        campaigns.get(store, cid)
    kept = store.read("MATCH (:Campaign {campaign_id: $id})-[:LOGGED]->(e:CampaignEvent) "
                      "RETURN e.action AS action ORDER BY e.at", {"id": cid}).rows
    assert kept[-1]["action"] == "delete" and len(kept) == 5


def test_the_plan_of_two_kols_counts_each_person_once(lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    cid = campaigns.create(store, {"name": "plan"}, user="ann")
    campaigns.select(store, cid, [ids["L"], ids["W"]], "ann",
                     costs={ids["W"]: 100, ids["L"]: 30})
    plan = campaigns.plan(store, cid)
    assert plan.reach == 8 and plan.audience_sum == 13
    rows = {_names(ids, [r["person_id"]])[0]: r for r in plan.kols}
    assert (rows["W"]["audience"], rows["W"]["unique"], rows["W"]["added"],
            rows["W"]["order"]) == (7, 2, 7, 1)
    assert (rows["L"]["audience"], rows["L"]["unique"], rows["L"]["added"],
            rows["L"]["order"]) == (6, 1, 1, 2)
    order = [r["person_id"] for r in plan.kols]
    w, lx = order.index(ids["W"]), order.index(ids["L"])
    assert plan.shared[w][lx] == plan.shared[lx][w] == 5
    assert plan.shared[w][w] == 7 and plan.jaccard[w][lx] == 0.625
    assert {r["platform"]: r["reach"] for r in plan.by_platform} == \
        {"zhihu": 4, "bilibili": 4, "dedao": 3}
    assert [(r["community_id"], r["reach"]) for r in plan.by_community] == \
        [(0, 4), (1, 3), (2, 1)]
    assert plan.by_community[0]["title"]
    # the library's own pairwise query counts the same audiences
    library = run_library_query(store, "audience_overlap",
                                {"person_a": ids["W"], "person_b": ids["L"]},
                                limit=10, timeout_s=30).rows[0]
    assert (library["audience_a"], library["audience_b"], library["shared"]) == (7, 6, 5)
    cheap = campaigns.plan(store, cid, budget="50")
    assert (cheap.within_budget, cheap.budget_reach, cheap.budget_cost) == ([ids["L"]], 6, 30.0)
    both = campaigns.plan(store, cid, budget=130)
    assert sorted(both.within_budget) == sorted([ids["W"], ids["L"]]) and both.budget_reach == 8


@pytest.mark.parametrize(("values", "param"), [
    ({"name": " "}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"name": "a", "starts_on": "2026-13-01"}, "starts_on"),
    ({"name": "a", "starts_on": "2026-11-11", "ends_on": "2026-11-01"}, "ends_on"),
    ({"name": "a", "status": "running"}, "status"),
    ({"name": "a", "communities": ["x"]}, "communities"),
])
def test_wrong_campaign_values_name_the_parameter(values: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        campaigns.campaign_fields(values)
    assert raised.value.param == param


def test_unknown_persons_and_bad_costs_change_nothing(lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    cid = campaigns.create(store, {"name": "bad"}, user="ann")
    with pytest.raises(InvalidInput, match="no such person: Pnobody") as raised:
        campaigns.select(store, cid, [ids["W"], "Pnobody"], "ann")
    assert raised.value.param == "person_ids"
    with pytest.raises(InvalidInput) as raised:
        campaigns.select(store, cid, [ids["W"]], "ann", costs={ids["W"]: "-5"})
    assert raised.value.param == f"cost of {ids['W']}"
    with pytest.raises(InvalidInput) as raised:
        campaigns.plan(store, cid, budget="lots")
    assert raised.value.param == "budget"
    plan = campaigns.plan(store, cid)
    assert (plan.kols, plan.reach, plan.shared, plan.by_platform) == ([], 0, [], [])
    assert [e["action"] for e in campaigns.history(store, cid)] == ["create"]
    with pytest.raises(NotFound):
        campaigns.select(store, "Cnothere", [ids["W"]], "ann")


def test_the_cli_builds_shows_and_deletes_a_campaign(kolgraph, lib_store) -> None:  # noqa: F811
    _store, ids = lib_store
    code, out, err = kolgraph("campaign", "create", "春季课程", "--platform", "zhihu",
                              "--start", "2026-03-01", "--end", "2026-03-31")
    assert code == 0, err
    cid = out.strip()
    code, out, err = kolgraph("campaign", "add", cid, ids["W"], ids["L"], "--cost", "500")
    assert (code, out.strip()) == (0, f"campaign {cid}: 2 KOLs added or updated"), err
    code, out, err = kolgraph("campaign", "show", cid, "--budget", "600")
    assert code == 0, err
    assert "reach: 8 persons (the audiences add up to 13; 5 would be reached more than once)" \
        in out
    assert "within the budget 600: 1 KOLs, cost 500, reach 7: " + ids["W"] in out
    code, out, _ = kolgraph("campaign", "show", cid, "--format", "json")
    shown = json.loads(out)
    assert shown["reach"] == 8 and shown["campaign"]["platforms"] == ["zhihu"]
    code, out, err = kolgraph("campaign", "add", cid, ids["W"], "--cost", "abc")
    assert code == 2 and "error: --cost: not a number: 'abc'" in err
    code, out, err = kolgraph("campaign", "set", cid, "--end", "2026-02-01")
    assert code == 2 and "error: --end: 2026-02-01 is before starts_on 2026-03-01" in err
    code, out, err = kolgraph("campaign", "show", "Cnothere")
    assert code == 1 and "error: ID: no campaign 'Cnothere'" in err
    code, out, _ = kolgraph("campaign", "log", cid, "--format", "csv")
    assert [line.split(",")[2] for line in out.splitlines()[1:]] == ["create", "select"]
    assert kolgraph("campaign", "delete", cid)[0] == 0
    assert cid not in kolgraph("campaign", "list")[1]
