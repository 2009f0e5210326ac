"""Campaign attribution: the three rules on tiny hand-made frames, and the whole path —
sample with planted KOL-caused purchases -> ingest -> campaign -> report — scored against the
sample's truth on both backends.

The floors come from what the graph can know. It keeps the first and the last time of each
(account, content, type) engagement, so a promotion is seen unless its KOL shared the content
both before it (more than the lookback before) and after it; on this sample every planted
caused purchase is knowable and found (recall 1.000 on both backends), hence recall >= 0.95
overall and of the knowable. (Before ``ENGAGED.first_at`` was kept, only the last share time
was known and 8-28% of the truth was out of reach.) Organic purchases by the audience within
the lookback after a promotion cannot be told from caused ones: 3-4% of what is credited
here, hence precision >= 0.9. A purchase made before the share is never credited.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graph.analytics.attribution import (
    DAY_S,
    ROW_COLUMNS,
    Window,
    attribute,
    revenue_by,
    totals,
    window_of,
)
from graph.config import Settings
from graph.errors import InvalidInput, NotFound
from graph.ingest.pipeline import ingest_folder
from graph.ingest.sample import generate_sample
from graph.ingest.sample_truth import read_attributed_purchases, read_early_purchases
from graph.store.base import GraphStore
from kolgraph.usecases import attribution, campaigns

PERSONS, SEED = 3000, 5
OPEN = Window(None, None)
MIN_PRECISION, MIN_RECALL, MIN_KNOWABLE_RECALL = 0.9, 0.95, 0.95


def _frames(touches: list[tuple[str, str, int]], ties: list[tuple[str, str, int]],
            purchases: list[tuple[str, str, int, float]]
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (pd.DataFrame(touches, columns=["kol", "content_key", "touched_at"]),
            pd.DataFrame(ties, columns=["buyer", "kol", "tied_since"]),
            pd.DataFrame([(b, c, "purchase", at, amount, "zhihu")
                          for b, c, at, amount in purchases],
                         columns=["buyer", "content_key", "type", "purchased_at", "amount",
                                  "platform"]))


def test_each_rule_credits_the_right_kols() -> None:
    frames = _frames([("A", "c", 100), ("B", "c", 200), ("B", "c", 50)],
                     [("u", "A", 0), ("u", "B", 10)], [("u", "c", 300, 90.0)])
    last = attribute(*frames, rule="last_touch", window=OPEN)
    first = attribute(*frames, rule="first_touch", window=OPEN)
    linear = attribute(*frames, rule="linear", window=OPEN)
    assert list(last.columns) == list(ROW_COLUMNS)
    assert last[["kol", "touched_at", "share", "revenue"]].values.tolist() == \
        [["B", 200, 1.0, 90.0]]
    assert first[["kol", "touched_at", "share", "revenue"]].values.tolist() == \
        [["B", 50, 1.0, 90.0]]
    assert linear[["kol", "share", "revenue"]].values.tolist() == \
        [["A", 0.5, 45.0], ["B", 0.5, 45.0]]


def test_a_purchase_before_the_share_or_without_a_tie_is_not_credited() -> None:
    frames = _frames([("A", "c", 100), ("A", "d", 100)],
                     [("u", "A", 0), ("late", "A", 500)],
                     [("u", "c", 99, 10.0),        # bought before the share
                      ("v", "c", 150, 10.0),       # never tied to A
                      ("late", "c", 150, 10.0),    # tied to A only after buying
                      ("u", "d", 100 + 8 * DAY_S, 10.0),   # past the 7-day lookback
                      ("A", "c", 150, 10.0),       # the KOL buying its own share
                      ("u", "e", 150, 10.0)])      # a content A never touched
    for rule in ("last_touch", "first_touch", "linear"):
        assert attribute(*frames, rule=rule, window=OPEN).empty, rule
    longer = attribute(*frames, rule="linear", window=OPEN, lookback_s=9 * DAY_S)
    assert longer[["buyer", "content_key"]].values.tolist() == [["u", "d"]]


def test_the_window_bounds_touches_and_equal_times_go_to_the_smaller_id() -> None:
    frames = _frames([("B", "c", 100), ("A", "c", 100), ("C", "c", 10)],
                     [("u", "A", 0), ("u", "B", 0), ("u", "C", 0)],
                     [("u", "c", 120, 30.0)])
    assert attribute(*frames, rule="last_touch", window=OPEN)["kol"].tolist() == ["A"]
    assert attribute(*frames, rule="first_touch", window=OPEN)["kol"].tolist() == ["C"]
    # C's touch falls before the window: it does not count, though the purchase is inside
    inside = attribute(*frames, rule="first_touch", window=Window(50, 110))
    assert inside["kol"].tolist() == ["A"]
    # a touch at the window's end (exclusive) does not count
    assert attribute(*frames, rule="linear", window=Window(None, 100))["kol"].tolist() == ["C"]
    linear = attribute(*frames, rule="linear", window=OPEN)
    assert linear["share"].round(6).tolist() == [0.333333] * 3
    assert linear["revenue"].sum() == pytest.approx(30.0)


def test_nothing_to_attribute_gives_empty_tables() -> None:
    frames = _frames([], [], [])
    rows = attribute(*frames, rule="first_touch", window=OPEN)
    assert rows.empty and list(rows.columns) == list(ROW_COLUMNS)
    assert revenue_by(rows, "kol").empty
    assert totals(rows, frames[2]) == {"purchases": 0, "revenue": 0.0,
                                       "attributed_purchases": 0, "attributed_revenue": 0.0,
                                       "attributed_share": 0.0}
    with pytest.raises(ValueError, match="rule"):
        attribute(*frames, rule="u_shaped", window=OPEN)


def test_campaign_days_are_days_of_the_display_time_zone() -> None:
    window = window_of("2025-07-01", "2025-07-02")
    assert (window.start, window.end) == (1_751_299_200, 1_751_299_200 + 2 * DAY_S)
    assert window_of(None, None) == OPEN


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_sample(tmp_path_factory.mktemp("attr") / "sample", persons=PERSONS,
                           seed=SEED).out_dir


def _person_of(store: GraphStore, account_keys: pd.Series) -> pd.Series:
    rows = store.read("UNWIND $keys AS key MATCH (p:Person)-[:HAS_ACCOUNT]->"
                      "(a:Account {account_key: key}) RETURN key, p.person_id AS person_id",
                      {"keys": sorted(set(account_keys))}).rows
    owner = {r["key"]: r["person_id"] for r in rows}
    return account_keys.map(owner)


def _triples(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(zip(frame["buyer"], frame["content_key"], frame["kol"], strict=True))


def test_attribution_finds_the_planted_purchases(any_store: GraphStore, settings: Settings,
                                                 planted: Path) -> None:
    store = any_store
    ingest_folder(store, settings, planted)
    truth_dir = planted.with_name(planted.name + ".truth")
    truth = read_attributed_purchases(truth_dir)
    early = read_early_purchases(truth_dir)
    for frame in (truth, early):
        frame["buyer"] = _person_of(store, frame["buyer_account"])
        frame["kol"] = _person_of(store, frame["kol_account"])
    kols = sorted(truth["kol"].unique())
    cid = campaigns.create(store, {"name": "attribution", "starts_on": "2025-07-01",
                                   "ends_on": "2026-06-30"}, user="ann")
    campaigns.select(store, cid, kols, "ann")

    expected = _triples(truth)
    found = {}
    for rule in ("last_touch", "first_touch", "linear"):
        got = attribution.report(store, cid, rule=rule)
        assert got.launched is False and got.rule == rule and got.lookback_days == 7
        found[rule] = _triples(pd.DataFrame(got.rows))
        assert not found[rule] & _triples(early), "a purchase before the share was credited"
        revenue = sum(r["revenue"] for r in got.rows)
        assert got.totals["attributed_revenue"] == pytest.approx(revenue, abs=0.05)
        for table in (got.per_kol, got.per_platform, got.per_community):
            assert sum(r["revenue"] for r in table) == pytest.approx(revenue, abs=0.05)
        assert {r["kol"] for r in got.per_kol} <= set(kols)
        assert got.totals["attributed_purchases"] <= got.totals["purchases"]
    last = found["last_touch"]
    precision = len(last & expected) / len(last)
    recall = len(last & expected) / len(expected)
    assert precision >= MIN_PRECISION, f"precision {precision:.3f}"
    assert recall >= MIN_RECALL, f"recall {recall:.3f}"
    assert found["linear"] >= last and found["linear"] >= found["first_touch"]

    # what is missed is explained by what the graph keeps of a share: its first and its last
    # time (a planted promotion between two other shares of the content, more than the
    # lookback after the first, is not seen)
    stored = store.read(
        "UNWIND $rows AS row MATCH (:Account {account_key: row.kol_account})"
        "-[e:ENGAGED {type: 'share'}]->(:Content {content_key: row.content_key}) "
        "RETURN row.kol_account AS kol_account, row.content_key AS content_key, "
        "e.first_at AS first_at, e.last_at AS last_at",
        {"rows": truth[["kol_account", "content_key"]].drop_duplicates()
         .to_dict("records")}).rows
    shared = pd.DataFrame(stored).drop_duplicates(["kol_account", "content_key"])
    knowable = truth.merge(shared, on=["kol_account", "content_key"])
    week = 7 * 86_400
    knowable = knowable[knowable["purchased_at"].between(knowable["first_at"],
                                                         knowable["first_at"] + week)
                        | knowable["purchased_at"].between(knowable["last_at"],
                                                           knowable["last_at"] + week)]
    assert _triples(knowable) <= found["linear"]
    knowable_recall = len(_triples(knowable) & last) / len(knowable)
    assert knowable_recall >= MIN_KNOWABLE_RECALL, f"recall of the knowable {knowable_recall:.3f}"

    campaigns.update(store, cid, {"status": "launched"}, "ann")
    assert attribution.report(store, cid, lookback_days="3").launched is True
    for param, value in (("rule", "u_shaped"), ("lookback_days", 0),
                         ("lookback_days", "a week")):
        with pytest.raises(InvalidInput) as raised:
            attribution.report(store, cid, **{param: value})
        assert raised.value.param == param
    with pytest.raises(NotFound) as missing:
        attribution.report(store, "Cnothere")
    assert missing.value.param == "campaign_id"
    empty = campaigns.create(store, {"name": "no KOLs"}, user="ann")
    nothing = attribution.report(store, empty, rule="linear")
    assert (nothing.rows, nothing.per_kol, nothing.window) == ([], [], OPEN)
    assert nothing.totals["purchases"] == nothing.totals["attributed_revenue"] == 0
