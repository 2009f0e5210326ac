"""Reading a sample's ground truth back, for tests and benchmarks that score the analytics.

>>> import tempfile
>>> from pathlib import Path
>>> from graph.ingest.sample import generate_sample
>>> s = generate_sample(Path(tempfile.mkdtemp()) / "d", persons=1000)
>>> accounts = truth_accounts(s.truth_dir)
>>> list(accounts.columns), len(accounts) == s.accounts
(['account_key', 'person', 'community', 'topic', 'is_kol'], True)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_persons(truth_dir: Path) -> pd.DataFrame:
    """``persons.csv``: person, community (int), topic, is_kol (0/1), accounts (``;``-joined
    ``platform:account_id`` keys, the person's first account first)."""
    dtypes: dict[str, type[str] | str] = {"person": str, "community": "int64", "topic": str,
                                          "is_kol": "int64", "accounts": str}
    return pd.read_csv(Path(truth_dir) / "persons.csv", dtype=dtypes)


def truth_accounts(truth_dir: Path) -> pd.DataFrame:
    """One row per account: account_key (``platform:account_id``, the graph's
    ``Account.account_key``), person, community, topic, is_kol."""
    persons = read_persons(truth_dir)
    rows = persons.assign(account_key=persons["accounts"].str.split(";")).explode("account_key")
    return rows[["account_key", "person", "community", "topic", "is_kol"]].reset_index(drop=True)
