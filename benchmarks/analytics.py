"""Benchmark of kolgraph's social analytics against the reference implementations.

Community detection: python-louvain (the reference), NetworkX's ``louvain_communities`` and
kolgraph's engines (igraph multilevel ``louvain`` and the default ``leiden``), timed in the
same run on the same graph, with their modularity. Ranking: ``networkx.pagerank`` against
kolgraph's sparse power iteration. Peak memory is the largest growth of the process' resident
memory while a step runs (sampled every 20 ms).

Graphs: a synthetic planted-partition graph of at least ``--edges`` undirected edges, and, when
``--home`` names a KOLGRAPH_HOME with a loaded database (e.g. the 1M-person sample), that
database's person projection (the time to read it out of the store is reported too).

    python benchmarks/analytics.py --edges 1000000 [--home /tmp/kg-bench-1m] [--seed 1]
    NEO4J_URI=... NEO4J_PASSWORD=... python benchmarks/analytics.py --backend neo4j --quick \\
        --no-synthetic    # the projection read from a loaded Neo4j database instead

Targets: communities >= 20x faster than python-louvain with modularity >= python-louvain's
- 0.005; PageRank >= 10x faster than networkx.pagerank.

End to end (``--e2e``): the whole ``kolgraph analyze`` command against the minimal script a
user would write (``benchmarks/minimal_igraph.py``: read the ties CSV, igraph Leiden and
PageRank, write a CSV), both run as commands, interleaved, ``--repeat`` times each, on the
real graphs of ``../shared/datasets`` and on generated samples of ``--persons`` persons. Each
data set is written in the canonical input format and loaded into a fresh KOLGRAPH_HOME under
``--work`` with ``kolgraph ingest`` (``--reuse``: keep a home loaded by an earlier run), and
the embedded server is started before the timed runs (as after an ingest); the
script prints the ratio (median analyze / median minimal script), the share of each stage of
``analyze`` (start-up: imports and connecting; read; pipeline; write), the modularity of both,
and on the samples the planted-KOL precision.

    python benchmarks/analytics.py --e2e --data twitch deezer --persons 100000 300000 \\
        [--compare /tmp/kolgraph-before]   # an earlier version's analyze, interleaved
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.analytics import communities, ranking  # noqa: E402
from graph.analytics.graphs import PersonIndex  # noqa: E402


class PeakMemory:
    """Largest resident-memory growth (bytes) of this process while the block runs."""

    def __init__(self) -> None:
        self.process = psutil.Process(os.getpid())
        self.peak = 0

    def __enter__(self) -> PeakMemory:
        self.base = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()
        return self

    def _watch(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss - self.base)
            time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss - self.base)


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """``(result, seconds, peak MiB)`` of one call."""
    with PeakMemory() as mem:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    return result, seconds, mem.peak / 2**20


def planted_graph(edges: int, seed: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Undirected planted-partition graph with at least ``edges`` distinct edges: community
    sizes from a power law (20..5000), 85% of each person's ties inside the community,
    log-normal weights. Returns ``(n, src, dst, weight)`` with ``src < dst``."""
    rng = np.random.default_rng(seed)
    n = max(1000, int(edges / 11.5))
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(min(5000, 20 * (1 - rng.random()) ** (-1 / 1.2))))
    sizes[-1] -= sum(sizes) - n
    sizes = np.array([s for s in sizes if s > 0])
    start = np.r_[0, np.cumsum(sizes)[:-1]]
    community = np.repeat(np.arange(sizes.size), sizes)
    degree = rng.poisson(12.0, n) + 1
    src = np.repeat(np.arange(n), degree)
    inside = rng.random(src.size) < 0.85
    c = community[src]
    dst = np.where(inside, start[c] + (rng.random(src.size) * sizes[c]).astype(np.int64),
                   rng.integers(0, n, src.size))
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    keys = np.unique((lo * n + hi)[lo != hi])
    lo, hi = np.divmod(keys, n)
    weight = rng.lognormal(0.0, 0.6, lo.size)
    return n, lo, hi, weight


