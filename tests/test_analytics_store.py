"""Analytics against the real embedded database: reading the projection, writing a run back,
run visibility, and the analyze / seeds / export commands."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_analytics_helpers import load_two_cliques

from graph.analytics.weights import load_weights
from graph.errors import InvalidInput
from graph.store import analytics_io
from graph.store.runs import current_run, list_runs, start_run
from kolgraph.cli import cli
from kolgraph.usecases.analyze import AnalyzeParams, load_input, run_analysis

W = load_weights()


def _person(store, person_id):
    return store.read("MATCH (p:Person {person_id: $id}) RETURN p.community_id AS c, "
                      "p.kol_score AS s, p.kol_rank AS r, p.analyze_run_id AS run, "
                      "p.analyze_stage AS stage", {"id": person_id}).rows[0]


def test_reads_ties_lifted_to_persons(store):
    load_two_cliques(store, 4)
    edges = analytics_io.read_interaction_edges(store, batch_size=3)
    follows = edges[edges["type"] == "follow"]
    assert len(edges) == 4 * 3 * 2 + 2 + 2
    assert sorted(map(tuple, follows[["src_person", "dst_person"]].values)) == [
        ("a1", "a0"), ("a1", "a0")]
    assert set(edges["type"]) == {"comment", "follow"}
    assert edges["count"].eq(1).all() and edges["last_at"].notna().all()
    accounts = analytics_io.read_accounts(store)
    assert sorted(accounts.loc[accounts["person"] == "a0", "account_key"]) == [
        "bilibili:a0b", "zhihu:a0"]


def test_reads_engagements_with_topic_and_creator(store):
    load_two_cliques(store, 3)
    store.upsert_nodes("Content", "content_key", [
        {"content_key": "zhihu:c1", "platform": "zhihu", "content_id": "c1", "price": 99.0}])
    store.upsert_nodes("Topic", "name", [{"name": "AI"}])
    store.write("MATCH (c:Content {content_key: 'zhihu:c1'}), (t:Topic {name: 'AI'}), "
                "(a:Account {account_key: 'zhihu:a0'}) "
                "CREATE (c)-[:ABOUT]->(t), (a)-[:CREATED]->(c)")
    store.write("MATCH (a:Account {account_key: 'zhihu:b1'}), (c:Content {content_key: "
                "'zhihu:c1'}) CREATE (a)-[:ENGAGED {type: 'purchase', count: 1, "
                "last_at: 1780000000, amount: 99.0}]->(c)")
    eng = analytics_io.read_engagements(store)
    assert eng[["person", "content", "type", "topic", "creator"]].values.tolist() == [
        ["b1", "zhihu:c1", "purchase", "AI", "a0"]]
    assert eng["amount"].tolist() == [99.0]


def test_analyze_run_writes_back_and_counts_a_cross_platform_follower_once(store):
    load_two_cliques(store, 5)
    run_id, result = run_analysis(store, W, AnalyzeParams(seed=1))
    run = current_run(store, "analyze")
    assert run["run_id"] == run_id and run["metrics"]["communities"] == 2
    # every stage's time is recorded, the write-back's (known after publishing) too
    assert {"read_s", "pipeline_s", "write_s"} <= run["metrics"].keys()
    assert run["metrics"]["write_s"] == result.metrics["write_s"] > 0
    assert analytics_io.read_communities(store, run_id)["size"].tolist() == [5, 5]
    members = analytics_io.read_memberships(store, run_id)
    assert len(members) == 10
    results = analytics_io.read_person_results(store).set_index("person_id")
    # a1 follows a0 on two platforms and comments: one person of a0's audience
    ties = store.read("MATCH (:Person {person_id: 'a0'})-[:HAS_ACCOUNT]->(:Account)"
                      "<-[r:FOLLOWS|INTERACTED]-(:Account)<-[:HAS_ACCOUNT]-(m:Person) "
                      "RETURN DISTINCT m.person_id AS m").rows
    audience = {r["m"] for r in ties} - {"a0"}
    assert "a1" in audience and results.loc["a0", "reach"] == len(audience) == 5
    assert results.loc["a0", "accounts"] == ["bilibili:a0b", "zhihu:a0"]
    assert results["analyze_run_id"].eq(run_id).all()
    assert sorted(results["kol_rank"]) == list(range(1, 11))
    assert results.loc["a0", "community_id"] != results.loc["b0", "community_id"]
    assert _person(store, "a0")["stage"] is None
    top = results["kol_rank"].idxmin()
    assert top in {"a0", "b0"}  # the bridge ends rank first

    second, _ = run_analysis(store, W, AnalyzeParams(seed=2, algorithm="louvain"))
    assert current_run(store, "analyze")["run_id"] == second
    runs = store.read("MATCH (c:Community) RETURN DISTINCT c.run_id AS r").rows
    assert [r["r"] for r in runs] == [second]
    assert {r["run_id"] for r in list_runs(store, "analyze")} == {run_id, second}


def test_readers_see_the_previous_run_until_the_new_one_is_complete(store):
    load_two_cliques(store, 4)
    first, result = run_analysis(store, W, AnalyzeParams(seed=1))
    before = _person(store, "a2")
    pending = start_run(store, "analyze")
    changed = result.persons.assign(community_id=result.persons["community_id"] + 7,
                                    kol_score=0.123)
    communities = result.communities.assign(community_id=result.communities["community_id"]
                                            + 7)
    analytics_io.write_communities(store, pending, communities,
                                   changed[["person_id", "community_id"]])
    analytics_io.stage_person_values(store, pending, changed)
    # A reader in the middle of the new run still sees the first run, whole.
    assert current_run(store, "analyze")["run_id"] == first
    now = _person(store, "a2")
    assert (now["c"], now["s"], now["run"]) == (before["c"], before["s"], first)
    visible = analytics_io.read_communities(store, first)
    assert sorted(visible["community_id"]) == [1, 2]  # ids start at 1: 0 is the unassigned bucket
    assert len(analytics_io.read_memberships(store, first)) == 8

    published = analytics_io.publish_run(store, pending, {"communities": 2})
    assert published == 8
    assert current_run(store, "analyze")["run_id"] == pending
    after = _person(store, "a2")
    assert after["c"] == before["c"] + 7 and after["s"] == pytest.approx(0.123)
    assert after["run"] == pending and after["stage"] is None


def test_a_failed_run_leaves_the_previous_one_current(store):
    load_two_cliques(store, 4)
    first, _ = run_analysis(store, W, AnalyzeParams(seed=1))
    with pytest.raises(InvalidInput, match="^algorithm: unknown"):
        run_analysis(store, W, AnalyzeParams(algorithm="spectral"))
    assert current_run(store, "analyze")["run_id"] == first
    failed = [r for r in list_runs(store, "analyze") if r["status"] == "failed"]
    assert len(failed) == 1 and "spectral" in failed[0]["metrics"]["error"]
    runs = store.read("MATCH (c:Community) RETURN DISTINCT c.run_id AS r").rows
    assert [r["r"] for r in runs] == [first]


def test_load_input_of_an_empty_graph(store):
    data = load_input(store)
    assert data.persons.empty and data.edges.empty and data.engagements.empty


@pytest.fixture
def cli_env(store, kolgraph_home, monkeypatch):
    monkeypatch.setenv("KOLGRAPH_HOME", str(kolgraph_home))
    monkeypatch.setenv("KOLGRAPH_GRAPH", store.graph_name)
    monkeypatch.delenv("KOLGRAPH_CONFIG", raising=False)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    return CliRunner()


def test_cli_analyze_seeds_and_export(store, cli_env, tmp_path):
    runner = cli_env
    missing = runner.invoke(cli, ["export", "persons", "--out", str(tmp_path / "p.csv")])
    assert "no complete analyze run" in str(missing.exception)
    load_two_cliques(store, 5)
    out = runner.invoke(cli, ["analyze", "--seed", "3"])
    assert out.exit_code == 0, out.output
    assert "2 communities" in out.output and "top 10 KOLs" in out.output
    assert "modularity" in out.output

    as_json = runner.invoke(cli, ["seeds", "--k", "2", "--format", "json", "--rr-sets", "2000",
                                  "--runs", "50", "--exclude", "a0"])
    assert as_json.exit_code == 0, as_json.output
    plan = json.loads(as_json.stdout)  # standard error has the progress lines
    assert [s["strategy"] for s in plan["strategies"]] == ["imm", "top_pagerank",
                                                           "top_followers"]
    ris = plan["strategies"][0]
    assert len(ris["seeds"]) == 2 and "a0" not in ris["seeds"]
    assert ris["ci_low"] <= ris["reach"] <= ris["ci_high"]
    table = runner.invoke(cli, ["seeds", "--k", "1", "--community", "1", "--runs", "20",
                                "--rr-sets", "500"])
    assert table.exit_code == 0 and "expected reach" in table.output
    bad = runner.invoke(cli, ["seeds", "--community", "99"])
    assert "--community" in str(bad.exception)
    bad = runner.invoke(cli, ["seeds", "--exclude", "nobody"])
    assert "--exclude" in str(bad.exception) and "nobody" in str(bad.exception)
    bad = runner.invoke(cli, ["seeds", "--platform", "douyin"])
    assert "--platform" in str(bad.exception)

    persons_csv = tmp_path / "persons.csv"
    done = runner.invoke(cli, ["export", "persons", "--out", str(persons_csv)])
    assert done.exit_code == 0, done.output
    with persons_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 10 and rows[0]["kol_rank"] == "1"
    for column in ("person_id", "display_name", "accounts", "community_id", "kol_score",
                   "pagerank", "in_strength", "engagement_rate", "reach", "betweenness"):
        assert column in rows[0]
    a0 = next(r for r in rows if r["person_id"] == "a0")
    assert a0["accounts"] == "bilibili:a0b;zhihu:a0"
    assert (a0["main_platform"], a0["main_handle"]) == ("bilibili", "a0b")
    assert all(r["community_label"] for r in rows)
    assert list(rows[0])[:4] == ["person_id", "display_name", "main_platform", "main_handle"]
    to_stdout = runner.invoke(cli, ["export", "persons", "--out", "-"])
    assert to_stdout.exit_code == 0, to_stdout.output
    assert list(csv.DictReader(to_stdout.stdout.splitlines())) == rows
    assert "wrote 10 persons" in to_stdout.stderr and not Path("-").exists()
    comm_csv = tmp_path / "communities.csv"
    done = runner.invoke(cli, ["export", "communities", "--out", str(comm_csv)])
    assert done.exit_code == 0, done.output
    with comm_csv.open(encoding="utf-8") as fh:
        comms = list(csv.DictReader(fh))
    assert [c["size"] for c in comms] == ["5", "5"]
    assert json.loads(comms[0]["top_kols"])[0]["person_id"] in {"a0", "b0"}
    bad_dir = runner.invoke(cli, ["export", "persons", "--out", str(tmp_path / "no/x.csv")])
    assert "--out" in str(bad_dir.exception)
    assert "recommendations" in runner.invoke(cli, ["export", "--help"]).output


def test_cli_rejects_bad_weights_file(store, cli_env, tmp_path):
    bad = tmp_path / "w.toml"
    bad.write_text("[recency]\nhalf_life = 3\n")
    out = cli_env.invoke(cli, ["analyze", "--weights", str(bad)])
    assert "--weights" in str(out.exception) and "half_life" in str(out.exception)
