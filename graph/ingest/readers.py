"""Readers for the input files: CSV, Parquet and JSONL into a table of text cells.

Every reader returns a ``RawTable``: a DataFrame of strings (``""`` for a missing value)
with canonical column names and a ``_line`` column (the 1-based line of the row in the file;
the row number for Parquet), plus the rows that could not be read (ragged CSV rows, broken
JSON lines) as ``(line, reason)``. A file that cannot be read at all raises ``InputError``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graph.errors import KolgraphError
from graph.ingest.formats import KINDS, format_of
from graph.ingest.mapping import FileMapping

LINE = "_line"


class InputError(KolgraphError, ValueError):
    """A file cannot be read at all; the message names the file (and column or line)."""


@dataclass
class RawTable:
    """The rows of one file as text, and the rows that could not be parsed."""

    frame: pd.DataFrame
    unreadable: list[tuple[int, str]] = field(default_factory=list)
    encoding: str | None = None


def decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode ``data``: with ``encoding`` when given, else UTF-8 with BOM, UTF-8, GB18030.

    Returns ``(text, encoding used)``.

    >>> decode(Path("x.csv"), "名".encode("gb18030"), None)
    ('名', 'gb18030')
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(f"{path}:{line}: cannot decode as {encoding} "
                             f"(byte {exc.start}); fix the encoding in the mapping file"
                             ) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(f"{path}:{line}: starts with a UTF-8 BOM but is not UTF-8") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: neither UTF-8 nor GB18030; set the encoding "
                         "in the mapping file") from exc


def read_file(path: Path, kind: str, mapping: FileMapping | None = None) -> RawTable:
    """Read one input file of ``kind`` with its (optional) mapping; see the module doc."""
    mapping = mapping or FileMapping()
    fmt = format_of(path.name)
    if fmt == "csv":
        table = _read_csv(path, mapping)
    elif fmt == "jsonl":
        table = _read_jsonl(path, mapping)
    elif fmt == "parquet":
        table = _read_parquet(path)
    else:
        raise InputError(f"{path}: unknown file format (expected .csv, .parquet or .jsonl)")
    table.frame = _canonical(path, kind, table.frame, mapping)
    return table


def _canonical(path: Path, kind: str, frame: pd.DataFrame, mapping: FileMapping
               ) -> pd.DataFrame:
    frame = frame.rename(columns={k: v for k, v in mapping.columns.items() if k != LINE})
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = columns
    spec = KINDS[kind]
    if len(frame) or len(columns) > 1:
        for column in spec.required:
            if column not in columns:
                raise InputError(f"{path}: missing required column {column!r} "
                                 f"(columns: {', '.join(c for c in columns if c != LINE)})")
    keep = [c for c in spec.columns if c in columns]
    out = frame[keep + [LINE]].copy() if LINE in columns else frame[keep].copy()
    for column in spec.columns:
        if column not in out.columns:
            out[column] = ""
    return out


def _utf8_payload(data: bytes, encoding: str | None) -> tuple[bytes, str] | None:
    """When the encoding is detected (not set) and ``data`` is valid UTF-8, the UTF-8
    bytes (BOM removed) and the encoding name, checked chunk by chunk without building
    the text; ``None`` otherwise (``decode`` then decides, with its error messages).

    >>> _utf8_payload(bytes([0xEF, 0xBB, 0xBF]) + b"a,b", None)
    (b'a,b', 'utf-8-sig')
    >>> _utf8_payload("名".encode("gb18030"), None) is None
    True
    """
    if encoding:
        return None
    name, start = ("utf-8-sig", 3) if data.startswith(b"\xef\xbb\xbf") else ("utf-8", 0)
    view = memoryview(data)[start:]
    checker = codecs.getincrementaldecoder("utf-8")()
    chunk = 1 << 24
    try:
        for offset in range(0, len(view), chunk):
            checker.decode(view[offset:offset + chunk])
        checker.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return bytes(view) if start else data, name


def _read_csv(path: Path, mapping: FileMapping) -> RawTable:
    data = path.read_bytes()
    utf8 = _utf8_payload(data, mapping.encoding)
    if utf8 is not None:
        payload, encoding = utf8
        del data
        fast = _read_csv_fast(payload)
        if fast is not None:
            return RawTable(fast, [], encoding)
        text = payload.decode("utf-8")
        del payload
    else:
        text, encoding = decode(path, data, mapping.encoding)
        del data
        fast = _read_csv_fast(text.encode("utf-8"))
        if fast is not None:
            return RawTable(fast, [], encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"{path}:1: unreadable CSV header: {exc}") from exc
    if header is None:
        return RawTable(pd.DataFrame({LINE: pd.Series([], dtype="int64")}), [], encoding)
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    unreadable: list[tuple[int, str]] = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            unreadable.append((start, f"unreadable CSV row: {exc}"))
            start = reader.line_num + 1
            continue
        if row and len(row) != width:
            unreadable.append((start, f"ragged row: {len(row)} fields, header has {width}"))
        elif row:
            rows.append(row)
            lines.append(start)
        start = reader.line_num + 1
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in header})
    frame[LINE] = pd.Series(lines, dtype="int64", index=frame.index)
    return RawTable(frame, unreadable, encoding)


def _read_csv_fast(payload: bytes) -> pd.DataFrame | None:
    """Parse UTF-8 ``payload`` with Arrow's CSV reader (strict about the number of fields)
    when every record is one line (then a row's line is its index + 2); ``None`` sends the
    file to the careful reader (ragged rows, quoted newlines, blank lines, odd headers).
    The cells stay Arrow-backed strings (no Python object per cell)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    first = payload.split(b"\n", 1)[0].decode("utf-8")
    header = next(csv.reader([first]), [])
    if not header or len(set(header)) != len(header):
        return None
    lines = payload.count(b"\n") + (0 if payload.endswith(b"\n") else 1)
    try:
        table = pacsv.read_csv(
            pa.py_buffer(payload),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows != lines - 1 or table.num_rows == 0:
        return None
    frame = table.to_pandas()
    del table
    frame[LINE] = pd.RangeIndex(2, len(frame) + 2).to_numpy(dtype="int64")
    return frame


def _read_jsonl(path: Path, mapping: FileMapping) -> RawTable:
    text, encoding = decode(path, path.read_bytes(), mapping.encoding)
    records: list[dict[str, str]] = []
    lines: list[int] = []
    unreadable: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            unreadable.append((number, f"invalid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(value, dict):
            unreadable.append((number, "not a JSON object"))
            continue
        records.append({str(k): _text(v) for k, v in value.items()})
        lines.append(number)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    frame = frame.fillna("").astype(object) if len(frame) else frame
    frame[LINE] = pd.Series(lines, dtype="int64", index=frame.index)
    return RawTable(frame, unreadable, encoding)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _read_parquet(path: Path) -> RawTable:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_timestamp(column.type):
            column = pc.cast(pc.cast(column, pa.timestamp("s", tz="UTC")), pa.int64())
        if pa.types.is_floating(column.type):
            values = column.to_pandas()
            columns[name] = [("" if v != v else (str(int(v)) if float(v).is_integer() and
                                                 name != "price" and name != "amount"
                                                 else repr(float(v)))) for v in values]
        else:
            columns[name] = column.to_pandas().astype(object).where(
                column.to_pandas().notna(), "").astype(str).tolist()
    frame = pd.DataFrame(columns, dtype=object)
    frame[LINE] = pd.Series(range(1, len(frame) + 1), dtype="int64", index=frame.index)
    return RawTable(frame, [], None)
