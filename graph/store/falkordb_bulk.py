"""Nodes and relationships in FalkorDB's bulk-insert wire format (``GRAPH.BULK``), built
with NumPy and Arrow.

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

A node token is the label, the property count and names as above, then one record per node:
each property as a type byte and its value (a null is the type byte 0 alone: no property; a
list of strings is the type byte 5, its length as a uint64, then each string as above).
Records have variable length there; each column's values are encoded with Arrow kernels and
the columns joined row by row.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Property type bytes of the bulk format.
_NULL, _DOUBLE, _STRING, _LONG, _ARRAY = 0, 2, 3, 4, 5


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
    header = _header(rel_type, names)
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


def _header(name: str, properties: Sequence[str]) -> bytes:
    return (name.encode() + b"\0" + struct.pack("<I", len(properties))
            + b"".join(p.encode() + b"\0" for p in properties))


def node_token(label: str, props: Sequence[tuple[str, pa.Array]]) -> bytes:
    """A token that creates one ``label`` node per row with the given properties (name,
    Arrow column of equal lengths): integers and floats as such, strings as strings, lists
    of strings as arrays, nulls as no property. Raises ``ValueError`` for a string holding
    a NUL (the format ends strings with one) and ``TypeError`` for other column types.

    >>> token = node_token("A", [("k", pa.array(["x", None])), ("n", pa.array([1, 2]))])
    >>> token[:10]
    b'A\\x00\\x02\\x00\\x00\\x00k\\x00n\\x00'
    >>> token[10:].hex(" ")
    '03 78 00 04 01 00 00 00 00 00 00 00 00 04 02 00 00 00 00 00 00 00'
    """
    columns = [_node_values(name, column) for name, column in props]
    if not columns or not len(columns[0]):
        return _header(label, [name for name, _ in props])
    rows = pc.binary_join_element_wise(*columns, _bytes(b""))
    offsets = rows.buffers()[1]
    start, stop = np.frombuffer(offsets, dtype=np.int64)[[rows.offset, rows.offset + len(rows)]]
    return _header(label, [name for name, _ in props]) + rows.buffers()[2][
        start:stop].to_pybytes()


def _bytes(value: bytes) -> pa.Scalar:
    return pa.scalar(value, pa.large_binary())


def _eight_bytes(values: np.ndarray) -> pa.Array:
    """Each of ``values`` (8-byte numbers, little-endian) as its bytes."""
    raw = pa.FixedSizeBinaryArray.from_buffers(pa.binary(8), len(values),
                                               [None, pa.py_buffer(values.tobytes())])
    return raw.cast(pa.large_binary())


def _fixed(values: np.ndarray, code: int) -> pa.Array:
    """Each of ``values`` (8-byte numbers) as its type byte and little-endian bytes."""
    return pc.binary_join_element_wise(_bytes(bytes([code])), _eight_bytes(values),
                                       _bytes(b""))


def _strings(name: str, column: pa.Array) -> pa.Array:
    """Each string of ``column`` as its type byte, its UTF-8 bytes and a NUL."""
    column = column.cast(pa.large_string())
    if pc.any(pc.match_substring(column, "\0")).as_py():
        raise ValueError(f"node_token: property {name!r} holds a NUL")
    return pc.binary_join_element_wise(_bytes(bytes([_STRING])),
                                       column.cast(pa.large_binary()), _bytes(b"\0"),
                                       _bytes(b""))


def _node_values(name: str, column: pa.Array) -> pa.Array:
    """The bulk encoding of each value of ``column`` (a null as ``_NULL``)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    valid = pc.is_valid(column)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        filled = pc.fill_null(column, 0).to_numpy(zero_copy_only=False)
        if pa.types.is_floating(kind):
            encoded = _fixed(filled.astype("<f8"), _DOUBLE)
        else:
            encoded = _fixed(filled.astype("<i8"), _LONG)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        encoded = _strings(name, column)
    elif (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and (
            pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type)
            or pa.types.is_null(kind.value_type)):
        lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy(
            zero_copy_only=False).astype("<u8")
        items = _strings(name, pc.list_flatten(column).cast(pa.large_string()))
        offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
        joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, items), _bytes(b""))
        encoded = pc.binary_join_element_wise(_bytes(bytes([_ARRAY])), _eight_bytes(lengths),
                                              joined, _bytes(b""))
    else:
        raise TypeError(f"node_token: property {name!r} of unsupported type {kind}")
    return pc.if_else(valid, encoded, _bytes(bytes([_NULL])))
