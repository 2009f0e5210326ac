"""Pure units of graph/analytics on small hand-made graphs (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_analytics_helpers import T0, two_cliques

from graph.analytics import communities, overlap, profiles, ranking, seeds
from graph.analytics.evaluation import nmi
from graph.analytics.graphs import PersonIndex
from graph.analytics.pipeline import AnalyticsInput, analyze, content_ties
from graph.analytics.projection import person_projection, recency_factor, symmetrize
from graph.analytics.weights import WeightsError, load_weights
from graph.errors import InvalidInput

W = load_weights()


def _indexed(ties: pd.DataFrame):
    directed = person_projection(ties, W.interaction, W.half_life_days)
    sym = symmetrize(directed)
    index = PersonIndex.build([], directed)
    return index, index.edge_arrays(directed), index.edge_arrays(sym)


def test_default_weights_order_interaction_types():
    w = W.interaction
    assert w["purchase"] > w["share"] > w["comment"] == w["reply"] == w["mention"]
    assert w["mention"] > w["follow"] > w["like"]
    assert W.content_interaction["purchase"] == w["purchase"]
    assert W.content_interaction["like"] == pytest.approx(w["like"] * W.content_tie_factor)


def test_weights_file_overrides_and_names_bad_key(tmp_path):
    good = tmp_path / "w.toml"
    good.write_text("[interaction_weights]\nlike = 0.1\n[recency]\nhalf_life_days = 7\n")
    w = load_weights(good)
    assert w.interaction["like"] == 0.1 and w.half_life_days == 7
    assert w.interaction["share"] == W.interaction["share"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[interaction_weights]\nlikes = 1\n")
    with pytest.raises(WeightsError, match=r"bad\.toml.*likes"):
        load_weights(bad)
    negative = tmp_path / "neg.toml"
    negative.write_text("[kol_score]\npagerank = -1\n")
    with pytest.raises(WeightsError, match=r"neg\.toml.*pagerank"):
        load_weights(negative)


def test_projection_lifts_sums_weights_and_decays():
    day = 86_400
    ties = pd.DataFrame({
        "src_person": ["a", "a", "a", "b", "c"], "dst_person": ["b", "b", "b", "a", "c"],
        "type": ["share", "like", "comment", "follow", "share"], "count": [1, 1, 1, 1, 5],
        "last_at": [T0, T0, T0 - 30 * day, T0, T0]})
    out = person_projection(ties, {"share": 4, "like": 1, "comment": 2, "follow": 1}, 30, T0)
    pairs = {(r.src, r.dst): r.weight for r in out.itertuples()}
    assert set(pairs) == {("a", "b"), ("b", "a")}  # the self-tie c -> c is dropped
    assert pairs[("a", "b")] == pytest.approx(4 + 1 + 2 * 0.5)
    assert pairs[("b", "a")] == pytest.approx(1)
    assert recency_factor(np.array([T0 + day]), T0, 30).tolist() == [1.0]


def test_two_cliques_give_two_communities_and_bridge_betweenness():
    index, _directed, (s, d, w) = _indexed(two_cliques(5))
    for algorithm in communities.ALGORITHMS:
        part = communities.detect_communities(index.n, s, d, w, algorithm=algorithm, seed=3)
        groups = {name[0]: set() for name in index.ids}
        for name, c in zip(index.ids, part.membership, strict=True):
            groups[name[0]].add(int(c))
        assert part.count == 2 and groups["a"] != groups["b"]
        assert all(len(g) == 1 for g in groups.values())
        assert part.modularity > 0.3
    between = ranking.betweenness(index.n, s, d, w)
    top_two = set(index.ids[np.argsort(-between)[:2]])
    assert top_two == {"a0", "b0"}


def test_same_seed_same_partition_and_reference_agrees():
    rng = np.random.default_rng(5)
    n, blocks = 120, 4
    block = np.arange(n) % blocks
    s, d = np.triu_indices(n, 1)
    p = np.where(block[s] == block[d], 0.25, 0.01)
    keep = rng.random(s.size) < p
    s, d, w = s[keep], d[keep], rng.uniform(0.5, 2, keep.sum())
    for algorithm in communities.ALGORITHMS:
        first = communities.detect_communities(n, s, d, w, algorithm=algorithm, seed=11)
        again = communities.detect_communities(n, s, d, w, algorithm=algorithm, seed=11)
        assert first.membership.tolist() == again.membership.tolist()
        assert nmi(first.membership, block) > 0.9
    ref = communities.reference_louvain(n, s, d, w, seed=11)
    assert nmi(ref.membership, block) > 0.9
    assert ref.modularity == pytest.approx(
        communities.modularity(n, s, d, w, ref.membership), abs=1e-9)


def test_bad_algorithm_and_resolution_name_the_parameter():
    one = np.array([0])
    with pytest.raises(InvalidInput, match="^algorithm: unknown algorithm 'spectral'") as bad:
        communities.detect_communities(2, one, one + 1, np.ones(1), algorithm="spectral")
    assert bad.value.param == "algorithm" and "--" not in str(bad.value)
    with pytest.raises(InvalidInput, match="^resolution: must be > 0") as bad:
        communities.detect_communities(2, one, one + 1, np.ones(1), resolution=0)
    assert bad.value.param == "resolution" and "--" not in str(bad.value)


def test_star_centre_ranks_first_and_pagerank_matches_networkx():
    import networkx as nx

    rows = [(f"f{i}", "hub", "follow", 1, T0) for i in range(8)] + [("f0", "f1", "like", 1, T0)]
    ties = pd.DataFrame(rows, columns=["src_person", "dst_person", "type", "count", "last_at"])
    index, (s, d, w), _sym = _indexed(ties)
    pr = ranking.pagerank(index.n, s, d, w)
    assert index.ids[np.argmax(pr)] == "hub"
    g = nx.DiGraph()
    g.add_nodes_from(range(index.n))
    g.add_weighted_edges_from(zip(s.tolist(), d.tolist(), w.tolist(), strict=True))
    reference = nx.pagerank(g, weight="weight", tol=1e-12)
    assert pr == pytest.approx([reference[i] for i in range(index.n)], abs=1e-8)
    strength = ranking.in_strength(index.n, d, w)
    assert index.ids[np.argmax(strength)] == "hub"


def test_reach_counts_a_follower_on_two_platforms_once():
    ties = pd.DataFrame({
        "src_person": ["fan", "fan", "other", "kol"], "dst_person": ["kol", "kol", "kol", "kol"],
        "type": ["follow", "follow", "follow", "follow"], "count": 1, "last_at": T0})
    pairs = ranking.audience_pairs(ties)
    assert ranking.reach(pairs).to_dict() == {"kol": 2}


def test_kol_score_and_ranks():
    comp = pd.DataFrame({"pagerank": [0.5, 0.1, 0.4], "in_strength": [9.0, 1.0, 3.0],
                         "reach": [10, 0, 2], "engagement_rate": [0.1, 0.0, 0.9],
                         "betweenness": [0.2, 0.0, 0.1]})
    score = ranking.kol_score(comp, W.kol_score)
    assert np.argmax(score) == 0 and np.argmin(score) == 1
    assert score.min() >= 0 and score.max() <= 1
    assert ranking.ranks(score).tolist() == [1, 3, 2]
    assert ranking.ranks(score, group=np.array([1, 0, 0])).tolist() == [1, 2, 1]


def test_audience_overlap_jaccard():
    pairs = pd.DataFrame({"person": ["k1"] * 4 + ["k2"] * 2 + ["k3"],
                          "member": ["a", "b", "c", "d", "c", "d", "z"]})
    out = overlap.audience_overlap(pairs, ["k1", "k2", "k3"])
    got = {(r.a, r.b): (r.shared, r.jaccard) for r in out.itertuples()}
    assert got[("k1", "k2")] == (2, pytest.approx(0.5))
    assert got[("k1", "k3")] == (0, 0.0)
    assert out.iloc[0]["a"] == "k1" and out.iloc[0]["b"] == "k2"


def _two_hubs():
    # persons 1..6 attend to hub 0, persons 8..11 attend to hub 7, 12 is isolated
    src = np.array([1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 2])
    dst = np.array([0, 0, 0, 0, 0, 0, 7, 7, 7, 7, 3])
    return seeds.InfluenceGraph.build(13, src, dst, np.ones(src.size))


def test_seeds_pick_the_obvious_hubs_and_respect_constraints():
    g = _two_hubs()
    chosen = seeds.select_seeds(g, 2, rr_sets=3000, seed=2)
    assert chosen.seeds.tolist() == [0, 7]
    allowed = np.ones(13, dtype=bool)
    allowed[0] = False
    constrained = seeds.select_seeds(g, 1, allowed=allowed, rr_sets=3000, seed=2)
    assert constrained.seeds.tolist() == [7]
    mc = seeds.simulate_reach(g, chosen.seeds, runs=200, seed=1)
    assert mc.ci_low <= chosen.estimated_reach + 1.0 and mc.ci_low <= mc.mean <= mc.ci_high
    weaker = seeds.simulate_reach(g, np.array([12, 1]), runs=200, seed=1)
    assert weaker.ci_high < mc.ci_low


def test_community_profiles_describe_each_community():
    index, _directed, (s, d, w) = _indexed(two_cliques(4))
    membership = np.array([0 if name.startswith("a") else 1 for name in index.ids])
    score = np.linspace(0, 1, index.n)
    eng = pd.DataFrame({"person": ["a0", "a1", "b0"], "topic": ["AI", "AI", "finance"],
                        "count": [3, 1, 2]})
    acc = pd.DataFrame({"person": list(index.ids) + ["a0"],
                        "platform": ["zhihu"] * index.n + ["bilibili"]})
    prof = profiles.community_profiles(index.ids, membership, s, d, w, kol_score=score,
                                       engagements=eng, accounts=acc)
    a, b = prof.iloc[0], prof.iloc[1]
    assert a["size"] == 4 and a["label"] == "AI" and b["label"] == "finance"
    assert a["top_platform"] == "zhihu" and a["density"] == pytest.approx(1.0)
    assert '"community_id":1' in a["links"]
    assert a["top_kols"].startswith('[{"person_id":"a3"')
    assert prof["modularity_share"].sum() == pytest.approx(
        communities.modularity(index.n, s, d, w, membership))


def test_content_ties_lift_engagements_to_creators():
    eng = pd.DataFrame({"person": ["a", "b"], "creator": ["k", None], "type": ["purchase",
                        "like"], "count": [2, 1], "last_at": [T0, T0]})
    ties = content_ties(eng)
    assert ties[["src_person", "dst_person", "type"]].values.tolist() == [["a", "k",
                                                                           "purchase"]]


def test_pipeline_on_two_cliques():
    ties = two_cliques(5)
    persons = pd.DataFrame({"person_id": sorted(set(ties["src_person"])) + ["lonely"],
                            "display_name": "x", "followers_total": 3})
    data = AnalyticsInput(persons, pd.DataFrame({"person": ["a0"], "platform": ["zhihu"],
                                                 "account_key": ["zhihu:a0"]}), ties,
                          pd.DataFrame(columns=["person", "content", "type", "count", "amount",
                                                "topic", "platform", "last_at", "creator"]))
    result = analyze(data, W, seed=1)
    assert len(result.persons) == 11 and result.partition.count == 3
    assert sorted(result.persons["kol_rank"]) == list(range(1, 12))
    lonely = result.persons.set_index("person_id").loc["lonely"]
    assert lonely["kol_rank"] == 11 and lonely["community_rank"] == 1
    assert result.metrics["communities"] == 3 and result.metrics["modularity"] > 0.3
