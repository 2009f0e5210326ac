"""The person page's store reads on both backends: the KOLs' embeddings behind the look-alike
KOLs (``gnn_io.kol_vectors``, searched by ``web.lookalikes.KolVectors``), one content
(``person_reads.content``) and a person's activity (``person_reads.person_activity``:
engagement on their contents, attributed conversions)."""

from __future__ import annotations

import pytest

from graph.store import analytics_io, gnn_io, person_reads, web_reads
from graph.store.base import GraphStore
from graph.store.runs import finish_run, start_run
from web.lookalikes import KolVectors

DIM = 4
DAY = 86_400
T0 = 1_750_000_000  # 2025-06-15T15:06:40Z


def _embedded_persons(store: GraphStore) -> None:
    """30 persons on a line of directions from p0: the nearer to p0, the smaller the
    audience; p20..p29 are KOLs with 1,000 followers, p10..p19 have reach 500 only."""
    rows = []
    for i in range(30):
        rows.append({"person_id": f"p{i}", "display_name": f"p{i}",
                     "followers_total": 1000 if i >= 20 else 5,
                     "reach": 500 if 10 <= i < 20 else 1, "kol_score": 0.9 if i >= 5 else 0.1})
    store.upsert_nodes("Person", "person_id", rows)
    gnn_io.ensure_vector_index(store, DIM)
    run = start_run(store, "refresh")
    gnn_io.write_embeddings(store, [{"person_id": f"p{i}",
                                     "embedding": [1.0, i / 10.0, 0.0, 0.0]}
                                    for i in range(30)], run)
    gnn_io.complete_refresh_run(store, run, {"persons": 30})


def test_lookalike_kols_are_the_nearest_above_the_score_and_audience(any_store: GraphStore):
    store = any_store
    _embedded_persons(store)
    kols = KolVectors.read(store, min_score=0.5)
    assert sorted(kols.index.rows) == sorted(f"p{i}" for i in range(5, 30))  # score 0.9 only
    assert kols.vector("p0") is None  # not a KOL: the page reads its own embedding
    p0 = gnn_io.person_embedding(store, "p0")
    assert p0 == [1.0, 0.0, 0.0, 0.0]
    # the 15 nearest KOLs of p0 are below the audience; the nearest that reach it come next
    found = kols.nearest(p0, 3, min_audience=800, exclude="p0")
    assert [r["person_id"] for r in found] == ["p20", "p21", "p22"]
    assert all(r["followers_total"] >= 800 for r in found)
    by_reach = kols.nearest(p0, 2, min_audience=400, exclude="p0")
    assert [r["person_id"] for r in by_reach] == ["p10", "p11"]  # reach 500 qualifies
    everyone = kols.nearest(p0, 30, min_audience=0, exclude="p7")
    assert [r["person_id"] for r in everyone] == [f"p{i}" for i in range(5, 30) if i != 7]
    similarity = [r["similarity"] for r in everyone]
    assert similarity == sorted(similarity, reverse=True)
    assert similarity[0] == pytest.approx(1 / (1 + 0.25) ** 0.5, abs=1e-6)  # p5: (1, 0.5)
    # from p20 = (1, 2): p21 = (1, 2.1) is nearer than p19 = (1, 1.9) by angle
    assert [r["person_id"] for r in kols.nearest(kols.vector("p20"), 2, min_audience=0,
                                                 exclude="p20")] == ["p21", "p19"]


def _shop(store: GraphStore) -> None:
    """KOL ``k`` (account ka) created content c1 (a course, 99 yuan, about parenting) and
    shared it at T0; fan ``f`` (follows ka since before) bought it a day later and also
    viewed it; ``s`` (interacted with ka) subscribed 3 days later; ``late`` (a follower)
    bought it 10 days later (outside the 7-day window); ``stranger`` (no tie) bought it at
    once. Views of c1 by f and s in June and July."""
    store.write(
        "CREATE (k:Person {person_id: 'k', display_name: 'KOL'}), "
        "(f:Person {person_id: 'f', display_name: 'fan'}), "
        "(s:Person {person_id: 's', display_name: 'sub'}), "
        "(l:Person {person_id: 'late', display_name: 'late'}), "
        "(x:Person {person_id: 'stranger', display_name: 'stranger'}), "
        "(k)-[:HAS_ACCOUNT]->(ka:Account {account_key: 'zhihu:ka', platform: 'zhihu'}), "
        "(f)-[:HAS_ACCOUNT]->(fa:Account {account_key: 'zhihu:fa', platform: 'zhihu'}), "
        "(s)-[:HAS_ACCOUNT]->(sa:Account {account_key: 'zhihu:sa', platform: 'zhihu'}), "
        "(l)-[:HAS_ACCOUNT]->(la:Account {account_key: 'zhihu:la', platform: 'zhihu'}), "
        "(x)-[:HAS_ACCOUNT]->(xa:Account {account_key: 'zhihu:xa', platform: 'zhihu'}), "
        "(c:Content {content_key: 'zhihu:c1', platform: 'zhihu', content_id: 'c1', "
        "title: '育儿课', kind: 'course', price: 99.0}), "
        "(c)-[:ABOUT]->(:Topic {name: 'parenting'}), (ka)-[:CREATED]->(c), "
        "(ka)-[:ENGAGED {type: 'share', count: 1, last_at: $t0}]->(c), "
        "(fa)-[:FOLLOWS {since: $t0 - 100 * $day}]->(ka), "
        "(sa)-[:INTERACTED {type: 'comment', first_at: $t0 - $day}]->(ka), "
        "(la)-[:FOLLOWS {since: $t0 - $day}]->(ka), "
        "(fa)-[:ENGAGED {type: 'purchase', count: 1, last_at: $t0 + $day, amount: 99.0}]->(c), "
        "(sa)-[:ENGAGED {type: 'subscribe', count: 1, last_at: $t0 + 3 * $day}]->(c), "
        "(la)-[:ENGAGED {type: 'purchase', count: 1, last_at: $t0 + 10 * $day}]->(c), "
        "(xa)-[:ENGAGED {type: 'purchase', count: 1, last_at: $t0}]->(c), "
        "(fa)-[:ENGAGED {type: 'view', count: 4, last_at: $t0 + 2 * $day}]->(c), "
        "(sa)-[:ENGAGED {type: 'view', count: 1, last_at: $t0 + 20 * $day}]->(c)",
        {"t0": T0, "day": DAY})