def store_projection(home: str, backend: str = "embedded"
                     ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray,
                                np.ndarray, np.ndarray, np.ndarray, dict[str, float]]:
    """The person projection of the database of ``home`` (directed and symmetrised); with
    ``backend`` "neo4j", of the Neo4j database of ``NEO4J_URI``."""
    from graph.analytics.pipeline import AnalyticsInput, projection
    from graph.analytics.projection import symmetrize
    from graph.analytics.weights import load_weights
    from graph.config import load_settings
    from graph.store import analytics_io, open_store

    settings = load_settings(env={**os.environ, "KOLGRAPH_HOME": home,
                                  "KOLGRAPH_BACKEND": backend})
    store = open_store(settings, apply_schema=False)
    times: dict[str, float] = {}
    t = time.perf_counter()
    persons = analytics_io.read_persons(store)
    accounts = analytics_io.read_accounts(store)
    times["read persons+accounts s"] = time.perf_counter() - t
    t = time.perf_counter()
    edges = analytics_io.read_interaction_edges(store, accounts)
    times["read interaction edges s"] = time.perf_counter() - t
    times["interaction edges"] = float(len(edges))
    t = time.perf_counter()
    engagements = analytics_io.read_engagements(store, accounts)
    times["read engagements s"] = time.perf_counter() - t
    store.close()
    t = time.perf_counter()
    data = AnalyticsInput(persons, accounts, edges, engagements)
    directed, _ties, _now = projection(data, load_weights())
    sym = symmetrize(directed)
    index = PersonIndex.build(persons["person_id"].astype(str), directed)
    d = index.edge_arrays(directed)
    s = index.edge_arrays(sym)
    times["projection s"] = time.perf_counter() - t
    return (index.n, *s, *d, times)


def compare(label: str, n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray,
            d_src: np.ndarray, d_dst: np.ndarray, d_w: np.ndarray, seed: int,
            skip_networkx: bool, quick: bool = False) -> None:
    import networkx as nx

    print(f"\n== {label}: {n:,} persons, {src.size:,} undirected / {d_src.size:,} directed "
          "edges", flush=True)
    rows = []
    if quick:
        for algorithm in ("louvain", "leiden"):
            part, s, mb = measure(lambda a=algorithm: communities.detect_communities(
                n, src, dst, weight, algorithm=a, seed=seed))
            print(f"kolgraph {algorithm}: {s:.2f} s, peak {mb:.0f} MiB, modularity "
                  f"{part.modularity:.4f}, {part.count:,} communities")
        _, s, mb = measure(lambda: ranking.pagerank(n, d_src, d_dst, d_w))
        print(f"kolgraph pagerank: {s:.2f} s, peak {mb:.0f} MiB (--quick: no references)")
        return
    ref, ref_s, ref_mb = measure(lambda: communities.reference_louvain(n, src, dst, weight,
                                                                       seed=seed))
    rows.append(("python-louvain (reference)", ref_s, ref_mb, ref.modularity, ref.count))
    print(f"python-louvain done in {ref_s:.1f} s", flush=True)
    if not skip_networkx:
        def nx_louvain() -> float:
            g = nx.Graph()
            g.add_nodes_from(range(n))
            g.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), weight.tolist(),
                                          strict=True))
            parts = nx.community.louvain_communities(g, weight="weight", seed=seed)
            membership = np.empty(n, dtype=np.int64)
            for i, part in enumerate(parts):
                membership[list(part)] = i
            return membership
        member, s, mb = measure(nx_louvain)
        rows.append(("networkx louvain_communities", s, mb,
                     communities.modularity(n, src, dst, weight, member),
                     int(member.max()) + 1))
    for algorithm in ("louvain", "leiden"):
        part, s, mb = measure(lambda a=algorithm: communities.detect_communities(
            n, src, dst, weight, algorithm=a, seed=seed))
        name = "kolgraph leiden (default)" if algorithm == communities.DEFAULT_ALGORITHM \
            else f"kolgraph {algorithm} (igraph)"
        rows.append((name, s, mb, part.modularity, part.count))
    print(f"{'engine':32} {'seconds':>9} {'x faster':>9} {'peak MiB':>9} {'modularity':>10} "
          f"{'dQ vs ref':>9} {'communities':>11}")
    for name, s, mb, q, count in rows:
        print(f"{name:32} {s:9.2f} {ref_s / s:9.1f} {mb:9.0f} {q:10.4f} {q - ref.modularity:+9.4f}"
              f" {count:11,}")

    def nx_pagerank() -> dict:
        g = nx.DiGraph()
        g.add_nodes_from(range(n))
        g.add_weighted_edges_from(zip(d_src.tolist(), d_dst.tolist(), d_w.tolist(),
                                      strict=True))
        start = time.perf_counter()
        result = nx.pagerank(g, weight="weight")
        return result, time.perf_counter() - start
    (nx_pr, nx_only), nx_s, nx_mb = measure(nx_pagerank)
    pr, s, mb = measure(lambda: ranking.pagerank(n, d_src, d_dst, d_w))
    diff = float(np.abs(pr - np.array([nx_pr[i] for i in range(n)])).max())
    print(f"\n{'pagerank':32} {'seconds':>9} {'x faster':>9} {'peak MiB':>9}")
    print(f"{'networkx.pagerank (with build)':32} {nx_s:9.2f} {1.0:9.1f} {nx_mb:9.0f}")
    print(f"{'networkx.pagerank (call only)':32} {nx_only:9.2f} {nx_s / nx_only:9.1f} {'':>9}")
    print(f"{'kolgraph pagerank':32} {s:9.2f} {nx_only / s:9.1f} {mb:9.0f}   "
          f"(x faster vs the call only; max |difference| {diff:.1e})")
    _, s, mb = measure(lambda: ranking.betweenness(n, src, dst, weight, seed=seed))
    print(f"{'kolgraph betweenness (sampled)':32} {s:9.2f} {'':>9} {mb:9.0f}")


