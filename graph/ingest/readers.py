"""Readers for the input files: CSV, Parquet and JSONL, streamed in chunks of text cells.

``FileReader`` (``read_chunks``) yields ``Chunk``s: a DataFrame of strings (``""`` for a
missing value) with the canonical columns of the file's kind and a ``_line`` column (the
1-based line of the row in the file; the row number for Parquet), plus the rows that could
not be read (ragged CSV rows, broken JSON lines, values that are not one text value) as
``(line, reason)``. A file is never read whole: CSV and JSONL go in pieces of about
``pieces.BLOCK_BYTES``, Parquet in record batches. A file that cannot be read at all
raises ``InputError`` (naming the file, and the line or column) while it is read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graph.ingest.decoding import Decoder
from graph.ingest.formats import KINDS, format_of
from graph.ingest.header import Dialect, canonical_name, canonical_names, sniff_dialect
from graph.ingest.input_error import InputError
from graph.ingest.mapping import FileMapping
from graph.ingest.pieces import open_regular, record_pieces
from graph.ingest.typed_cells import BadCell, check_unicode, float_cell, json_cell

__all__ = ["LINE", "Chunk", "FileReader", "InputError", "read_chunks"]

LINE = "_line"
#: Parquet rows per batch.
PARQUET_BATCH_ROWS = 131_072
#: Characters of a CSV file's start that its dialect is sniffed from.
SNIFF_CHARS = 64 << 10


@dataclass
class Chunk:
    """Some rows of one file as text, and the rows among them that could not be read."""

    frame: pd.DataFrame
    unreadable: list[tuple[int, str]] = field(default_factory=list)


def read_chunks(path: Path, kind: str, mapping: FileMapping | None = None) -> FileReader:
    """A reader of one input file of ``kind`` with its (optional) mapping; see the module
    doc. Raises ``InputError`` for a file of unknown format."""
    if format_of(path.name) is None:
        raise InputError(f"{path}: unknown file format (expected .csv, .parquet or .jsonl)")
    return FileReader(path, kind, mapping or FileMapping())


class FileReader:
    """Iterating yields the file's chunks (at least one, maybe empty); after that,
    ``encoding`` (CSV, JSONL) and ``dialect`` (CSV) say how it was read."""

    def __init__(self, path: Path, kind: str, mapping: FileMapping) -> None:
        self.path, self.kind, self.mapping = path, kind, mapping
        self.format = format_of(path.name) or "?"
        self.encoding: str | None = None
        self.dialect: Dialect | None = None

    def __iter__(self) -> Iterator[Chunk]:
        if self.format == "csv":
            return self._csv()
        if self.format == "jsonl":
            return self._jsonl()
        return self._parquet()

    def _empty(self) -> pd.DataFrame:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in KINDS[self.kind].columns})
        frame[LINE] = pd.Series([], dtype="int64")
        return frame

    # --- CSV
    def _csv(self) -> Iterator[Chunk]:
        decoder = Decoder(self.path, self.mapping.encoding)
        with open_regular(self.path) as stream:
            try:
                sample = stream.read(SNIFF_CHARS)
                stream.seek(0)
            except OSError as exc:
                raise InputError(f"{self.path}: cannot read the file ({exc})") from exc
            self.dialect = dialect = sniff_dialect(
                sample.decode(self.mapping.encoding or "utf-8", errors="replace"),
                self.kind, self.mapping)
            names: list[str | None] | None = None
            yielded = False
            for line, piece in record_pieces(self.path, stream,
                                             dialect.quotechar.encode("ascii")):
                text, raw = decoder.decode(line, piece)
                self.encoding = decoder.encoding
                if names is None:
                    taken = _take_header(self.path, line, text, dialect)
                    if taken is None:
                        continue
                    header, consumed, text = taken
                    names = canonical_names(self.path, self.kind, header, self.mapping, line)
                    raw = _skip_lines(raw, consumed) if raw is not None else None
                    line += consumed
                yielded = True
                yield self._csv_chunk(text, raw, names, dialect, line)
        self.encoding = decoder.encoding
        if not yielded:
            yield Chunk(self._empty())

    def _csv_chunk(self, text: str, raw: bytes | None, names: list[str | None],
                   dialect: Dialect, first_line: int) -> Chunk:
        payload = raw if raw is not None else text.encode("utf-8")
        lines = payload.count(b"\n") + (0 if not payload or payload.endswith(b"\n") else 1)
        if lines == 0:
            return Chunk(self._empty())
        fast = _csv_fast(payload, names, dialect, lines)
        if fast is not None:
            fast[LINE] = np.arange(first_line, first_line + len(fast), dtype=np.int64)
            return Chunk(self._complete(fast))
        return self._csv_careful(text, names, dialect, first_line)

    def _csv_careful(self, text: str, names: list[str | None], dialect: Dialect,
                     first_line: int) -> Chunk:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter,
                            quotechar=dialect.quotechar)
        width = len(names)
        used = [(i, n) for i, n in enumerate(names) if n is not None]
        columns: dict[str, list[str]] = {n: [] for _, n in used}
        lines: list[int] = []
        unreadable: list[tuple[int, str]] = []
        start = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                unreadable.append((first_line + start - 1, f"unreadable CSV row: {exc}"))
                start = reader.line_num + 1
                continue
            if row and len(row) != width:
                unreadable.append((first_line + start - 1,
                                   f"ragged row: {len(row)} fields, header has {width}"))
            elif row:
                for i, n in used:
                    columns[n].append(row[i])
                lines.append(first_line + start - 1)
            start = reader.line_num + 1
        frame = pd.DataFrame({n: pd.Series(v, dtype=object) for n, v in columns.items()})
        frame[LINE] = pd.Series(lines, dtype="int64")
        return Chunk(self._complete(frame), unreadable)

    def _complete(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with every column of the kind (``""`` where the file has none)."""
        for column in KINDS[self.kind].columns:
            if column not in frame.columns:
                frame[column] = ""
        return frame

    # --- JSONL
    def _jsonl(self) -> Iterator[Chunk]:
        decoder = Decoder(self.path, self.mapping.encoding)
        resolved: dict[str, str | None] = {}
        seen: set[str] = set()
        rows = 0
        with open_regular(self.path) as stream:
            for line, piece in record_pieces(self.path, stream, None):
                text, _ = decoder.decode(line, piece)
                self.encoding = decoder.encoding
                chunk = self._json_lines(text, line, resolved, seen)
                rows += len(chunk.frame)
                yield chunk
        self.encoding = decoder.encoding
        if rows:
            missing = [c for c in KINDS[self.kind].required if c not in seen]
            if missing:
                raise InputError(f"{self.path}: missing required column {missing[0]!r} "
                                 "(no line has it)")

    def _json_lines(self, text: str, first_line: int, resolved: dict[str, str | None],
                    seen: set[str]) -> Chunk:
        records: list[dict[str, str]] = []
        lines: list[int] = []
        unreadable: list[tuple[int, str]] = []
        for number, line in enumerate(text.split("\n"), start=first_line):
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
            try:
                record = self._json_record(value, resolved, seen)
                if "\\u" in line:  # only an escape can make a lone surrogate
                    for column, cell in record.items():
                        check_unicode(column, cell)
                records.append(record)
            except BadCell as exc:
                unreadable.append((number, str(exc)))
                continue
            lines.append(number)
        frame = pd.DataFrame.from_records(records, columns=list(KINDS[self.kind].columns))
        frame = frame.astype(object).where(frame.notna(), "")
        frame[LINE] = pd.Series(lines, dtype="int64")
        return Chunk(frame, unreadable)

    def _json_record(self, value: dict[str, Any], resolved: dict[str, str | None],
                     seen: set[str]) -> dict[str, str]:
        record: dict[str, str] = {}
        for key, cell in value.items():
            if key not in resolved:
                resolved[key] = canonical_name(key, self.kind, self.mapping)
            column = resolved[key]
            if column is None:
                continue
            if column in record:
                raise BadCell(f"two keys give column {column!r}")
            record[column] = json_cell(column, cell)
            seen.add(column)
        return record

    # --- Parquet
    def _parquet(self) -> Iterator[Chunk]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        source = open_regular(self.path)
        try:
            parquet = pq.ParquetFile(source)
        except (pa.ArrowException, OSError) as exc:
            source.close()
            raise InputError(f"{self.path}: not a readable Parquet file ({exc})") from exc
        with source:
            header = list(parquet.schema_arrow.names)
            names = canonical_names(self.path, self.kind, header, self.mapping)
            used = [(h, n) for h, n in zip(header, names, strict=True) if n is not None]
            first = 1
            try:
                batches = parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS,
                                               columns=[h for h, _ in used])
                for batch in batches:
                    yield self._parquet_chunk(batch, used, first)
                    first += batch.num_rows
            except (pa.ArrowException, OSError) as exc:
                raise InputError(f"{self.path}: not a readable Parquet file, after row "
                                 f"{first - 1} ({exc})") from exc
            if first == 1:
                yield Chunk(self._empty())

    def _parquet_chunk(self, batch: Any, used: list[tuple[str, str]], first: int) -> Chunk:
        bad: dict[int, str] = {}
        columns = {}
        for index, (_, name) in enumerate(used):
            columns[name] = _parquet_cells(batch.column(index), name, bad)
        frame = pd.DataFrame(columns, dtype=object)
        frame[LINE] = np.arange(first, first + batch.num_rows, dtype=np.int64)
        if bad:
            frame = frame.drop(index=sorted(bad)).reset_index(drop=True)
        unreadable = [(first + i, reason) for i, reason in sorted(bad.items())]
        return Chunk(self._complete(frame), unreadable)


