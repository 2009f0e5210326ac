"""Columnar reads (``GraphStore.read_table``): what a column is, and how the values a backend
returns become one typed pandas column, without a Python call per value where the backend
allows it.

A column is a Cypher expression and a kind:

- ``int``: an integer that is never null (a node id): ``int64``;
- ``number``: a number, null allowed: ``float64`` with NaN for null (integers are exact up
  to 2**53; the embedded database's columnar path renders numbers as text, which keeps six
  decimals of a non-integer, so use it for integer-valued properties: counts, epoch times);
- ``text``: a string or null: pandas' string column (null as missing), as a DataFrame
  built from rows makes it.

>>> frame = to_frame({"i": "int", "x": "number", "t": "text"},
...                  {"i": [2, 1], "x": [1.5, None], "t": ["a", None]})
>>> frame["i"].dtype.name, frame["x"].isna().tolist(), frame["t"].isna().tolist()
('int64', [False, True], [False, True])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

KINDS = ("int", "number", "text")


def check_kinds(columns: Mapping[str, tuple[str, str]]) -> None:
    """``ValueError`` naming the first column whose kind is not one of ``KINDS``."""
    for name, (_expr, kind) in columns.items():
        if kind not in KINDS:
            raise ValueError(f"column {name!r}: kind must be one of {KINDS}, got {kind!r}")


def to_frame(kinds: Mapping[str, str], values: Mapping[str, Sequence[Any] | pa.Array]
             ) -> pd.DataFrame:
    """One DataFrame of ``values`` (a list or an Arrow array per column name), each column
    typed by its kind in ``kinds``."""
    return pd.DataFrame({name: _typed(kinds[name], values[name]) for name in kinds})


def _typed(kind: str, column: Sequence[Any] | pa.Array) -> Any:
    if isinstance(column, pa.Array):
        if kind == "text":
            return np.asarray(column.to_pandas(), dtype=object)
        return column.to_numpy(zero_copy_only=False).astype(
            np.int64 if kind == "int" else float)
    if kind == "int":
        return np.asarray(column, dtype=np.int64)
    if kind == "number":
        return pd.to_numeric(pd.Series(column, dtype=object), errors="coerce") \
            .to_numpy(dtype=float)
    return np.asarray([None if v is None else str(v) for v in column], dtype=object)


def concat(kinds: Mapping[str, str], parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The ``parts`` one after the other; an empty frame of the right columns for none."""
    if not parts:
        return to_frame(kinds, {name: [] for name in kinds})
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


# ------------------------------------------------- text columns (the embedded database's path)
def rendered(expr: str, kind: str) -> str:
    """The Cypher expression that renders ``expr`` as one non-null string: ``''`` for null,
    a text value behind a ``=`` (so that ``''`` and null differ)."""
    if kind == "text":
        return f"coalesce('=' + toString({expr}), '')"
    return f"coalesce(toString({expr}), '')"


def parse_joined(kind: str, joined: str, separator: str, count: int) -> pa.Array | None:
    """The ``count`` values of one column read as one string (``rendered`` values joined
    by ``separator``), as an Arrow array of the kind's type; ``None`` when the string does
    not split into ``count`` values (a text value holds the separator)."""
    if count == 0:
        return pa.array([], pa.large_string())
    parts = pc.split_pattern(pa.array([joined], pa.large_string()), separator).flatten()
    if len(parts) != count:
        return None
    empty = pc.equal(parts, "")
    if kind == "text":
        return pc.if_else(empty, pa.scalar(None, pa.large_string()),
                          pc.utf8_slice_codeunits(parts, 1))
    values = pc.if_else(empty, pa.scalar(None, pa.large_string()), parts)
    if kind == "int":
        return pc.cast(values, pa.int64())
    return pc.cast(values, pa.float64())
