"""Pseudonymisation: identity values (phone, email, unionid) to salted HMAC-SHA256 hashes.

Raw values never leave this step: the pipeline drops them right after hashing.
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from graph.config import check_salt
from graph.errors import KolgraphError
from graph.ingest.formats import PII_COLUMNS

SALT_VARIABLE = "KOLGRAPH_PII_SALT"


class MissingSaltError(KolgraphError, ValueError):
    """PII is present but no salt is configured."""


def hash_value(salt: str, column: str, value: str) -> str:
    """The pseudonym of one identity value: ``<column>:<first 32 hex of HMAC-SHA256>``.

    >>> hash_value("s", "phone", "13800000000")[:6]
    'phone:'
    """
    digest = hmac.new(salt.encode(), f"{column}:{value}".encode(), hashlib.sha256)
    return f"{column}:{digest.hexdigest()[:32]}"


def identity_hashes(accounts: pd.DataFrame, salt: str | None, file_hint: str = "accounts"
                    ) -> pd.Series:
    """For each account row, the sorted list of hashes of its non-empty PII columns.

    Raises ``MissingSaltError`` naming ``KOLGRAPH_PII_SALT`` when a value is present and
    ``salt`` is empty, ``ConfigError`` naming it when ``salt`` is too short (``check_salt``).
    """
    present = {c: accounts[c] != "" for c in PII_COLUMNS if c in accounts}
    if any(mask.any() for mask in present.values()) and not salt:
        column = next(c for c, mask in present.items() if mask.any())
        raise MissingSaltError(
            f"{file_hint}: column {column!r} holds personal data but {SALT_VARIABLE} is not "
            f"set; set {SALT_VARIABLE} (a secret) to ingest it pseudonymised")
    if salt and any(mask.any() for mask in present.values()):
        check_salt(salt, SALT_VARIABLE)
    out: list[list[str]] = [[] for _ in range(len(accounts))]
    for column, mask in present.items():
        values = accounts[column].to_numpy()
        for i in mask.to_numpy().nonzero()[0]:
            out[i].append(hash_value(salt or "", column, values[i]))
    return pd.Series([sorted(h) for h in out], index=accounts.index, dtype=object)


def mask_row(row: dict[str, str]) -> dict[str, str]:
    """A copy of ``row`` with identity values replaced by ``***``.

    >>> mask_row({"phone": "13800000000", "email": "", "account_id": "7"})
    {'phone': '***', 'email': '', 'account_id': '7'}
    """
    return {k: ("***" if k in PII_COLUMNS and v else v) for k, v in row.items()}
