"""How much of the learned ranker's top K its cheap first stage keeps, on a loaded home.

For persons of a KOLGRAPH_HOME holding a graph and a current model whose learned ranker
serves a kind, ranks every candidate with the whole ranker (``FirstStage`` with ``keep`` 0)
and again through the first stage (``gnn.recommenders.FIRST_STAGE``), both through
``gnn.recommend.rank_batch``, and prints per kind: candidates and kept candidates per person,
the share of the whole ranker's top K that the first stage kept, the share of persons whose
top K is unchanged, the seconds of each, and — with ``--data``, for a home made by
``benchmarks/recommend_real.py --work W`` — recall@K of both against the pairs that
benchmark hid before ingest (hidden again here with the same seed).

    python benchmarks/first_stage.py --home /tmp/kg-r20k --persons 2000
    python benchmarks/first_stage.py --home W/deezer/home --data deezer --work W --persons 0
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gnn import recommenders  # noqa: E402
from gnn.evaluate import ranking_metrics  # noqa: E402
from gnn.jobs import load_graph  # noqa: E402
from gnn.pairs import PAIR_CHUNK, RecGraph, pairs_for  # noqa: E402
from gnn.product_eval import _truth  # noqa: E402
from gnn.ranking import Truth, sample_persons  # noqa: E402
from gnn.recommend import embed_graph, rank_batch  # noqa: E402
from gnn.registry import load_model  # noqa: E402
from graph.config import load_settings  # noqa: E402
from graph.store import analytics_io, open_store  # noqa: E402

SALT = "bench-salt-0123456"  # benchmarks/recommend_real.py's


def hidden_pairs(data_name: str, work: Path, seed: int) -> dict[str, pd.DataFrame]:
    """The pairs ``benchmarks/recommend_real.py`` hid for ``data_name`` with ``seed``."""
    from graph.ingest.edge_list import hide_in_folder, write_edge_list
    from tests.paths import DATASETS

    out = Path(tempfile.mkdtemp(prefix="first-stage-"))
    if data_name == "sample":
        return hide_in_folder(work / "sample" / "sample-full", out, hide_frac=0.1, seed=seed)
    edges = pd.read_csv(DATASETS / f"{data_name}.edges.csv")
    return {"people": write_edge_list(edges, out, hide_frac=0.1, seed=seed)}


def compare(g: RecGraph, ranker: recommenders.LearnedRanker, persons: np.ndarray, k: int,
            truth: Truth | None) -> dict[str, float]:
    """Whole ranker against the first stage for ``persons``, ``PAIR_CHUNK`` at a time."""
    stage = recommenders.FIRST_STAGE[ranker.kind]
    whole = recommenders.FirstStage(stage.trees, 0)
    tops: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {"whole": [],
                                                                        "first": []}
    seconds = {"whole": 0.0, "first": 0.0}
    candidates = kept = 0
    for lo in range(0, len(persons), PAIR_CHUNK):
        batch = pairs_for(ranker.kind, g, persons[lo:lo + PAIR_CHUNK], defer_gnn=True)
        candidates += len(batch)
        for name, cfg in (("whole", whole), ("first", stage)):
            recommenders.FIRST_STAGE[ranker.kind] = cfg
            started = time.perf_counter()
            top = rank_batch(batch, ranker, k)
            seconds[name] += time.perf_counter() - started
            tops[name].append((top.person, top.target, top.rank))
            if name == "first":
                kept += len(top.batch)
    recommenders.FIRST_STAGE[ranker.kind] = stage
    person, target, rank = (np.concatenate([t[i] for t in tops["whole"]]) for i in range(3))
    f_person, f_target, f_rank = (np.concatenate([t[i] for t in tops["first"]])
                                  for i in range(3))
    n_t = int(max(target.max(initial=0), f_target.max(initial=0))) + 1
    whole_keys = person * n_t + target
    first_keys = f_person * n_t + f_target
    same = pd.Series(np.isin(whole_keys, first_keys)).groupby(person).all()
    out = {"persons": len(persons), "candidates_per_person": candidates / len(persons),
           "kept_per_person": kept / len(persons),
           "top_k_kept": float(np.isin(whole_keys, first_keys).mean()),
           "persons_unchanged": float(same.mean()),
           "whole_s": seconds["whole"], "first_s": seconds["first"]}
    if truth is not None:
        out["recall_whole"] = ranking_metrics(person, target, rank, truth.person,
                                              truth.target, persons)[f"recall@{k}"]
        out["recall_first"] = ranking_metrics(f_person, f_target, f_rank, truth.person,
                                              truth.target, persons)[f"recall@{k}"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--data", choices=["twitch", "deezer", "sample"], default=None,
                        help="the data set benchmarks/recommend_real.py loaded into --home")
    parser.add_argument("--work", type=Path, default=None,
                        help="that benchmark's --work folder (for the sample's hidden pairs)")
    parser.add_argument("--persons", type=int, default=2000,
                        help="persons per kind (0: with --data, every one with a hidden pair)")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("KOLGRAPH_BACKEND", "embedded")
    store = open_store(load_settings(env={"KOLGRAPH_HOME": str(args.home),
                                          "KOLGRAPH_PII_SALT": SALT}))
    try:
        data = load_graph(store)
        accounts = analytics_io.read_accounts(store)
    finally:
        store.close()
    owner = pd.Series(accounts["person"].to_numpy(), index=accounts["account_key"].to_numpy())
    model = load_model(args.home / "models")
    if model.model is None or model.schema is None:
        sys.exit("the current model has no GraphSAGE part")
    g = RecGraph.build(data, embeddings=embed_graph(model.model, model.schema, data, "cpu"))
    hidden = hidden_pairs(args.data, args.work or Path(), args.seed) if args.data else {}
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for kind in ("people", "content"):
        ranker = model.recommender(kind)
        if not isinstance(ranker, recommenders.LearnedRanker):
            print(f"{kind}: served by {ranker}, no first stage")
            continue
        truth = _truth(data, owner, kind, hidden[kind]) if kind in hidden else None
        if truth is not None:
            persons = sample_persons(truth, args.persons or 10**9, args.seed)
        else:
            persons = np.sort(np.random.default_rng(args.seed).choice(
                data.num_persons, min(args.persons, data.num_persons), replace=False))
        r = compare(g, ranker, persons, args.k, truth)
        stage = recommenders.FIRST_STAGE[kind]
        line = (f"{kind} (first {stage.trees} trees, keep {stage.keep}): {r['persons']:,} "
                f"persons, {r['candidates_per_person']:.0f} candidates a person, "
                f"{r['kept_per_person']:.0f} kept; top {args.k} kept {r['top_k_kept']:.4%}, "
                f"persons with the same top {args.k} {r['persons_unchanged']:.2%}; ranking "
                f"{r['whole_s']:.1f} s whole, {r['first_s']:.1f} s with the first stage")
        if truth is not None:
            line += (f"; recall@{args.k} whole {r['recall_whole']:.4f}, first stage "
                     f"{r['recall_first']:.4f}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