KOLGRAPH = [sys.executable, "-c", "from kolgraph.cli import main; main()"]
MINIMAL = Path(__file__).resolve().with_name("minimal_igraph.py")
SALT = "bench-salt-0123456"


def _command(args: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run a command; its wall time and standard output (stops on failure)."""
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"{' '.join(args[-6:])} failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                 f"{done.stderr[-3000:]}")
    return seconds, done.stdout


def _prepare(name: str, folder: Path, persons: int, env: dict[str, str]) -> None:
    """The input folder of data set ``name`` (a real graph, or ``sample-N``), once."""
    if (folder / "interactions.csv").exists():
        return
    if name.startswith("sample-"):
        _command(KOLGRAPH + ["sample", "--out", str(folder), "--persons", str(persons),
                             "--seed", "7"], env)
        return
    import pandas as pd

    from graph.ingest.edge_list import write_edge_list
    from tests.paths import DATASETS

    write_edge_list(pd.read_csv(DATASETS / f"{name}.edges.csv"), folder, hide_frac=0.0)


def _planted_precision(home: Path, truth_dir: Path) -> dict[str, float]:
    """Precision of the stored ranking at the number of planted KOLs and at 50."""
    import pandas as pd

    from graph.analytics.evaluation import precision_at_k
    from graph.config import load_settings
    from graph.store import analytics_io, open_store

    store = open_store(load_settings(env={"KOLGRAPH_HOME": str(home),
                                          "KOLGRAPH_BACKEND": "embedded"}),
                       apply_schema=False)
    try:
        results = analytics_io.read_person_results(store)
    finally:
        store.close()
    truth = pd.read_csv(truth_dir / "persons.csv", dtype=str)
    planted = truth.assign(account=truth["accounts"].str.split(";")).explode("account")
    kol_accounts = set(planted.loc[planted["is_kol"] == "1", "account"])
    first = results["accounts"].map(lambda keys: keys[0] if len(keys) else "")
    kols = set(results["person_id"][first.isin(kol_accounts)])
    ranked = results.sort_values("kol_rank")["person_id"].tolist()
    return {"planted_kols": float(len(kols)),
            "precision_at_planted": precision_at_k(ranked, kols, len(kols)),
            "precision_at_50": precision_at_k(ranked, kols, 50)}


def _stage_row(name: str, version: str, runs: list[tuple[float, dict[str, Any]]],
               minimal: list[tuple[float, dict[str, Any]]]) -> dict[str, Any]:
    """The figures of one version's runs: median wall time, its ratio to the minimal
    script's median, and the stages of the median run."""
    import statistics

    m_s = statistics.median(s for s, _ in minimal)
    a_s = statistics.median(s for s, _ in runs)
    wall, metrics = sorted(runs, key=lambda pair: pair[0])[(len(runs) - 1) // 2]
    stages = {"read": metrics.get("read_s", 0.0), "pipeline": metrics.get("pipeline_s", 0.0),
              "write": metrics.get("write_s", 0.0)}
    stages = {"start-up": wall - sum(stages.values()), **stages}
    return {
        "data": name, "version": version, "persons": metrics["persons"],
        "ties": metrics["projection_edges"], "minimal_s": m_s, "analyze_s": a_s,
        "ratio": a_s / m_s, "wall": wall, "modularity": metrics["modularity"],
        "minimal_modularity": minimal[0][1]["modularity"],
        **{f"{k}_s": v for k, v in stages.items()},
        "pipeline_steps": {k: metrics.get(k) for k in ("projection_s", "communities_s",
                                                       "ranking_s", "profiles_s")}}


def end_to_end(name: str, work: Path, persons: int, repeat: int, reuse: bool,
               compare: Path | None = None) -> list[dict[str, Any]]:
    """Ingest data set ``name`` into a fresh home, then time ``kolgraph analyze`` and the
    minimal igraph script, interleaved (with ``compare``, a checkout of another version of
    kolgraph, its ``analyze`` too, on the same home); print and return the figures, one row
    per version."""
    import shutil

    root = work / name
    folder, home = root / "input", root / "home"
    # PYTHONPATH: this checkout's kolgraph, whatever the venv has installed
    env = {**os.environ, "KOLGRAPH_HOME": str(home), "KOLGRAPH_PII_SALT": SALT,
           "KOLGRAPH_BACKEND": "embedded", "KOLGRAPH_AS_OF": "2026-12-01",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("NEO4J_URI", None)
    versions = {"this": env}
    if compare is not None:
        versions["compared"] = {**env, "PYTHONPATH": str(compare.resolve())}
    print(f"\n== {name}", flush=True)
    _prepare(name, folder, persons, env)
    if not (reuse and (home / "db").exists()):
        _command(KOLGRAPH + ["db", "stop"], env) if home.exists() else None
        shutil.rmtree(home, ignore_errors=True)
        seconds, _ = _command(KOLGRAPH + ["ingest", str(folder)], env)
        print(f"  ingest {seconds:.1f} s (kolgraph ingest {folder})", flush=True)
    # the embedded server running, as after an ingest: its start (loading the graph) is
    # not analyze's
    _command(KOLGRAPH + ["db", "start"], env)
    truth = folder.with_name(folder.name + ".truth")
    minimal: list[tuple[float, dict[str, Any]]] = []
    runs: dict[str, list[tuple[float, dict[str, Any]]]] = {v: [] for v in versions}
    quality: dict[str, dict[str, float]] = {}
    for i in range(repeat):
        seconds, out = _command([sys.executable, str(MINIMAL), str(folder / "interactions.csv"),
                                 "src_account", "dst_account", str(root / "minimal.csv")])
        minimal.append((seconds, json.loads(out)))
        line = f"  minimal script {seconds:6.2f} s"
        for version, version_env in versions.items():
            seconds, out = _command(KOLGRAPH + ["analyze", "--seed", "1", "--format", "json"],
                                    version_env)
            runs[version].append((seconds, json.loads(out)["metrics"]))
            line += f"   analyze ({version}) {seconds:6.2f} s"
            if i == repeat - 1 and truth.exists():
                quality[version] = _planted_precision(home, truth)
        print(line, flush=True)
    _command(KOLGRAPH + ["db", "stop"], env)
    rows = []
    for version in versions:
        row = {**_stage_row(name, version, runs[version], minimal), **quality.get(version, {})}
        rows.append(row)
        wall = row["wall"]
        print(f"  {name} ({version}): {row['persons']:,} persons, {row['ties']:,} projected "
              f"ties; analyze {row['analyze_s']:.2f} s vs minimal script "
              f"{row['minimal_s']:.2f} s: ratio {row['ratio']:.2f} (target <= 2)")
        print("    stages of the median analyze: " + ", ".join(
            f"{k} {row[k + '_s']:.2f} s ({row[k + '_s'] / wall:.0%})"
            for k in ("start-up", "read", "pipeline", "write"))
            + "; pipeline steps: "
            + ", ".join(f"{k} {v}" for k, v in row["pipeline_steps"].items()))
        print(f"    modularity {row['modularity']:.4f} "
              f"(minimal script {row['minimal_modularity']:.4f})"
              + (f"; planted KOLs {row['planted_kols']:.0f}, precision@planted "
                 f"{row['precision_at_planted']:.3f}, @50 {row['precision_at_50']:.3f}"
                 if "planted_kols" in row else ""), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", type=int, default=1_000_000,
                        help="at least this many undirected edges in the synthetic graph")
    parser.add_argument("--home", default=None,
                        help="KOLGRAPH_HOME of a loaded database to benchmark as well")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=("embedded", "neo4j"), default="embedded",
                        help="neo4j: read the projection from the server of NEO4J_URI")
    parser.add_argument("--skip-networkx-louvain", action="store_true",
                        help="leave NetworkX's louvain_communities out (slow)")
    parser.add_argument("--quick", action="store_true",
                        help="time kolgraph only on the database (no reference engines)")
    parser.add_argument("--no-synthetic", action="store_true",
                        help="benchmark only the database of --home")
    parser.add_argument("--e2e", action="store_true",
                        help="time the whole kolgraph analyze command against the minimal "
                             "igraph script, on --data and --persons")
    parser.add_argument("--data", nargs="*", default=["twitch", "deezer"],
                        choices=["twitch", "deezer"], help="--e2e: the real graphs")
    parser.add_argument("--persons", type=int, nargs="*", default=[100_000],
                        help="--e2e: generated samples of these many persons (seed 7)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="--e2e: runs of each command (medians are compared)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kg-analyze-e2e"),
                        help="--e2e: input folders and homes")
    parser.add_argument("--reuse", action="store_true",
                        help="--e2e: keep a home loaded by an earlier run (no ingest)")
    parser.add_argument("--compare", type=Path, default=None,
                        help="--e2e: a checkout of another kolgraph version (e.g. `git archive "
                             "COMMIT | tar -x -C DIR`) whose analyze runs interleaved too")
    args = parser.parse_args()
    if args.e2e:
        print("load average at start (1, 5, 15 min): "
              + " ".join(f"{v:.2f}" for v in os.getloadavg()))
        names = [(name, 0) for name in args.data] + [(f"sample-{n}", n) for n in args.persons]
        rows = [row for name, n in names
                for row in end_to_end(name, args.work, n, args.repeat, args.reuse,
                                      args.compare)]
        print("\n| data | version | persons | analyze s | minimal s | ratio | start-up | read "
              "| pipeline | write | modularity (minimal) | precision@planted / @50 |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for r in rows:
            total = r["start-up_s"] + r["read_s"] + r["pipeline_s"] + r["write_s"]
            print(f"| {r['data']} | {r['version']} | {r['persons']:,} | {r['analyze_s']:.2f} | "
                  f"{r['minimal_s']:.2f} | {r['ratio']:.2f} | "
                  + " | ".join(f"{r[k + '_s'] / total:.0%}"
                               for k in ("start-up", "read", "pipeline", "write"))
                  + f" | {r['modularity']:.4f} ({r['minimal_modularity']:.4f}) | "
                  + (f"{r['precision_at_planted']:.3f} / {r['precision_at_50']:.3f} |"
                     if "planted_kols" in r else "— |"))
        print("load average at end (1, 5, 15 min): "
              + " ".join(f"{v:.2f}" for v in os.getloadavg()))
        return
    print("load average at start (1, 5, 15 min): "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    if args.backend == "neo4j":
        uri = os.environ.get("NEO4J_URI")
        if not uri:
            raise SystemExit("--backend neo4j needs NEO4J_URI (and NEO4J_PASSWORD)")
        n, s, d, w, ds, dd, dw, times = store_projection(args.home or ".kolgraph", "neo4j")
        print(f"== read from Neo4j at {uri}: " + ", ".join(
            f"{k} {v:,.1f}" for k, v in times.items()))
        compare(f"store projection of Neo4j at {uri}", n, s, d, w, ds, dd, dw, args.seed,
                args.skip_networkx_louvain, args.quick)
    elif args.home:
        if (Path(args.home) / "db").exists():
            n, s, d, w, ds, dd, dw, times = store_projection(args.home)
            print(f"== read from {args.home}: " + ", ".join(
                f"{k} {v:,.1f}" for k, v in times.items()))
            compare(f"store projection of {args.home}", n, s, d, w, ds, dd, dw, args.seed,
                    args.skip_networkx_louvain, args.quick)
        else:
            print(f"== {args.home}/db not found: store projection skipped")
    if args.no_synthetic:
        return
    n, s, d, w = planted_graph(args.edges, args.seed)
    # The directed graph for PageRank: each undirected tie in both directions.
    compare("synthetic planted partition", n, s, d, w, np.r_[s, d], np.r_[d, s], np.r_[w, w],
            args.seed, args.skip_networkx_louvain)


if __name__ == "__main__":
    main()
