"""Benchmark of ``kolgraph refresh`` end to end: the recommend and write phases timed for this
checkout and for another one (``--compare``, e.g. the code when issue 21 was filed), on the
same loaded KOLGRAPH_HOME, interleaved, and the ratio printed.

The home must hold an ingested and analysed graph and a trained model (``kolgraph ingest``,
``kolgraph analyze``, ``kolgraph train``); its embedded server is started before the timed runs.
Each timed run is a whole refresh (``gnn.refresh.refresh``: read the graph, load the model,
embed, write the embeddings, recommend and write every person's top-K of each kind, mark the
run complete, delete the previous run's recommendations) in a fresh process whose
``PYTHONPATH`` is the checkout's. The stages come from the refresh's own progress bars:
``recommend + write`` runs from the creation of the ``recommendations`` bar to its close (the
candidates, scores, reasons and the ``RECOMMENDED`` writes of every person; what issue 21
measured as "200 s computing recommendations and 265 s writing them"); ``write calls`` is
the time spent inside the store's write calls of recommendations (in a writer thread where
the code overlaps writing with computing, so it is not a part of the stage then).

    python benchmarks/refresh.py --home /tmp/kg-r100k --compare /work/wt-base [--repeat 2]

Prints one line per run, then the medians and the ratio ``compared / this`` of the
``recommend + write`` stage (the issue's target: >= 3).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KOLGRAPH = [sys.executable, "-c", "from kolgraph.cli import main; main()"]


def worker(home: Path, k: int, batch_persons: int | None) -> dict[str, Any]:
    """One refresh of ``home`` with the ``gnn`` and ``graph`` packages on ``PYTHONPATH``;
    returns its stage times."""
    here = str(Path(__file__).resolve().parent)  # benchmarks/gnn.py is not the gnn package
    sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != Path(here)]
    import gnn.refresh as refresh_module
    from graph.config import load_settings
    from graph.store import gnn_io, open_store

    marks: dict[str, float] = {}
    inside = {"write_calls_s": 0.0}

    class Bar:
        def __init__(self, total: int, desc: str) -> None:
            self.desc = desc
            marks[f"{desc}_start"] = time.perf_counter()

        def update(self, _n: int) -> None:
            pass

        def close(self) -> None:
            marks[f"{self.desc}_end"] = time.perf_counter()

    def timed(fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                inside["write_calls_s"] += time.perf_counter() - t
        return wrapper

    for name in ("write_recommendations", "write_recommendation_table"):
        if hasattr(gnn_io, name):
            setattr(gnn_io, name, timed(getattr(gnn_io, name)))
    settings = load_settings(env={**os.environ, "KOLGRAPH_HOME": str(home)})
    started = time.perf_counter()
    store = open_store(settings, apply_schema=False)
    opts = refresh_module.RefreshOptions(k=k)
    if batch_persons:
        opts.batch_persons = batch_persons
    try:
        result = refresh_module.refresh(store, home, opts, bar=Bar)
    finally:
        store.close()
    total = time.perf_counter() - started
    rec_s = marks["recommendations_end"] - marks["recommendations_start"]
    emb_start = marks.get("embeddings_start", marks["recommendations_start"])
    emb_s = marks.get("embeddings_end", emb_start) - emb_start
    return {"total_s": total, "recommend_write_s": rec_s,
            "before_embeddings_write_s": emb_start - started, "embeddings_write_s": emb_s,
            "after_s": started + total - marks["recommendations_end"],
            "write_calls_s": inside["write_calls_s"], "persons": result.persons,
            "recommendations": result.recommendations, "recommender": result.recommender}


def _run(checkout: Path, env: dict[str, str], home: Path, k: int,
         batch_persons: int | None) -> dict[str, Any]:
    # a fresh run every time: no checkpoint of an earlier (interrupted) run to resume
    shutil.rmtree(home / "refresh", ignore_errors=True)
    args = [sys.executable, str(Path(__file__).resolve()), "--worker", "--home", str(home),
            "--k", str(k)] + (["--batch-persons", str(batch_persons)] if batch_persons else [])
    started = time.perf_counter()
    done = subprocess.run(args, env={**env, "PYTHONPATH": str(checkout)},
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"refresh of {checkout} failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                 f"{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True,
                        help="a KOLGRAPH_HOME with an ingested, analysed graph and a model")
    parser.add_argument("--compare", type=Path, default=None,
                        help="a checkout of another kolgraph version, run interleaved")
    parser.add_argument("--repeat", type=int, default=2, help="refreshes of each version")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--batch-persons", type=int, default=None,
                        help="the refresh's batch_persons (default: each version's own)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.home, args.k, args.batch_persons)))
        return
    env = {**os.environ, "KOLGRAPH_HOME": str(args.home), "KOLGRAPH_BACKEND": "embedded"}
    env.pop("NEO4J_URI", None)
    versions = {"this": ROOT}
    if args.compare is not None:
        versions = {"compared": args.compare.resolve(), **versions}
    subprocess.run(KOLGRAPH + ["db", "start"], env={**env, "PYTHONPATH": str(ROOT)},
                   check=True, capture_output=True)
    print("load average at start (1, 5, 15 min): "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()), flush=True)
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in versions}
    for i in range(args.repeat):
        for version, checkout in versions.items():
            r = _run(checkout, env, args.home, args.k, args.batch_persons)
            runs[version].append(r)
            print(f"  run {i + 1} {version:8} ({checkout}): recommend + write "
                  f"{r['recommend_write_s']:7.1f} s (write calls {r['write_calls_s']:6.1f} s); "
                  f"before the embeddings' write {r['before_embeddings_write_s']:5.1f} s, "
                  f"embeddings' write {r['embeddings_write_s']:5.1f} s, after "
                  f"{r['after_s']:5.1f} s; refresh {r['total_s']:6.1f} s; "
                  f"{r['recommendations']:,} recommendations for {r['persons']:,} persons",
                  flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    medians = {v: statistics.median(r["recommend_write_s"] for r in rs)
               for v, rs in runs.items()}
    for version, rs in runs.items():
        print(f"{version}: recommend + write median {medians[version]:.1f} s, refresh median "
              f"{statistics.median(r['total_s'] for r in rs):.1f} s; recommenders "
              f"{rs[0]['recommender']}")
    if "compared" in medians:
        print(f"ratio compared / this (recommend + write): "
              f"{medians['compared'] / medians['this']:.2f}x (target >= 3); per round: "
              + ", ".join(f"{a['recommend_write_s'] / b['recommend_write_s']:.2f}"
                          for a, b in zip(runs["compared"], runs["this"], strict=True)))


if __name__ == "__main__":
    main()