def _take_header(path: Path, line: int, text: str, dialect: Dialect
                 ) -> tuple[list[str], int, str] | None:
    """The header record of ``text`` (after any blank lines), the lines up to its end, and
    the text after it; ``None`` when ``text`` holds no record (blank)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter,
                        quotechar=dialect.quotechar)
    try:
        header = next(reader, None)
        while header == []:  # blank lines before the header
            header = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"{path}:{line}: unreadable CSV header: {exc}") from exc
    if header is None:
        return None
    consumed = reader.line_num
    at = 0
    for _ in range(consumed):
        found = text.find("\n", at)
        at = len(text) if found < 0 else found + 1
    return header, consumed, text[at:]


def _skip_lines(raw: bytes, count: int) -> bytes:
    at = 0
    for _ in range(count):
        found = raw.find(b"\n", at)
        at = len(raw) if found < 0 else found + 1
    return raw[at:]


def _csv_fast(payload: bytes, names: list[str | None], dialect: Dialect, lines: int
              ) -> pd.DataFrame | None:
    """Parse UTF-8 ``payload`` (records without the header) with Arrow's CSV reader
    (strict about the number of fields) when every record is one line; ``None`` sends the
    piece to the careful reader (ragged rows, quoted newlines, blank lines). The cells
    stay Arrow-backed strings (no Python object per cell)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    column_names = [n if n is not None else f"_{i}" for i, n in enumerate(names)]
    used = [n for n in names if n is not None]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(payload),
            read_options=pacsv.ReadOptions(column_names=column_names),
            parse_options=pacsv.ParseOptions(delimiter=dialect.delimiter,
                                             quote_char=dialect.quotechar,
                                             newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=used, column_types={c: pa.string() for c in used},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows != lines:
        return None
    frame = table.to_pandas()
    del table
    return frame


def _parquet_cells(column: Any, name: str, bad: dict[int, str]) -> list[str]:
    """The text cells of one Parquet column; the rows whose value is not one text value
    get their reason in ``bad`` (by row index in the batch; the first reason wins)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.dictionary_decode()
        kind = column.type
    if pa.types.is_timestamp(kind):
        column = pc.cast(pc.cast(column, pa.timestamp("s", tz="UTC")), pa.int64())
        kind = column.type
    if pa.types.is_nested(kind):
        shape = ("struct" if pa.types.is_struct(kind) else "map" if pa.types.is_map(kind)
                 else "list")
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        for row in np.flatnonzero(valid).tolist():
            bad.setdefault(row, f"column {name!r}: not a single value (a {shape})")
        return [""] * len(column)
    if pa.types.is_floating(kind):
        out = []
        for i, v in enumerate(column.to_pylist()):
            if v is None or v != v:
                out.append("")
            elif name in ("price", "amount") or not float(v).is_integer():
                try:
                    out.append(float_cell(name, float(v)))
                except BadCell as exc:
                    bad.setdefault(i, str(exc))
                    out.append("")
            else:
                out.append(str(int(v)))
        return out
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        try:
            column.validate(full=True)
        except pa.ArrowInvalid:
            column = column.cast(pa.large_binary())
            kind = column.type
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        out = []
        for i, v in enumerate(column.to_pylist()):
            try:
                out.append("" if v is None else v.decode("utf-8"))
            except UnicodeDecodeError:
                bad.setdefault(i, f"column {name!r}: not UTF-8 text")
                out.append("")
        return out
    values = column.to_pandas()
    return values.astype(object).where(values.notna(), "").astype(str).tolist()
