"""Benchmark of campaign seed selection: IMM against CELF, top-followers and top-PageRank.

A sample of ``--persons`` persons is generated (``graph.ingest.sample.generate_sample``),
its ties are mapped to persons with the sample's ground truth (no database, no identity
resolution: the planted persons) and projected with the default weights, exactly as
``kolgraph analyze`` projects them; the influence graph is built from that projection. For
each model (IC, LT) and each k, every strategy chooses k seeds and is timed; then every seed
set is simulated with the same random worlds (``--mc-runs`` cascades, common random numbers)
for its expected reach and 95% interval. CELF uses ``--celf-runs`` Monte Carlo worlds for its
marginal gains; ``--celf-budget-s`` stops it, and its time is then extrapolated from the
share of its first round (every allowed person's singleton gain) that it finished (or, when
round 1 finished, the budget is reported: both lower bounds of CELF's time).

    python benchmarks/seeds.py --persons 100000 --k 10 50 --models ic lt
    python benchmarks/seeds.py --persons 2000 --k 5 --quick   # a quick check
    python benchmarks/seeds.py --data twitch deezer --k 10 50 # the real graphs

With ``--data twitch`` or ``deezer`` the influence graph is one of the real social graphs of
``../shared/datasets`` instead (mutual follows: a follow each way, one platform; followers
= degree), projected the same way.

Target: IMM's spread >= CELF's (within the interval) at >= 10x CELF's speed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.analytics import ranking  # noqa: E402
from graph.analytics.celf import celf_seeds  # noqa: E402
from graph.analytics.graphs import PersonIndex  # noqa: E402
from graph.analytics.pipeline import AnalyticsInput, projection  # noqa: E402
from graph.analytics.seeds import (  # noqa: E402
    InfluenceGraph,
    select_seeds,
    simulate_reach,
    top_k,
)
from graph.analytics.weights import load_weights  # noqa: E402
from graph.ingest.sample import generate_sample  # noqa: E402
from graph.ingest.sample_truth import read_persons, truth_accounts  # noqa: E402


def _epoch(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values, utc=True, format="ISO8601").astype("int64").to_numpy() / 1e9


def sample_input(folder: Path, persons: int, seed: int) -> AnalyticsInput:
    """A generated sample's accounts, ties and engagements, keyed by planted person."""
    sample = generate_sample(folder / "d", persons=persons, seed=seed, file_format="parquet")
    person_of = truth_accounts(sample.truth_dir).set_index("account_key")["person"]
    accounts = pd.read_parquet(sample.files["accounts"])
    accounts["account_key"] = accounts["platform"] + ":" + accounts["account_id"].astype(str)
    accounts["person"] = person_of.reindex(accounts["account_key"]).to_numpy()
    inter = pd.read_parquet(sample.files["interactions"])
    edges = pd.DataFrame({
        "src_person": person_of.reindex(inter["platform"] + ":" + inter["src_account"]
                                        .astype(str)).to_numpy(),
        "dst_person": person_of.reindex(inter["platform"] + ":" + inter["dst_account"]
                                        .astype(str)).to_numpy(),
        "type": inter["type"].to_numpy(), "count": 1, "last_at": _epoch(inter["timestamp"])})
    contents = pd.read_parquet(sample.files["contents"])
    creator = person_of.reindex(contents["platform"] + ":" + contents["creator_account"]
                                .astype(str)).to_numpy()
    creator_of = pd.Series(creator, index=contents["platform"] + ":" + contents["content_id"])
    eng = pd.read_parquet(sample.files["engagements"])
    key = eng["platform"] + ":" + eng["content_id"].astype(str)
    engagements = pd.DataFrame({
        "person": person_of.reindex(eng["platform"] + ":" + eng["account_id"].astype(str))
        .to_numpy(), "content": key, "type": eng["type"], "count": 1, "amount": eng["amount"],
        "topic": None, "platform": eng["platform"], "last_at": _epoch(eng["timestamp"]),
        "creator": creator_of.reindex(key).to_numpy()})
    followers = accounts.groupby("person")["followers"].sum()
    ids = read_persons(sample.truth_dir)["person"].astype(str)
    people = pd.DataFrame({"person_id": ids, "display_name": ids,
                           "followers_total": followers.reindex(ids).fillna(0).to_numpy()})
    return AnalyticsInput(people, accounts[["person", "account_key", "platform"]],
                          edges.dropna(subset=["src_person", "dst_person"]),
                          engagements.dropna(subset=["person"]))


ENGAGEMENT_COLUMNS = ["person", "content", "type", "count", "amount", "topic", "platform",
                      "last_at", "creator"]


def real_input(name: str) -> AnalyticsInput:
    """A real graph of ``../shared/datasets`` (``id_1, id_2``, undirected mutual follows) as
    persons with one account each, a follow each way, no contents."""
    from tests.paths import DATASETS

    pairs = pd.read_csv(DATASETS / f"{name}.edges.csv")
    pairs = pairs[pairs["id_1"] != pairs["id_2"]]
    a = pairs["id_1"].astype(str).to_numpy()
    b = pairs["id_2"].astype(str).to_numpy()
    ids = np.unique(np.concatenate([a, b]))
    degree = pd.Series(np.concatenate([a, b])).value_counts()
    edges = pd.DataFrame({"src_person": np.concatenate([a, b]),
                          "dst_person": np.concatenate([b, a]), "type": "follow", "count": 1,
                          "last_at": 0.0})
    persons = pd.DataFrame({"person_id": ids, "display_name": ids,
                            "followers_total": degree.reindex(ids).fillna(0).to_numpy()})
    accounts = pd.DataFrame({"person": ids, "account_key": "twitch:" + ids,
                             "platform": "twitch"})
    return AnalyticsInput(persons, accounts, edges, pd.DataFrame(columns=ENGAGEMENT_COLUMNS))


