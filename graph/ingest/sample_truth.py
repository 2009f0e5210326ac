"""Reading a sample's ground truth back, for tests and benchmarks that score the analytics.

>>> import tempfile
>>> from pathlib import Path
>>> from graph.ingest.sample import generate_sample
>>> s = generate_sample(Path(tempfile.mkdtemp()) / "d", persons=1000)
>>> accounts = truth_accounts(s.truth_dir)
>>> list(accounts.columns), len(accounts) == s.accounts
(['account_key', 'person', 'community', 'topic', 'is_kol'], True)
>>> bought = read_attributed_purchases(s.truth_dir)
>>> len(bought) == s.attributed_purchases > 0, bool((bought.purchased_at > bought.shared_at).all())
(True, True)
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


PURCHASE_COLUMNS: tuple[str, ...] = ("buyer", "buyer_account", "content_key", "kol",
                                     "kol_account", "shared_at", "purchased_at", "type",
                                     "amount")


def _purchases(path: Path) -> pd.DataFrame:
    dtypes: dict[str, type[str] | str] = {
        "buyer": str, "buyer_account": str, "content_key": str, "kol": str, "kol_account": str,
        "shared_at": "int64", "purchased_at": "int64", "type": str, "amount": "float64"}
    return pd.read_csv(path, dtype=dtypes)[list(PURCHASE_COLUMNS)]


def read_attributed_purchases(truth_dir: Path) -> pd.DataFrame:
    """``attributed_purchases.csv``: the purchases a planted KOL caused. One row per purchase:
    ``buyer`` and ``kol`` (sample person keys), ``buyer_account`` and ``kol_account`` (the
    graph's ``Account.account_key`` on the content's platform), ``content_key`` (the graph's
    ``Content.content_key``), ``shared_at`` (the KOL's promoting share) and ``purchased_at``
    (epoch seconds, UTC), ``type`` (purchase or subscribe), ``amount``."""
    return _purchases(Path(truth_dir) / "attributed_purchases.csv")


def read_early_purchases(truth_dir: Path) -> pd.DataFrame:
    """``early_purchases.csv``, columns as ``read_attributed_purchases``: purchases by the
    KOL's audience made *before* the KOL's share (``purchased_at < shared_at``), which no
    attribution may credit to that share."""
    return _purchases(Path(truth_dir) / "early_purchases.csv")
