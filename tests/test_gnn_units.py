"""Pure units of the GNN part: sampler, splits, hold-outs, heuristics, candidates, metrics,
calibration, schema."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import torch

from gnn.data.features import FeatureSchema, FeatureSchemaError, check_compatible, fit_schema
from gnn.data.graph import GraphData
from gnn.data.rowwise import top_k_per_group
from gnn.data.split import contains, holdout_mask, pair_keys, sample_negatives, split_graph
from gnn.data.structural import pp_scores
from gnn.data.synthetic import synthetic_graph
from gnn.evaluate import hits_at, link_metrics, mrr, ranking_metrics
from gnn.loader.sampler import NeighborSampler
from gnn.pairs import (
    COMMUNITY_RESOLUTIONS,
    CONTENT_FEATURES,
    PEOPLE_FEATURES,
    RecGraph,
    content_pairs,
    people_pairs,
)
from gnn.recommenders import Calibration, Heuristic, heuristics_for
from gnn.train import Graphs, TrainParams, train


@pytest.fixture(scope="module")
def small() -> GraphData:
    return synthetic_graph(400, seed=3)


def test_sampler_returns_only_real_edges_and_respects_fanout(small):
    a = small.person_adjacency()
    sampler = NeighborSampler(a.indptr, a.indices, [3, 2])
    seeds = np.array([5, 17, 99])
    nodes, edge_index = sampler.sample(seeds, np.random.default_rng(0))
    assert nodes[:3].tolist() == seeds.tolist()
    assert len(set(nodes.tolist())) == len(nodes)
    src, dst = nodes[edge_index[0]], nodes[edge_index[1]]
    assert all(a[d, s] == 1 for s, d in zip(src, dst, strict=True))
    first_hop = edge_index[1] < 3
    assert np.bincount(edge_index[1][first_hop], minlength=3).max() <= 3
    # a node with fewer neighbours than the fan-out keeps all of them
    low = int(np.flatnonzero(np.diff(a.indptr) == 1)[0])
    nodes, ei = NeighborSampler(a.indptr, a.indices, [5]).sample(np.array([low]),
                                                                np.random.default_rng(0))
    assert sorted(nodes[ei[0]].tolist()) == a[low].indices.tolist()


def test_split_is_leakage_free(small):
    split = split_graph(small, 0.1, 0.2, seed=1)
    tr = split.train_graph(small)
    graphs = Graphs.build(small, FeatureSchema([], []), *tr)
    test_u, test_v = small.pp_src[split.pp.test], small.pp_dst[split.pp.test]
    assert len(test_u) > 0
    assert graphs.adjacency[test_u, test_v].sum() == 0
    assert graphs.adjacency[test_v, test_u].sum() == 0
    tc_u, tc_c = small.pc_person[split.pc.test], small.pc_content[split.pc.test]
    assert graphs.engagements[tc_u, tc_c].sum() == 0
    # the message-passing graph over persons and contents has none of them either
    full = graphs.node_adjacency()
    assert full[test_u, test_v].sum() == 0
    assert full[tc_u, tc_c + small.num_persons].sum() == 0
    assert set(split.pp.train) & set(split.pp.test) == set()


def test_negatives_are_non_edges(small):
    n = small.num_persons
    keys = pair_keys(small.pp_src, small.pp_dst, n, undirected=True)
    u, v = sample_negatives(n, n, 2000, keys, np.random.default_rng(0), undirected=True)
    assert len(u) == 2000
    assert not contains(keys, np.minimum(u, v) * n + np.maximum(u, v)).any()
    assert (u != v).all()
    src = np.arange(50)
    s, d = sample_negatives(n, n, 0, keys, np.random.default_rng(0), undirected=True, src=src)
    assert s.tolist() == src.tolist()
    assert not contains(keys, np.minimum(s, d) * n + np.maximum(s, d)).any()


def test_heuristics_match_networkx(small):
    a = small.person_adjacency()
    g = nx.Graph()
    g.add_nodes_from(range(small.num_persons))
    g.add_edges_from(zip(small.pp_src.tolist(), small.pp_dst.tolist(), strict=True))
    rng = np.random.default_rng(0)
    u, v = rng.integers(0, small.num_persons, 200), rng.integers(0, small.num_persons, 200)
    ok = u != v
    u, v = u[ok], v[ok]
    scores = pp_scores(a, u, v)
    pairs = list(zip(u.tolist(), v.tolist(), strict=True))
    aa = {(x, y): s for x, y, s in nx.adamic_adar_index(g, pairs)}
    ra = {(x, y): s for x, y, s in nx.resource_allocation_index(g, pairs)}
    pa = {(x, y): s for x, y, s in nx.preferential_attachment(g, pairs)}
    for i, (x, y) in enumerate(pairs):
        assert scores["common_neighbours"][i] == len(list(nx.common_neighbors(g, x, y)))
        assert scores["adamic_adar"][i] == pytest.approx(aa[(x, y)])
        assert scores["resource_allocation"][i] == pytest.approx(ra[(x, y)])
        assert scores["preferential_attachment"][i] == pa[(x, y)]


def test_metrics_by_hand():
    pos = np.array([0.9, 0.5, 0.005])
    neg = np.linspace(0.0, 0.8, 101)
    assert hits_at(pos, neg, 20) == pytest.approx(1 / 3)
    assert hits_at(pos, neg, 100) == pytest.approx(2 / 3)
    assert mrr(np.array([1.0, 0.0]), np.array([[0.5, 2.0], [1.0, 2.0]])) == pytest.approx(
        (1 / 2 + 1 / 3) / 2)
    m = link_metrics(np.array([1.0, 2.0]), np.array([0.0, 0.5]), np.zeros((2, 3)))
    assert m["auc"] == 1.0 and m["ap"] == 1.0 and m["mrr"] == 1.0


def test_top_k_keeps_best_per_person_with_stable_ties():
    u = np.array([0, 0, 0, 1, 1])
    v = np.array([3, 1, 2, 5, 4])
    score = np.array([0.5, 0.9, 0.5, 0.1, 0.2])
    top, rank = top_k_per_group(u, v, score, 2)
    assert list(zip(u[top].tolist(), v[top].tolist(), strict=True)) == [
        (0, 1), (0, 2), (1, 4), (1, 5)]
    assert rank.tolist() == [1, 2, 1, 2]


def test_feature_schema_round_trip_and_mismatch(small):
    schema = fit_schema(small, small.person_adjacency(), small.engagement_matrix())
    again = FeatureSchema.from_dict(schema.to_dict())
    assert again.names == schema.names and again.dim == len(schema.mean)
    check_compatible(schema, small)
    other = small.persons.copy()
    other.loc[0, "platforms"] = "weibo"
    changed = GraphData(other, small.contents, small.pp_src, small.pp_dst, small.pp_weight,
                        small.pc_person, small.pc_content, small.pc_count, small.pc_amount)
    with pytest.raises(FeatureSchemaError, match="weibo"):
        check_compatible(schema, changed)
    stale = {**schema.to_dict(), "version": 0}
    with pytest.raises(FeatureSchemaError, match="version"):
        FeatureSchema.from_dict(stale)
    broken = schema.to_dict()
    del broken["topics"]
    with pytest.raises(FeatureSchemaError, match="topics"):
        FeatureSchema.from_dict(broken)


def test_ranking_metrics_by_hand():
    # person 0: truth {7, 9}; list 7 (rank 1), 8, 9 (rank 3). person 1: truth {4}; list 5.
    m = ranking_metrics(np.array([0, 0, 0, 1]), np.array([7, 8, 9, 5]),
                        np.array([1, 2, 3, 1]), np.array([0, 0, 1]), np.array([7, 9, 4]),
                        np.array([0, 1]), ks=(1, 3))
    assert m["recall@1"] == pytest.approx((1 / 2 + 0) / 2)
    assert m["recall@3"] == pytest.approx((2 / 2 + 0) / 2)
    assert m["precision@3"] == pytest.approx((2 / 3 + 0) / 2)
    ideal = 1 + 1 / np.log2(3)
    assert m["ndcg@3"] == pytest.approx(((1 + 1 / np.log2(4)) / ideal + 0) / 2)
    assert m["mrr"] == pytest.approx((1 + 0) / 2)


def test_holdout_never_isolates_a_node_and_takes_the_newest_first(small):
    n = small.num_persons
    mask, how = holdout_mask(small.pp_src, small.pp_dst, n, n, 0.1, seed=0)
    assert how == "random" and abs(mask.sum() - round(0.1 * len(mask))) <= 1
    before = np.bincount(np.r_[small.pp_src, small.pp_dst], minlength=n)
    after = np.bincount(np.r_[small.pp_src[~mask], small.pp_dst[~mask]], minlength=n)
    assert ((before == 0) | (after > 0)).all()
    times = np.arange(len(small.pp_src), dtype=float)
    mask, how = holdout_mask(small.pp_src, small.pp_dst, n, n, 0.1, seed=0, times=times)
    assert how == "time"
    assert times[mask].mean() > np.quantile(times, 0.8)


def test_candidates_exclude_ties_engagements_and_self_and_match_the_heuristics(small):
    g = RecGraph.build(small)
    persons = np.arange(0, 60)
    batch = people_pairs(g, persons)
    assert batch.features.shape == (len(batch), len(PEOPLE_FEATURES))
    a = small.person_adjacency()
    assert (batch.u != batch.v).all()
    assert not np.asarray(a[batch.u, batch.v]).ravel().any()
    expected = pp_scores(a, batch.u, batch.v)
    for name in ("common_neighbours", "adamic_adar", "resource_allocation"):
        assert np.allclose(batch.column(name), expected[name], atol=1e-4)
    # every two-hop person is a candidate
    two_hop = (a[persons] @ a).tocoo()
    pairs = set(zip(batch.u.tolist(), batch.v.tolist(), strict=True))
    for r, c in zip(two_hop.row.tolist(), two_hop.col.tolist(), strict=True):
        if persons[r] != c and not a[persons[r], c]:
            assert (persons[r], c) in pairs
    content = content_pairs(g, persons)
    assert content.features.shape[1] == len(CONTENT_FEATURES)
    assert not np.asarray(small.engagement_matrix()[content.u, content.v]).ravel().any()


def test_finer_communities_are_found_on_the_graph_own_ties(small):
    """``same_community_r*`` / ``community_size_r*`` come from partitions of exactly the
    ties the graph holds: a graph without some ties gets partitions of its own."""
    g = RecGraph.build(small)
    batch = people_pairs(g, np.arange(0, 40))
    for r in COMMUNITY_RESOLUTIONS:
        membership, size = g.partition(r)
        assert len(membership) == small.num_persons and size.sum() == small.num_persons
        same = membership[batch.u] == membership[batch.v]
        assert (batch.column(f"same_community_r{r}") == same).all()
        assert np.allclose(batch.column(f"community_size_r{r}"),
                           np.where(same, size[membership[batch.v]], 0))
    # finer at the higher resolution; the same partition when asked again
    assert g.partition(10)[0].max() >= g.partition(3)[0].max()
    assert g.partition(3)[0] is g.partition(3)[0]
    keep = np.arange(len(small.pp_src)) % 2 == 0
    half = RecGraph.build(small, pp_src=small.pp_src[keep], pp_dst=small.pp_dst[keep])
    assert not np.array_equal(half.partition(3)[0], g.partition(3)[0])


def test_heuristics_rank_by_their_feature_then_popularity(small):
    g = RecGraph.build(small)
    batch = people_pairs(g, np.arange(5))
    for h in heuristics_for("people"):
        order = h.order(batch)
        primary = batch.column(h.feature)
        best = order.argmax()
        same = batch.u == batch.u[best]
        assert primary[best] == primary[np.flatnonzero(same)].max() or not same.any()
    assert Heuristic("adamic_adar", "people").feature == "adamic_adar"


def test_calibration_is_monotone_and_estimates_the_hit_rate():
    rng = np.random.default_rng(0)
    signal = rng.normal(size=20_000)
    truth = 1 / (1 + np.exp(-(2 * signal - 3)))
    labels = rng.random(20_000) < truth
    cal = Calibration.fit(signal, labels)
    grid = np.linspace(-3, 3, 61)
    p = cal.probability(grid)
    assert (np.diff(p) >= -1e-12).all()
    assert np.abs(p - 1 / (1 + np.exp(-(2 * grid - 3))))[10:-10].max() < 0.08
    assert not Calibration.fit(signal, np.zeros(20_000, bool)).fitted
    again = Calibration.from_dict(cal.to_dict())
    assert np.allclose(again.probability(grid), p)


def test_from_frames_drops_unknown_ends_and_sums_duplicates():
    persons = pd.DataFrame({"person_id": ["b", "a", "c"]})
    edges = pd.DataFrame({"src": ["a", "b", "a", "x"], "dst": ["b", "a", "a", "a"],
                          "weight": [1, 1, 5, 1]})
    g = GraphData.from_frames(persons, edges)
    assert g.person_ids.tolist() == ["a", "b", "c"]
    assert (g.pp_src.tolist(), g.pp_dst.tolist(), g.pp_weight.tolist()) == ([0], [1], [2.0])


def test_minibatch_training_runs_and_same_seed_gives_same_model(small):
    params = TrainParams(epochs=4, eval_every=2, batch_size=512, hidden=16, seed=5)
    first = train(small, params)
    second = train(small, params)
    assert first.curve[-1]["loss"] == pytest.approx(second.curve[-1]["loss"])
    for (name, p1), p2 in zip(first.model.state_dict().items(),
                              second.model.state_dict().values(), strict=True):
        assert torch.equal(p1, p2), name


def test_message_graph_drops_exactly_the_target_edges(small):
    from gnn.train import MessageGraph

    split = split_graph(small, 0.1, 0.1, seed=0)
    tr = split.train_graph(small)
    graphs = Graphs.build(small, FeatureSchema([], []), *tr)
    tr_pp, tr_pc = np.stack(tr[:2]), np.stack(tr[2:])
    pp_idx, pc_idx = np.array([0, 5, 9]), np.array([1, 2])
    fast = MessageGraph(graphs.node_adjacency(), tr_pp, tr_pc, small.num_persons,
                        torch.device("cpu")).without(pp_idx, pc_idx)
    slow = graphs.node_adjacency(tr_pp[:, pp_idx], tr_pc[:, pc_idx])
    assert fast.to_dense().numpy().tolist() == slow.toarray().tolist()


def test_training_positive_does_not_see_its_own_engagement_in_topic_match():
    persons = pd.DataFrame({"person_id": ["a", "b"]})
    contents = pd.DataFrame({"content_key": ["c1", "c2", "c3"], "topic": ["x", "x", "y"]})
    eng = pd.DataFrame({"person_id": ["a", "a", "a", "b"],
                        "content_key": ["c1", "c2", "c3", "c1"]})
    data = GraphData.from_frames(persons, pd.DataFrame({"src": ["a"], "dst": ["b"]}),
                                 contents, eng)
    graphs = Graphs.build(data, FeatureSchema([], ["x", "y"]), data.pp_src, data.pp_dst,
                          data.pc_person, data.pc_content)
    u, c = np.array([0, 0, 1]), np.array([0, 2, 0])
    seen, _ = graphs.pc_features(u, c)
    assert seen["topic_match"].tolist() == pytest.approx([2 / 3, 1 / 3, 1.0])
    unseen, _ = graphs.pc_features(u, c, drop_self=True)
    # a: the other two contents are one "x" and one "y"; b has nothing else
    assert unseen["topic_match"].tolist() == pytest.approx([0.5, 0.0, 0.0], abs=1e-6)
    assert unseen["popularity"].tolist() == [1.0, 0.0, 1.0]


def test_scores_by_source_equal_scores_by_pair(small):
    from gnn.data.structural import pc_scores

    a, b = small.person_adjacency(), small.engagement_matrix()
    rng = np.random.default_rng(0)
    u = np.repeat(rng.choice(small.num_persons, 40, replace=False), 30)
    v = rng.integers(0, small.num_persons, len(u))
    c = rng.integers(0, small.num_contents, len(u))
    v[:5] = a[u[0]].indices[:1]  # pairs with shared neighbours too
    by_pair, by_source = pp_scores(a, u, v, chunk=97), pp_scores(a, u, v, by_source=True)
    assert by_pair["common_neighbours"].sum() > 0
    for name, values in by_pair.items():
        assert by_source[name] == pytest.approx(values), name
    engaged = pc_scores(a, b, u, c, chunk=97)["connections_engaged"]
    assert engaged.sum() > 0
    assert pc_scores(a, b, u, c, by_source=True)["connections_engaged"] == pytest.approx(
        engaged)