def build(data: AnalyticsInput) -> tuple[InfluenceGraph, np.ndarray, np.ndarray]:
    """The influence graph of the default projection, PageRank and followers per person."""
    directed, _ties, _now = projection(data, load_weights())
    index = PersonIndex.build(data.persons["person_id"].astype(str), directed)
    src, dst, w = index.edge_arrays(directed)
    followers = data.persons.set_index("person_id")["followers_total"] \
        .reindex(index.ids).fillna(0).to_numpy(dtype=float)
    return (InfluenceGraph.build(index.n, src, dst, w), ranking.pagerank(index.n, src, dst, w),
            followers)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(result, seconds)`` of one call."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def compare(graph: InfluenceGraph, pagerank: np.ndarray, followers: np.ndarray, k: int,
            model: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """One row per strategy: seeds' time and Monte Carlo reach (same worlds for all)."""
    rows: list[dict[str, Any]] = []
    imm, seconds = timed(lambda: select_seeds(graph, k, model=model, epsilon=args.epsilon,
                                              seed=args.seed))
    rows.append({"strategy": "imm", "seeds": imm.seeds, "seconds": seconds,
                 "note": f"{imm.rr_sets:,} RR sets, guarantee {imm.guaranteed}"})
    if not args.no_celf:
        celf, seconds = timed(lambda: celf_seeds(graph, k, model=model, runs=args.celf_runs,
                                                 seed=args.seed, budget_s=args.celf_budget_s))
        note = f"{args.celf_runs} MC worlds, {celf.evaluations:,} gain evaluations"
        if not celf.complete and celf.first_round_share < 1:
            seconds /= max(celf.first_round_share, 1e-9)
            note += (f"; STOPPED at the {args.celf_budget_s:g} s budget after "
                     f"{celf.first_round_share:.1%} of round 1: time extrapolated from round 1 "
                     "(a lower bound), no seeds")
        elif not celf.complete:
            note += (f"; STOPPED at the {args.celf_budget_s:g} s budget after round 1 and "
                     f"{celf.seeds.size} of {k} seeds: time is a lower bound, no seeds")
        rows.append({"strategy": "celf", "seeds": celf.seeds if celf.complete else None,
                     "seconds": seconds, "note": note})
    for name, score in (("top_followers", followers), ("top_pagerank", pagerank)):
        chosen, seconds = timed(lambda score=score: top_k(score, k))
        rows.append({"strategy": name, "seeds": chosen, "seconds": seconds, "note": ""})
    for row in rows:
        if row["seeds"] is not None:
            row["reach"] = simulate_reach(graph, row["seeds"], runs=args.mc_runs,
                                          seed=args.seed + 1, model=model)
    return rows


def report(rows: list[dict[str, Any]], k: int, model: str) -> None:
    """Print the strategies' table and IMM/CELF ratios."""
    print(f"\nmodel {model}, k = {k}")
    print(f"{'strategy':<14} {'spread':>9} {'95% interval':>19} {'time s':>9}  note")
    for r in rows:
        est = r.get("reach")
        spread = f"{est.mean:9.1f} {est.ci_low:9.1f} - {est.ci_high:7.1f}" if est else \
            f"{'-':>9} {'-':>19}"
        print(f"{r['strategy']:<14} {spread} {r['seconds']:9.2f}  {r['note']}")
    by = {r["strategy"]: r for r in rows}
    if "celf" in by:
        imm, celf = by["imm"], by["celf"]
        ratio = f"{imm['reach'].mean / celf['reach'].mean:.3f}" if celf.get("reach") else "-"
        within = "yes" if celf.get("reach") and imm["reach"].ci_high >= celf["reach"].mean \
            else "-" if not celf.get("reach") else "NO"
        print(f"IMM/CELF spread {ratio} (IMM >= CELF within the interval: {within}); "
              f"CELF time / IMM time {celf['seconds'] / imm['seconds']:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", choices=("sample", "twitch", "deezer"),
                        default=["sample"], help="the generated sample or real graphs")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--k", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--models", nargs="+", choices=("ic", "lt"), default=["ic", "lt"])
    parser.add_argument("--epsilon", type=float, default=0.1)
    parser.add_argument("--mc-runs", type=int, default=1000,
                        help="Monte Carlo cascades of the reach compared (all strategies)")
    parser.add_argument("--celf-runs", type=int, default=100,
                        help="Monte Carlo worlds of CELF's marginal gains")
    parser.add_argument("--celf-budget-s", type=float, default=600.0)
    parser.add_argument("--no-celf", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="fewer cascades: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.mc_runs, args.celf_runs = 200, 50
    for name in args.data:
        with tempfile.TemporaryDirectory() as tmp:
            data, seconds = timed(lambda name=name, tmp=tmp: real_input(name)
                                  if name != "sample"
                                  else sample_input(Path(tmp), args.persons, args.seed))
        (graph, pagerank, followers), build_s = timed(lambda data=data: build(data))
        print(f"\n== {name}: {graph.n:,} persons, {graph.forward.nnz:,} influence edges "
              f"(data {seconds:.1f} s, projection {build_s:.1f} s); epsilon {args.epsilon}, "
              f"reach: {args.mc_runs} cascades per strategy, same random worlds")
        for model in args.models:
            for k in args.k:
                report(compare(graph, pagerank, followers, k, model, args), k, model)


if __name__ == "__main__":
    main()
