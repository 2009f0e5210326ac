"""Ingest benchmark: the N-person sample into the embedded database (or Neo4j), rows/s per
stage, peak memory, and a naive loader (one MERGE query per interaction row) measured on a
subset in the same run, before and after the ingest, extrapolated, as a ratio (to the faster
of the two).

    KOLGRAPH_HOME=/tmp/kg-bench-1m KOLGRAPH_PII_SALT=bench-salt-0123456 \\
        python benchmarks/ingest.py --persons 1000000 --sample /tmp/sample-1m --empty-graph

With ``--backend neo4j`` it loads the Neo4j 5 server of ``NEO4J_URI`` (``NEO4J_USERNAME``,
``NEO4J_PASSWORD``, ``NEO4J_DATABASE``; e.g. one of ``make neo4j``), whose database must be
empty or emptied with ``--empty-graph``; the naive loader runs there only before the ingest
(a single database: after it, its MERGEs would meet the loaded accounts).

A first load is measured: a graph already in KOLGRAPH_HOME is deleted first with
``--empty-graph`` (else the script stops). The loaded database is left there (server
stopped) for the other benchmarks.
Two versions of the ingest are compared with ``--naive-rows 0`` (no naive loader), run in
turns, the older from a ``git worktree`` of its commit with ``PYTHONPATH`` set to it.
"""

from __future__ import annotations

import argparse
import os
import resource
import threading
import time
from pathlib import Path

import pandas as pd

from graph.config import Settings, load_settings
from graph.ingest.pipeline import ingest_folder
from graph.store import GraphStore, embedded, open_store
from graph.store.falkordb_store import FalkorDBStore

NAIVE = (
    "MERGE (a:Account {account_key: $s}) MERGE (b:Account {account_key: $d}) "
    "MERGE (a)-[r:INTERACTED {type: $t}]->(b) "
    "ON CREATE SET r.count = 1, r.first_at = $ts, r.last_at = $ts "
    "ON MATCH SET r.count = r.count + 1"
)


def _scratch_store(settings: Settings) -> GraphStore:
    """Where the naive loader writes: a scratch graph beside the embedded one, or the Neo4j
    database itself (Neo4j community has one database)."""
    if settings.backend == "neo4j":
        from graph.store.neo4j_store import Neo4jStore

        assert settings.neo4j_uri is not None
        return Neo4jStore(settings.neo4j_uri, settings.neo4j_username, settings.neo4j_password,
                          settings.neo4j_database)
    return FalkorDBStore(settings.db_dir, "naive_bench")


def naive_rate(settings: Settings, sample: Path, rows: int) -> float:
    """Interactions/s of one MERGE query per row, on the first ``rows`` interactions, into
    a scratch graph (emptied afterwards)."""
    frame = pd.read_csv(next(sample.glob("interactions.*")), dtype=str, nrows=rows,
                        keep_default_na=False)
    store = _scratch_store(settings)
    store.apply_schema()
    started = time.perf_counter()
    for r in frame.itertuples(index=False):
        store.write(NAIVE, {"s": f"{r.platform}:{r.src_account}",
                            "d": f"{r.platform}:{r.dst_account}", "t": r.type,
                            "ts": r.timestamp})
    elapsed = time.perf_counter() - started
    store.drop_all()
    store.close()
    return len(frame) / elapsed


