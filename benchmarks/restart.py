"""Restart benchmark: how long the embedded database takes to come back after a ``kill -9``
during the events stage of an ingest.

    python benchmarks/restart.py --persons 200000 --sample /tmp/sample-200k \\
        --home /tmp/kg-restart-200k
    python benchmarks/restart.py --persons 1000000 --sample /tmp/sample-1m \\
        --home /tmp/kg-restart-1m

It writes the sample (``kolgraph sample --persons N --seed 7``) unless the folder already
holds one, starts a fresh embedded database in ``--home`` (deleted first), runs
``kolgraph ingest`` in a child process, and once the events stage has written
``--kill-after-batches`` day batches (``IngestBatch`` nodes) kills the database server with
``SIGKILL`` (then the ingest). It prints the sizes of the snapshot and of the log behind it,
then times ``embedded.start`` until the server has loaded its data and answers, and checks
that the graph reads (node count). The database is left stopped in ``--home``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from graph.store import embedded
from graph.store.falkordb_store import FalkorDBStore

GRAPH = "kolgraph"


def _sample(folder: Path, persons: int) -> None:
    if (folder / "accounts.csv").exists():
        return
    subprocess.run([sys.executable, "-m", "kolgraph", "sample", "--out", str(folder),
                    "--persons", str(persons), "--seed", "7"], check=True)


def _aof_sizes(db_dir: Path) -> dict[str, int]:
    folder = db_dir / embedded.AOF_DIR
    return {path.name: path.stat().st_size for path in sorted(folder.iterdir())
            if path.is_file()}


def _kill_during_events(home: Path, sample: Path, batches: int, timeout_s: float) -> float:
    """Run the ingest; SIGKILL the server once ``batches`` day batches are in. Returns the
    seconds from the ingest's start to the kill."""
    env = {**os.environ, "KOLGRAPH_HOME": str(home), "KOLGRAPH_PII_SALT": "restart-benchmark-salt"}
    started = time.monotonic()
    ingest = subprocess.Popen([sys.executable, "-m", "kolgraph", "ingest", str(sample),
                               "--format", "json"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db_dir = home / "db"
    watcher = FalkorDBStore(db_dir, GRAPH)
    try:
        while True:
            if ingest.poll() is not None:
                raise SystemExit(f"the ingest ended (status {ingest.returncode}) before "
                                 f"{batches} event batches; lower --kill-after-batches")
            if time.monotonic() - started > timeout_s:
                raise SystemExit(f"no {batches} event batches after {timeout_s:.0f}s")
            written = watcher.scalar("MATCH (b:IngestBatch) RETURN count(b) AS n") or 0
            if int(written) >= batches:
                break
            time.sleep(0.2)
    finally:
        watcher.close()
    pid = embedded.status(db_dir).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic() - started
    ingest.send_signal(signal.SIGKILL)
    ingest.wait()
    while embedded._pid_alive(pid):
        time.sleep(0.05)
    return killed_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--sample", type=Path, default=None,
                        help="sample folder (default /tmp/sample-restart-<persons>)")
    parser.add_argument("--home", type=Path, default=None,
                        help="KOLGRAPH_HOME, deleted first (default /tmp/kg-restart-<persons>)")
    parser.add_argument("--kill-after-batches", type=int, default=40,
                        help="event day batches written before the kill")
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args()
    sample = args.sample or Path(f"/tmp/sample-restart-{args.persons}")
    home = args.home or Path(f"/tmp/kg-restart-{args.persons}")
    _sample(sample, args.persons)
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    db_dir = home / "db"
    embedded.start(db_dir)
    killed_at = _kill_during_events(home, sample, args.kill_after_batches, args.timeout)
    sizes = _aof_sizes(db_dir)
    print(f"killed the server {killed_at:.1f} s into the ingest, during the events stage")
    for name, size in sizes.items():
        print(f"  {name}: {size / 1e6:.1f} MB")
    clock = time.monotonic()
    embedded.start(db_dir, on_progress=lambda p: print(f"  {p.describe()}", flush=True))
    seconds = time.monotonic() - clock
    with FalkorDBStore(db_dir, GRAPH) as store:
        nodes = store.scalar("MATCH (n) RETURN count(n) AS n")
    embedded.stop(db_dir)
    base = sum(v for k, v in sizes.items() if ".base." in k)
    log = sum(v for k, v in sizes.items() if ".incr." in k)
    print(f"restart after kill -9 at {args.persons:,} persons: {seconds:.1f} s "
          f"(snapshot {base / 1e6:.1f} MB, log {log / 1e6:.1f} MB; {nodes:,} nodes back)")


if __name__ == "__main__":
    main()
