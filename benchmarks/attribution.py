"""Campaign attribution against the sample's planted truth: sample -> ingest into a fresh
embedded database (a temporary KOLGRAPH_HOME) -> analyze -> a campaign of the top-ranked
KOLs over the sample's whole year -> the report under each rule; prints precision and recall
of the credited (buyer, content, KOL) against ``attributed_purchases.csv`` (the truth of the
campaign's KOLs), recall of what the graph can know (purchases after the KOL's stored share
time: the graph keeps the last share of each account and content), attributed revenue
against the truth's, and the time of each report.

    python benchmarks/attribution.py [--persons 20000] [--seed 7] [--kols 0]

``--kols 0`` takes as many top KOLs as the sample plants (at most a campaign's 200).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.analytics.weights import load_weights  # noqa: E402
from graph.config import load_settings  # noqa: E402
from graph.ingest.pipeline import ingest_folder  # noqa: E402
from graph.ingest.sample import generate_sample  # noqa: E402
from graph.ingest.sample_truth import read_attributed_purchases  # noqa: E402
from graph.store import analytics_io, embedded  # noqa: E402
from graph.store.base import GraphStore  # noqa: E402
from graph.store.falkordb_store import FalkorDBStore  # noqa: E402
from kolgraph.usecases import attribution, campaigns  # noqa: E402
from kolgraph.usecases.analyze import AnalyzeParams, run_analysis  # noqa: E402


def _owners(store: GraphStore, keys: pd.Series) -> pd.Series:
    rows = store.read("UNWIND $keys AS key MATCH (p:Person)-[:HAS_ACCOUNT]->"
                      "(:Account {account_key: key}) RETURN key, p.person_id AS person_id",
                      {"keys": sorted(set(keys))}).rows
    return keys.map({r["key"]: r["person_id"] for r in rows})


def _knowable(store: GraphStore, truth: pd.DataFrame) -> pd.DataFrame:
    """The truth rows bought within the lookback (7 days) after the KOL's first or last share
    time as the graph stores them."""
    pairs = truth[["kol_account", "content_key"]].drop_duplicates().to_dict("records")
    rows = store.read("UNWIND $rows AS row MATCH (:Account {account_key: row.kol_account})"
                      "-[e:ENGAGED {type: 'share'}]->(:Content {content_key: row.content_key})"
                      " RETURN row.kol_account AS kol_account, "
                      "row.content_key AS content_key, "
                      "coalesce(e.first_at, e.last_at) AS first_at, e.last_at AS last_at",
                      {"rows": pairs}).rows
    merged = truth.merge(pd.DataFrame(rows), on=["kol_account", "content_key"])
    week = 7 * 86_400
    bought = merged["purchased_at"]
    return merged[bought.between(merged["first_at"], merged["first_at"] + week)
                  | bought.between(merged["last_at"], merged["last_at"] + week)]


def _triples(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(zip(frame["buyer"], frame["content_key"], frame["kol"], strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kols", type=int, default=0,
                        help="top-ranked KOLs in the campaign (0: as many as planted)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="kg-attr-"))
    settings = load_settings(env={"KOLGRAPH_HOME": str(home),
                                  "KOLGRAPH_PII_SALT": "bench-salt-0123456789"})
    embedded.start(settings.db_dir)
    try:
        started = time.perf_counter()
        sample = generate_sample(home / "sample", persons=args.persons, seed=args.seed)
        store = FalkorDBStore(settings.db_dir, settings.graph_name)
        store.apply_schema()
        ingest_folder(store, settings, sample.out_dir)
        run_analysis(store, load_weights(), AnalyzeParams(seed=1))
        print(f"{args.persons:,} persons (seed {args.seed}): sample, ingest and analyze in "
              f"{time.perf_counter() - started:.0f}s")
        ranked = analytics_io.read_person_results(store).sort_values("kol_rank")
        count = min(args.kols or sample.kols, campaigns.MAX_KOLS)
        kols = ranked["person_id"].head(count).tolist()
        cid = campaigns.create(store, {"name": "attribution benchmark", "status": "launched",
                                       "starts_on": "2025-07-01", "ends_on": "2026-06-30"},
                               user="bench")
        campaigns.select(store, cid, kols, "bench")

        truth = read_attributed_purchases(sample.truth_dir)
        truth["buyer"] = _owners(store, truth["buyer_account"])
        truth["kol"] = _owners(store, truth["kol_account"])
        truth = truth[truth["kol"].isin(kols)]
        knowable = _knowable(store, truth)
        expected, known = _triples(truth), _triples(knowable)
        print(f"campaign: top {count} ranked KOLs ({len(set(kols) & set(truth['kol']))} of "
              f"them planted promoters); truth: {len(truth)} caused purchases, "
              f"{truth['amount'].sum():,.2f} revenue; knowable from the graph: "
              f"{len(knowable)} ({len(knowable) / max(1, len(truth)):.1%})")
        print(f"{'rule':<12} {'credited':>8} {'precision':>9} {'recall':>7} "
              f"{'knowable':>8} {'revenue':>11} {'truth':>11} {'seconds':>7}")
        for rule in attribution.RULES:
            started = time.perf_counter()
            got = attribution.report(store, cid, rule=rule)
            seconds = time.perf_counter() - started
            found = _triples(pd.DataFrame(got.rows, columns=["buyer", "content_key", "kol"]))
            hits = len(found & expected)
            print(f"{rule:<12} {len(found):>8} {hits / max(1, len(found)):>9.3f} "
                  f"{hits / max(1, len(expected)):>7.3f} "
                  f"{len(found & known) / max(1, len(known)):>8.3f} "
                  f"{got.totals['attributed_revenue']:>11,.2f} "
                  f"{truth['amount'].sum():>11,.2f} {seconds:>7.2f}")
        store.close()
    finally:
        embedded.stop(settings.db_dir)


if __name__ == "__main__":
    main()
