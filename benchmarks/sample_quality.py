"""Quality of the social analytics against the sample's planted truth (a script, not a test).

For each sample seed: ``kolgraph sample`` -> ``ingest`` -> ``analyze --algorithm A`` ->
``export persons``, then NMI of the detected communities against the planted ones, and the
precision of the KOL ranking at the number of planted KOLs and at 50. Each seed gets its own
``KOLGRAPH_HOME`` under ``--work``.

    python benchmarks/sample_quality.py --persons 10000 --seeds 11 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from graph.analytics.evaluation import nmi, precision_at_k

KOLGRAPH = str(Path(sys.executable).with_name("kolgraph"))


def _kolgraph(env: dict[str, str], *args: str) -> None:
    subprocess.run([KOLGRAPH, *args], env=env, check=True, capture_output=True)


def measure(work: Path, persons: int, seed: int, algorithm: str) -> dict[str, object]:
    """Sample (once per seed), ingest, analyse with ``algorithm``; the quality figures."""
    sample = work / f"sample-{persons}-{seed}"
    env = dict(os.environ, KOLGRAPH_HOME=str(work / f"home-{persons}-{seed}"),
               KOLGRAPH_PII_SALT=os.environ.get("KOLGRAPH_PII_SALT", "sample-quality-salt"))
    truth_dir = sample.with_name(sample.name + ".truth")
    if not truth_dir.exists():
        _kolgraph(env, "sample", "--out", str(sample), "--persons", str(persons),
                  "--seed", str(seed))
        _kolgraph(env, "ingest", str(sample))
    _kolgraph(env, "analyze", "--seed", "1", "--algorithm", algorithm)
    exported = work / "persons.csv"
    _kolgraph(env, "export", "persons", "--out", str(exported))
    persons_frame = pd.read_csv(exported, dtype=str)
    truth = pd.read_csv(truth_dir / "persons.csv", dtype=str)
    by_account = truth.assign(account=truth["accounts"].str.split(";")).explode("account")
    by_account = by_account.set_index("account")
    first_account = persons_frame["accounts"].str.split(";").str[0]
    planted = by_account.loc[first_account]
    kols = set(persons_frame["person_id"][planted["is_kol"].to_numpy() == "1"])
    ranked = persons_frame.sort_values("kol_rank", key=lambda s: s.astype(int))
    ranked_ids = ranked["person_id"].tolist()
    return {"seed": seed, "engine": algorithm,
            "nmi": nmi(planted["community"].to_numpy(), persons_frame["community_id"].to_numpy()),
            "planted_kols": len(kols),
            "precision_at_planted": precision_at_k(ranked_ids, kols, len(kols)),
            "precision_at_50": precision_at_k(ranked_ids, kols, 50)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 3])
    parser.add_argument("--algorithms", nargs="+", default=["leiden", "louvain"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/kolgraph-sample-quality"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print("| sample seed | engine | NMI | planted KOLs | precision@(planted KOLs) | precision@50 |")
    print("|---|---|---|---|---|---|")
    for seed in args.seeds:
        for algorithm in args.algorithms:
            row = measure(args.work, args.persons, seed, algorithm)
            print(f"| {row['seed']} | {row['engine']} | {row['nmi']:.3f} | {row['planted_kols']} "
                  f"| {row['precision_at_planted']:.2f} | {row['precision_at_50']:.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()