class TreeMemory:
    """Samples, in a thread, the memory of this process and its children (the ingest's
    worker processes) together: the sum of their proportional set sizes (pages shared after
    a fork count once in all), every ``interval`` seconds; ``peak`` is the largest sum, in
    bytes."""

    def __init__(self, interval: float = 0.5):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.peak = max(self.peak, sum(_pss(pid) for pid in _tree(os.getpid())))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _tree(root: int) -> list[int]:
    """``root`` and its child processes that run the same program (one level: the
    ingest's workers; the database server is not one)."""
    program = os.readlink(f"/proc/{root}/exe")
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                same = os.readlink(entry / "exe") == program
            except OSError:
                continue
            if same and int(stat.rsplit(")", 1)[1].split()[1]) == root:
                children.append(int(entry.name))
    return [root, *children]


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _empty_graph(store: GraphStore, settings: Settings, allowed: bool) -> GraphStore:
    """Make sure the ingest starts from an empty graph: a graph that holds nodes (an
    earlier run's; re-ingesting into it would skip every loaded batch) is deleted when
    ``allowed`` (``--empty-graph``), and the embedded server restarted so that the deletion
    takes nothing from the timed run; otherwise the benchmark stops with a message. Returns
    the store to ingest into (a new connection after a restart)."""
    left = int(store.scalar("MATCH (n) RETURN count(n) AS n") or 0)
    if not left:
        return store
    embedded_db = settings.backend != "neo4j"
    where = f"graph {settings.graph_name!r} in {settings.db_dir}" if embedded_db else (
        f"the Neo4j database at {settings.neo4j_uri}")
    if not allowed:
        store.close()
        if embedded_db:
            embedded.stop(settings.db_dir)
        raise SystemExit(f"{where} holds {left:,} nodes: the benchmark measures a first load; "
                         "pass --empty-graph to delete it first")
    store.drop_all()
    if not embedded_db:
        print(f"{where} emptied before the ingest ({left:,} nodes)")
        return store
    store.close()
    embedded.stop(settings.db_dir)
    embedded.start(settings.db_dir)
    fresh = FalkorDBStore(settings.db_dir, settings.graph_name)
    fresh.apply_schema()
    print(f"{where} emptied before the ingest ({left:,} nodes)")
    return fresh


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--sample", type=Path, default=Path("/tmp/sample-1m"))
    parser.add_argument("--naive-rows", type=int, default=20_000,
                        help="interactions the naive loader is timed on (0: no naive loader, "
                             "for comparing two versions of the ingest alone)")
    parser.add_argument("--empty-graph", action="store_true",
                        help="delete the graph of KOLGRAPH_HOME first when it holds nodes "
                             "(the benchmark measures a first load)")
    parser.add_argument("--backend", choices=("embedded", "neo4j"), default="embedded",
                        help="neo4j: the server of NEO4J_URI (e.g. one of make neo4j)")
    args = parser.parse_args()
    settings = load_settings(env={**os.environ, "KOLGRAPH_BACKEND": args.backend})
    if args.backend == "neo4j" and not settings.neo4j_uri:
        raise SystemExit("--backend neo4j needs NEO4J_URI (and NEO4J_PASSWORD): start a "
                         "server with make neo4j")
    on_embedded = args.backend == "embedded"
    if not (args.sample / "accounts.csv").exists():
        from graph.ingest.sample import generate_sample

        started = time.perf_counter()
        generate_sample(args.sample, persons=args.persons, seed=7)
        print(f"sample generated in {time.perf_counter() - started:.0f}s")
    print(f"load average at start (1, 5, 15 min): {_load()}")
    if on_embedded:
        embedded.start(settings.db_dir)
    # the naive loader runs before and after the ingest (a short run is at the mercy of
    # the machine's moment); the faster of the two makes the ratio. On Neo4j it shares the
    # one database, so it runs once that is empty.
    naive_before = 0.0
    if args.naive_rows and on_embedded:
        naive_before = naive_rate(settings, args.sample, args.naive_rows)
    store = _empty_graph(open_store(settings), settings, args.empty_graph)
    if args.naive_rows and not on_embedded:
        naive_before = naive_rate(settings, args.sample, args.naive_rows)
        store.apply_schema()
    memory = TreeMemory()
    started = time.perf_counter()
    report = ingest_folder(store, settings, args.sample, progress=True)
    total = time.perf_counter() - started
    tree_gb = memory.stop() / 2**30
    # the ingest ends by starting a rewrite of the server's log in the background: let it
    # finish before anything else is timed
    if on_embedded:
        embedded.wait_for_log_rewrite(settings.db_dir)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    by_kind: dict[str, int] = {}
    for f in report.files:
        by_kind[f.kind] = by_kind.get(f.kind, 0) + f.loaded
    interactions = by_kind.get("interactions", 0)
    events = interactions + by_kind.get("engagements", 0)
    print(f"files: {by_kind}")
    for stage, seconds in report.seconds.items():
        print(f"stage {stage:<14} {seconds:8.1f}s")
    rows = sum(by_kind.values())
    print(f"read+validate: {rows / report.seconds['read_validate']:,.0f} rows/s")
    print(f"accounts:      {by_kind.get('accounts', 0) / report.seconds['accounts']:,.0f} rows/s")
    print(f"events stage:  {events / report.seconds['events']:,.0f} events/s")
    rate = interactions / total
    print(f"end to end:    {total:.0f}s, {rate:,.0f} interactions/s, "
          f"{events / total:,.0f} interactions+engagements/s")
    # (a forked worker's own peak is not printed: its resident size counts the pages it
    # shares with the ingest process)
    print(f"peak memory of the ingest process: {peak_gb:.2f} GiB (resident); ingest and its "
          f"worker processes together: {tree_gb:.2f} GiB (sum of proportional set sizes, "
          "sampled every 0.5 s)")
    print(f"load average after the ingest (1, 5, 15 min): {_load()}")
    if args.naive_rows:
        _print_naive(settings, args, naive_before, rate, events / total)
    store.close()
    if on_embedded:
        embedded.stop(settings.db_dir)


def _print_naive(settings: Settings, args: argparse.Namespace, naive_before: float,
                 rate: float, events_rate: float) -> None:
    """Time the naive loader again after the ingest (embedded only) and print the rates and
    the ratios of the ingest's ``rate`` (interactions/s) and ``events_rate`` to the faster."""
    naive_after = (naive_rate(settings, args.sample, args.naive_rows)
                   if settings.backend != "neo4j" else 0.0)
    naive = max(naive_before, naive_after)
    after = f"{naive_after:,.0f} after" if naive_after else "not after (one database)"
    print(f"naive loader (one MERGE per row, first {args.naive_rows:,} interactions, "
          f"extrapolated): {naive_before:,.0f} interactions/s before the ingest, "
          f"{after}; with the faster, ratio {events_rate / naive:.1f}x "
          "(interactions+engagements/s vs naive interactions/s), "
          f"{rate / naive:.1f}x (interactions/s only)")


if __name__ == "__main__":
    main()