def test_content_reads_title_price_topics_creators_and_buyers(any_store: GraphStore):
    store = any_store
    _shop(store)
    found = person_reads.content(store, "zhihu:c1")
    assert found is not None
    assert (found["title"], found["kind"], found["price"], found["platform"]) == (
        "育儿课", "course", 99.0, "zhihu")
    assert found["topics"] == ["parenting"]
    assert found["creators"] == [{"person_id": "k", "display_name": "KOL"}]
    assert found["buyers"] == 4  # f, late, stranger bought; s subscribed
    engagement = {e["type"]: (e["accounts"], e["events"]) for e in found["engagement"]}
    assert engagement == {"purchase": (3, 3), "view": (2, 5), "subscribe": (1, 1),
                          "share": (1, 1)}
    assert person_reads.content(store, "zhihu:none") is None


def test_person_activity_counts_engagement_and_attributed_conversions(any_store: GraphStore):
    store = any_store
    _shop(store)
    rows = person_reads.person_activity(store, "k", window_days=7)
    at = {(r["series"], r["bucket"] * person_reads.BUCKET_S): r["n"] for r in rows}
    bucket = person_reads.BUCKET_S
    # Engagement: the two views and the share (purchases and subscriptions are conversions).
    assert {k: v for k, v in at.items() if k[0] == "engagement"} == {
        ("engagement", (T0 // bucket) * bucket): 1,
        ("engagement", ((T0 + 2 * DAY) // bucket) * bucket): 1,
        ("engagement", ((T0 + 20 * DAY) // bucket) * bucket): 1}
    # Conversions: f's purchase and s's subscription; not late's (day 10) nor the stranger's.
    assert {k: v for k, v in at.items() if k[0] == "conversion"} == {
        ("conversion", ((T0 + DAY) // bucket) * bucket): 1,
        ("conversion", ((T0 + 3 * DAY) // bucket) * bucket): 1}
    wider = person_reads.person_activity(store, "k", window_days=30)
    assert sum(r["n"] for r in wider if r["series"] == "conversion") == 3
    assert person_reads.person_activity(store, "f") == []


def test_conversions_of_everyone_equal_those_read_per_person(any_store: GraphStore):
    store = any_store
    _shop(store)
    # f bought within the window after following; late bought too late; the stranger has no
    # tie; s subscribed (not a purchase)
    assert web_reads.conversions(store, ["k", "f", "nobody"]) == {"k": 1}
    assert web_reads.conversions(store, None) == {"k": 1}
    assert web_reads.conversions(store, None, window_days=30) == {"k": 2}


def test_member_lists_of_every_community_equal_those_read_per_community(
        any_store: GraphStore):
    store = any_store
    run = "analyze-test"
    store.upsert_nodes("Person", "person_id", [
        {"person_id": f"m{i}", "community_id": i % 3, "community_rank": 10 - i,
         "analyze_run_id": run if i != 9 else "older"} for i in range(10)])
    every = web_reads.all_community_member_ids(store, run)
    assert every == {c: web_reads.community_member_ids(store, run, c) for c in (0, 1, 2)}
    assert every[0] == ["m6", "m3", "m0"]  # by rank in the community; m9 is another run's


def test_a_rename_counts_in_the_runs_names_version(any_store: GraphStore):
    store = any_store
    run = start_run(store, "analyze")
    store.write("CREATE (:Community {community_key: $key, run_id: $run, community_id: 4, "
                "name: ''})", {"key": f"{run}:4", "run": run})
    finish_run(store, run, {})
    assert web_reads.current_runs(store)["analyze"] == (run, 0)
    assert analytics_io.rename_community(store, run, 4, "育儿圈")
    assert not analytics_io.rename_community(store, run, 5, "none")
    assert web_reads.current_runs(store)["analyze"] == (run, 1)
    assert web_reads.community_names(store, run) == {4: "育儿圈"}
    assert web_reads.current_run_ids(store) == {"analyze": run}
