"""Benchmark of the refresh: training (GraphSAGE epochs, the rankers, the comparison with the
heuristics), embedding, top-K recommendation and, with a database, the writes; on the CPU and
on CUDA when present; plus the ranking table (learned ranker against the heuristics, same
recommendation path) on a small sample.

Data, one of:
  --home DIR      a KOLGRAPH_HOME with a loaded embedded database (the real refresh, writes
                  included, as ``kolgraph refresh --retrain`` does it)
  --sample DIR    a ``kolgraph sample`` folder (CSV/JSONL; accounts mapped to persons with
                  the sample's ``.truth`` folder), no database
  --persons N     a synthetic audience of N persons (``gnn.data.synthetic``), no database

Speed is reported as ratios against a baseline measured in the same run: a heuristic refresh
(personalized PageRank for people, contacts who engaged for contents, through the same
recommendation path, no model), and CUDA against the CPU.

  python benchmarks/gnn.py --persons 1000000 --device auto --epochs 20
  python benchmarks/gnn.py --home /tmp/kg-bench-1m --device cpu

Imports stay within torch, torch_geometric, numpy, scipy, pandas and this repository (the
database client only with --home).
"""

from __future__ import annotations

import argparse
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gnn.data.graph import GraphData  # noqa: E402
from gnn.data.sample_frames import sample_graph  # noqa: E402
from gnn.data.synthetic import synthetic_graph  # noqa: E402
from gnn.evaluate import format_ranking_table  # noqa: E402
from gnn.fit import FitParams, best_heuristic, fit_recommender  # noqa: E402
from gnn.pairs import RecGraph  # noqa: E402
from gnn.ranking import RankerParams  # noqa: E402
from gnn.recommend import embed_graph, recommend_batch  # noqa: E402
from gnn.recommenders import LEARNED, Heuristic  # noqa: E402
from gnn.train import TrainParams  # noqa: E402


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def load(args: argparse.Namespace) -> GraphData:
    if args.cache and Path(args.cache).exists():
        with open(args.cache, "rb") as fh:
            return pickle.load(fh)
    data = _load(args)
    if args.cache:
        with open(args.cache, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return data


def _load(args: argparse.Namespace) -> GraphData:
    if args.sample:
        return sample_graph(Path(args.sample))
    if args.home:
        from gnn.jobs import load_graph
        from graph.store.falkordb_store import FalkorDBStore

        store = FalkorDBStore(Path(args.home) / "db", args.graph)
        try:
            return load_graph(store)
        finally:
            store.close()
    return synthetic_graph(args.persons, seed=args.seed)


def recommend_pass(graph: RecGraph, recommenders: dict, persons: int, batch: int,
                   k: int) -> tuple[float, int]:
    """Seconds and recommendations for the first ``persons`` persons, every kind."""
    started = time.perf_counter()
    count = 0
    for lo in range(0, persons, batch):
        chosen = np.arange(lo, min(lo + batch, persons))
        for rec in recommenders.values():
            count += len(recommend_batch(graph, rec, chosen, k))
    return time.perf_counter() - started, count


def fit_params(args: argparse.Namespace, device: str) -> FitParams:
    return FitParams(gnn=TrainParams(epochs=args.epochs, eval_every=args.eval_every,
                                     device=device, seed=args.seed,
                                     eval_positives=args.eval_positives),
                     ranker=RankerParams(max_persons=args.ranker_persons, seed=args.seed),
                     seed=args.seed)


def refresh_in_memory(data: GraphData, device: str, args: argparse.Namespace) -> dict:
    """Train, embed and recommend for every person, without a database."""
    out: dict[str, float] = {}
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()

    def log(message: str) -> None:
        print(f"  [{device} {time.perf_counter() - t0:7.1f}s] {message}", flush=True)

    fitted = fit_recommender(data, fit_params(args, device), log=log)
    out["train_s"] = time.perf_counter() - t0
    if fitted.gnn is not None:
        out["epochs"] = fitted.gnn.epochs_run
        out["s_per_epoch"] = fitted.gnn.seconds_per_epoch
    log(f"trained: {fitted.decision}")
    print(format_ranking_table(fitted.rows), flush=True)
    t1 = time.perf_counter()
    emb = (embed_graph(fitted.gnn.model, fitted.gnn.schema, data, device)
           if fitted.gnn else None)
    if device == "cuda":
        torch.cuda.synchronize()
    out["embed_s"] = time.perf_counter() - t1
    log(f"embedded every node in {out['embed_s']:.1f}s")
    graph = RecGraph.build(data, embeddings=emb)
    recommenders = {kind: fitted.recommender(kind) for kind in fitted.choice}
    n_rec = min(args.recommend_persons or data.num_persons, data.num_persons)
    out["recommend_s"], out["recommendations"] = recommend_pass(
        graph, recommenders, n_rec, args.batch_persons, args.k)
    out["recommend_persons"] = n_rec
    log(f"recommended for {n_rec} persons in {out['recommend_s']:.1f}s "
        f"({n_rec / max(out['recommend_s'], 1e-9):.0f} persons/s)")
    if n_rec < data.num_persons:
        out["recommend_all_s_extrapolated"] = out["recommend_s"] * data.num_persons / n_rec
    out["total_s"] = time.perf_counter() - t0
    out["peak_rss_gib"] = peak_rss_gib()
    if device == "cuda":
        out["peak_gpu_gib"] = torch.cuda.max_memory_allocated() / 2**30
    baseline = {kind: Heuristic(name, kind) for kind, name in
                (("people", "personalized_pagerank"), ("content", "contacts_engaged"))
                if kind in recommenders}
    out["baseline_heuristic_s"], _ = recommend_pass(RecGraph.build(data), baseline, n_rec,
                                                    args.batch_persons, args.k)
    for kind in fitted.choice:
        rows = [r for r in fitted.rows if r["task"] == kind]
        mine = next((float(r["recall@50"]) for r in rows if r["method"] == LEARNED), None)
        name, best = best_heuristic(rows, kind, "recall@50")
        out[f"val_recall50_{kind}"] = mine if mine is not None else float("nan")
        out[f"best_heuristic_{kind}"] = f"{name} {best:.4f}"
    return out


def refresh_with_database(args: argparse.Namespace, device: str) -> dict:
    """The real ``refresh`` (retrain, embed, write embeddings, index and recommendations)."""
    from gnn.refresh import RefreshOptions, refresh
    from graph.store.falkordb_store import FalkorDBStore

    home = Path(args.home)
    store = FalkorDBStore(home / "db", args.graph)
    marks: list[tuple[float, str]] = []

    def log(message: str) -> None:
        marks.append((time.perf_counter(), message))
        print(f"  [{device}] {message}", flush=True)

    t0 = time.perf_counter()
    models = Path(tempfile.mkdtemp(prefix="kgb-"))
    (models / "models").mkdir()
    try:
        res = refresh(store, models, RefreshOptions(
            k=args.k, retrain=True, seed=args.seed, device=device,
            batch_persons=args.batch_persons, fit_params=fit_params(args, device)), log=log)
    finally:
        store.close()
    total = time.perf_counter() - t0
    return {"total_s": total, "persons": res.persons, "recommendations": res.recommendations,
            "peak_rss_gib": peak_rss_gib(),
            "phases": [(round(t - t0, 1), m.splitlines()[0][:80]) for t, m in marks]}


def quality(args: argparse.Namespace) -> None:
    """The ranking table on a small sample (generated when --quality-sample is not given)."""
    if args.quality_sample:
        data = sample_graph(Path(args.quality_sample))
        what = args.quality_sample
    else:
        from graph.ingest.sample import generate_sample

        folder = Path(tempfile.mkdtemp(prefix="kgq-")) / "sample"
        generate_sample(folder, persons=args.quality_persons, seed=2)
        data = sample_graph(folder)
        what = f"kolgraph sample, {args.quality_persons} persons, seed 2"
    print(f"quality: training on {what} ({data.counts()})", flush=True)
    fitted = fit_recommender(data, FitParams(gnn=TrainParams(seed=args.seed, device="cpu"),
                                             seed=args.seed),
                             log=lambda m: print(f"  [quality] {m}", flush=True))
    print(f"\nquality on {what} ({data.counts()}), CPU, validation pairs:")
    print(format_ranking_table(fitted.rows))
    print(fitted.decision)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--home", help="KOLGRAPH_HOME with a loaded embedded database")
    src.add_argument("--sample", help="a kolgraph sample folder")
    src.add_argument("--persons", type=int, default=100_000, help="synthetic persons")
    parser.add_argument("--graph", default="kolgraph", help="graph name (with --home)")
    parser.add_argument("--device", choices=["cpu", "cuda", "auto"], default="auto",
                        help="auto: the CPU, then CUDA when present")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--eval-every", type=int, default=5)
    parser.add_argument("--eval-positives", type=int, default=20_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--batch-persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ranker-persons", type=int, default=8000,
                        help="persons whose candidates train each ranker")
    parser.add_argument("--recommend-persons", type=int, default=0,
                        help="recommend for the first N persons only (0: all) and "
                             "extrapolate the time to all")
    parser.add_argument("--cache", help="pickle of the loaded graph: written on the first "
                                        "run, read on later ones")
    parser.add_argument("--quality-sample", help="sample folder for the quality table")
    parser.add_argument("--quality-persons", type=int, default=2000)
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--quality-only", action="store_true",
                        help="only the quality table (on --quality-sample)")
    args = parser.parse_args()
    if args.quality_only:
        quality(args)
        return
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is available")
    devices = {"cpu": ["cpu"], "cuda": ["cuda"],
               "auto": ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])}[args.device]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, cuda "
          f"{torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none'}")
    results = {}
    if args.home:
        for device in devices:
            print(f"\nrefresh with database {args.home} on {device}")
            results[device] = refresh_with_database(args, device)
            print(results[device])
    else:
        t = time.perf_counter()
        data = load(args)
        print(f"data {data.counts()} loaded in {time.perf_counter() - t:.1f}s, "
              f"peak RSS {peak_rss_gib():.2f} GiB")
        for device in devices:
            print(f"\nin-memory refresh on {device}")
            results[device] = refresh_in_memory(data, device, args)
            r = results[device]
            print(f"{device}: {r.get('s_per_epoch', 0):.2f} s/epoch x {r.get('epochs', 0)}, train "
                  f"{r['train_s']:.1f}s, embed {r['embed_s']:.1f}s, recommend "
                  f"{r['recommend_s']:.1f}s, total {r['total_s']:.1f}s, peak RSS "
                  f"{r['peak_rss_gib']:.2f} GiB"
                  + (f", peak GPU {r['peak_gpu_gib']:.2f} GiB" if "peak_gpu_gib" in r else "")
                  + f"; {r['recommendations']} recommendations")
            print(f"{device}: recommend / heuristic (personalized PageRank) pass = "
                  f"{r['recommend_s'] / r['baseline_heuristic_s']:.2f}x "
                  f"(baseline {r['baseline_heuristic_s']:.1f}s)")
    if "cpu" in results and "cuda" in results:
        c, g = results["cpu"], results["cuda"]
        if "s_per_epoch" in c:
            print(f"\ncuda speed-up: epoch {c['s_per_epoch'] / g['s_per_epoch']:.1f}x, "
                  f"total {c['total_s'] / g['total_s']:.1f}x")
        else:
            print(f"\ncuda speed-up: total {c['total_s'] / g['total_s']:.1f}x")
    if not args.no_quality:
        quality(args)


if __name__ == "__main__":
    main()
