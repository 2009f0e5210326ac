"""Query-limits benchmark: how long the runaway and crashing queries of the reliability issue
run before the embedded database stops them, and what the server keeps afterwards.

    python benchmarks/query_limits.py --timeouts 2 30

Starts a scratch embedded database in a temporary home, runs each query through the query
use-case (the path of ``kolgraph query`` and the web console) once per timeout, and prints
how long it ran, what stopped it (``QueryTimeout`` or ``QueryMemoryExceeded``), the
server's resident memory afterwards, and whether it still answers. The target of the
reliability issue: stopped within 2x the timeout, the server under 1 GB.
``KOLGRAPH_DB_QUERY_MEMORY_MB`` sets the server's memory cap as in production.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from graph.config import load_settings
from graph.store import embedded
from graph.store.falkordb_store import FalkorDBStore
from kolgraph.usecases import query as usecase

RUNAWAY = "UNWIND range(1, 200000000) AS x RETURN count(x)"
ROW_BY_ROW = ("UNWIND range(1, 5000) AS x UNWIND range(1, 5000) AS y "
              "UNWIND range(1, 5000) AS z RETURN count(*) AS n")
CRASHING = "RETURN size(range(1, 1000000000)) AS n"


def server_rss_mib(data_dir: Path) -> float:
    """Resident memory of the embedded server of ``data_dir`` (MiB), from /proc."""
    pid = (data_dir / embedded.PID_NAME).read_text().strip()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeouts", type=float, nargs="+", default=[2.0, 30.0])
    parser.add_argument("--crashing", action="store_true",
                        help="also run RETURN size(range(1, 1000000000)) (about a minute)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="kgq-"))
    settings = load_settings(env={"KOLGRAPH_HOME": str(home),
                                  "KOLGRAPH_PII_SALT": "query-limits-bench-salt"})
    embedded.start(settings.db_dir)
    store = FalkorDBStore(settings.db_dir, "bench")
    queries = [RUNAWAY, ROW_BY_ROW] + ([CRASHING] if args.crashing else [])
    try:
        for text in queries:
            for timeout_s in args.timeouts:
                started = time.monotonic()
                try:
                    usecase.run(store, settings, text=text, timeout_s=timeout_s)
                    outcome = "finished"
                except Exception as exc:  # what stopped it is the figure
                    outcome = type(exc).__name__
                elapsed = time.monotonic() - started
                answers = store.read("RETURN 1 AS one").rows == [{"one": 1}]
                print(f"{text[:48]:48}  timeout {timeout_s:5.1f} s  ran {elapsed:7.2f} s "
                      f"({elapsed / timeout_s:4.1f}x, {outcome})  server "
                      f"{server_rss_mib(settings.db_dir):6.0f} MiB  answers: {answers}",
                      flush=True)
    finally:
        store.close()
        embedded.stop(settings.db_dir)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
