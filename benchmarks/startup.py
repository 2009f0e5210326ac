"""Start-up benchmark: how long everyday commands take from the shell prompt to their answer,
against the 1.5 s target and against what importing PyTorch alone costs, in the same run.

    python benchmarks/startup.py                      # a fresh 1,000-person home
    python benchmarks/startup.py --home /tmp/kg-web100k --repeat 9

Without ``--home`` it writes a 1,000-person sample into a temporary home and runs ingest and
analyze there, so that ``runs`` and ``query`` answer from real data (the home is removed at
the end). Each command runs
``--repeat`` times as a child process (``python -m kolgraph ...``, as the console script
does), interleaved with the baselines: ``python -c pass`` (the interpreter alone) and
``python -c "import torch"`` (what every command paid while it imported PyTorch). It prints
the median, the fastest and the slowest wall time of each, the median against the target and
against the PyTorch import, and exits 1 when a command's median is over the target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 1.5
COMMANDS: dict[str, list[str]] = {
    "kolgraph --help": ["--help"],
    "kolgraph models": ["models"],
    "kolgraph runs": ["runs"],
    "kolgraph query (inline)": ["query", "MATCH (p:Person) RETURN count(p) AS persons"],
    "kolgraph query (library)": ["query", "current_runs"],
    "kolgraph analyze --help": ["analyze", "--help"],
    "kolgraph db status": ["db", "status"],
}
BASELINES: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import torch'": [sys.executable, "-c", "import torch"],
}


def _kolgraph(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "kolgraph", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def _prepare(home: Path, env: dict[str, str]) -> None:
    """A 1,000-person sample ingested and analysed in ``home`` (skipped when it has one)."""
    sample = home / "sample"
    if not (sample / "accounts.csv").exists():
        _kolgraph(env, "sample", "--out", str(sample), "--persons", "1000", "--seed", "7")
    _kolgraph(env, "db", "start")
    _kolgraph(env, "ingest", str(sample), "--format", "json")
    _kolgraph(env, "analyze", "--format", "json")


def _wall_s(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=None,
                        help="A KOLGRAPH_HOME with data (default: a fresh 1,000-person one).")
    parser.add_argument("--repeat", type=int, default=7, help="Runs of each command.")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="kg-startup-"))
    env = {**os.environ, "KOLGRAPH_HOME": str(home),
           "KOLGRAPH_PII_SALT": os.environ.get("KOLGRAPH_PII_SALT", "startup-benchmark-salt")}
    try:
        if args.home is None:
            _prepare(home, env)
        else:
            _kolgraph(env, "db", "start")
        times = _measure(env, args.repeat)
    finally:
        if args.home is None:
            _kolgraph(env, "db", "stop")
            shutil.rmtree(home, ignore_errors=True)
    _report(times, args.repeat, home)


def _measure(env: dict[str, str], repeat: int) -> dict[str, list[float]]:
    """The wall times of each command and baseline, interleaved."""
    argvs = {**{name: [sys.executable, "-m", "kolgraph", *cli] for name, cli in COMMANDS.items()},
             **BASELINES}
    times: dict[str, list[float]] = {name: [] for name in argvs}
    for _ in range(repeat):
        for name, argv in argvs.items():
            times[name].append(_wall_s(argv, env))
    return times


def _report(times: dict[str, list[float]], repeat: int, home: Path) -> None:
    """Print the figures; exit 1 when a command's median is over the target."""
    torch_s = statistics.median(times["python -c 'import torch'"])
    print(f"start-up, {repeat} runs each, home {home} "
          f"(load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)")
    print(f"{'command':<28}{'median s':>10}{'min':>8}{'max':>8}{'/ target':>10}"
          f"{'/ torch':>9}")
    over = []
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<28}{median:>10.2f}{min(values):>8.2f}{max(values):>8.2f}"
              f"{median / TARGET_S:>10.2f}{median / torch_s:>9.2f}")
        if name in COMMANDS and median > TARGET_S:
            over.append(name)
    print(f"target: every kolgraph command's median under {TARGET_S} s: "
          + ("met" if not over else "NOT met by " + ", ".join(over)))
    if over:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
