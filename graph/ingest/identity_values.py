"""The canonical form of identity values (phone, email, unionid) before they are hashed.

One definition for the ingest (``validate``) and for partner customer lists
(``partner_list``): a value hashed by either path gives the same pseudonym
(``pii.hash_value``) only when both normalise it the same way.

- phone: spaces, ``-``, ``+``, ``(`` and ``)`` removed; 6 to 15 digits; a leading ``86``
  (China's country code) dropped from numbers longer than 11 digits;
- email: lower-case; one ``@`` with text on both sides and no space;
- unionid: as given (surrounding space removed by the caller).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Why a value of each column is refused (the value itself is never shown: it is PII).
INVALID_REASONS: dict[str, str] = {
    "phone": "invalid phone number (value masked)",
    "email": "invalid email address (value masked)",
    "unionid": "invalid unionid (value masked)",
}


def normalize_identity(column: str, values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``(canonical values, valid)`` of the stripped, non-empty text ``values`` of identity
    ``column`` (phone, email or unionid); an empty value is valid and stays empty.

    >>> vals, ok = normalize_identity("phone", pd.Series(["+86 138-0000-0001", "12a", ""]))
    >>> vals.tolist(), ok.tolist()
    (['13800000001', '12a', ''], [True, False, True])
    >>> normalize_identity("email", pd.Series(["Li@Example.com"]))[0].tolist()
    ['li@example.com']
    """
    if column == "phone":
        digits = values.str.replace(r"[\s\-+()]", "", regex=True)
        ok = ((values == "") | digits.str.fullmatch(r"\d{6,15}")).to_numpy(dtype=bool)
        canonical = digits.str.removeprefix("86").where(digits.str.len() > 11, digits)
        return canonical, ok
    if column == "email":
        ok = ((values == "") | values.str.fullmatch(r"[^@\s]+@[^@\s]+")).to_numpy(dtype=bool)
        return values.str.lower(), ok
    if column == "unionid":
        return values, np.ones(len(values), dtype=bool)
    raise ValueError(f"not an identity column: {column!r}")
