"""Relationships in FalkorDB's bulk-insert wire format (``GRAPH.BULK``), built with NumPy.

A ``GRAPH.BULK`` relationship token is the type name and the property names (each
NUL-terminated, the count as a little-endian uint32), then one record per relationship:
source and destination node ids (uint64) and each property as a type byte and its value
(int64, float64, or a NUL-terminated UTF-8 string). The server creates the relationships
between the given node ids without parsing a query or looking up any key, which is several
times faster than ``UNWIND ... CREATE``; it is used only for relationships that the ingest
has proven absent, between nodes whose ids it read from the database in the same run.

Records of one token have a fixed layout when every string property has one value, so rows
are grouped by their string values and each group becomes one token (an array of a NumPy
structured dtype, written out with ``tobytes``).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Property type bytes of the bulk format.
_LONG, _DOUBLE, _STRING = 4, 2, 3


@dataclass(frozen=True)
class EdgeTokens:
    """Relationships ready for ``GRAPH.BULK``: the tokens and how many relationships they
    hold."""

    tokens: list[bytes]
    count: int


def edge_tokens(rel_type: str, src: np.ndarray, dst: np.ndarray,
                props: Sequence[tuple[str, pd.Series | np.ndarray]]) -> EdgeTokens:
    """Tokens that create one ``rel_type`` relationship per row from node id ``src[i]`` to
    ``dst[i]`` with the given properties (name, column): integer columns become integers,
    float columns floats, object columns strings (no nulls, no NUL characters).

    >>> t = edge_tokens("R", np.array([1]), np.array([2]), [("k", np.array(["ab"]))])
    >>> token = t.tokens[0]
    >>> t.count, token[:8], token[8:16] == (1).to_bytes(8, "little"), token[24:]
    (1, b'R\\x00\\x01\\x00\\x00\\x00k\\x00', True, b'\\x03ab\\x00')
    """
    src = np.asarray(src, dtype=np.uint64)
    dst = np.asarray(dst, dtype=np.uint64)
    if len(src) != len(dst):
        raise ValueError("edge_tokens: src and dst differ in length")
    names = [name for name, _ in props]
    header = (rel_type.encode() + b"\0" + struct.pack("<I", len(names))
              + b"".join(n.encode() + b"\0" for n in names))
    columns = [_column(name, values, len(src)) for name, values in props]
    strings = [i for i, c in enumerate(columns) if c.dtype == object]
    if strings:
        groups = pd.DataFrame({i: columns[i] for i in strings}).groupby(
            list(strings), sort=False).indices
    else:
        groups = {(): np.arange(len(src))}
    tokens = []
    for values, rows in groups.items():
        fixed = values if isinstance(values, tuple) else (values,)
        text = dict(zip(strings, fixed, strict=True))
        fields: list[tuple[str, object]] = [("s", "<u8"), ("d", "<u8")]
        for i, column in enumerate(columns):
            if i in text:
                size = len(str(text[i]).encode()) + 1
                fields += [(f"t{i}", "u1"), (f"v{i}", f"S{size}")]
            else:
                fields += [(f"t{i}", "u1"), (f"v{i}", "<i8" if column.dtype.kind in "iub"
                                                    else "<f8")]
        records = np.zeros(len(rows), dtype=np.dtype(fields))
        records["s"] = src[rows]
        records["d"] = dst[rows]
        for i, column in enumerate(columns):
            if i in text:
                encoded = str(text[i]).encode()
                if b"\0" in encoded:
                    raise ValueError(f"edge_tokens: property {names[i]!r} holds a NUL")
                records[f"t{i}"] = _STRING
                records[f"v{i}"] = encoded
            else:
                records[f"t{i}"] = _LONG if column.dtype.kind in "iub" else _DOUBLE
                records[f"v{i}"] = column[rows]
        tokens.append(header + records.tobytes())
    return EdgeTokens(tokens, len(src))


def _column(name: str, values: pd.Series | np.ndarray, length: int) -> np.ndarray:
    column = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if len(column) != length:
        raise ValueError(f"edge_tokens: column {name!r} has {len(column)} values, not {length}")
    if column.dtype.kind in "OUS":
        column = column.astype(object)
        if pd.isna(column).any():
            raise ValueError(f"edge_tokens: column {name!r} holds nulls")
        return column
    if column.dtype.kind == "f" and np.isnan(column).any():
        raise ValueError(f"edge_tokens: column {name!r} holds NaN")
    if column.dtype.kind not in "iubf":
        raise TypeError(f"edge_tokens: column {name!r} of unsupported type {column.dtype}")
    return column
