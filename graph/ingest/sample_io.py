"""Writing the sample's tables as CSV, Parquet or JSON Lines, byte-identical for equal input.

Files are written to a hidden ``.NAME.part`` file first and renamed into place, so a reader
never sees half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

FORMATS: tuple[str, ...] = ("csv", "parquet", "jsonl")
JSONL_BATCH = 200_000


def write_table(table: pa.Table, path: Path, fmt: str) -> Path:
    """Write ``table`` to ``path`` (its extension already chosen) in ``fmt``; returns ``path``.

    CSV: UTF-8, header row, strings quoted, nulls empty. Parquet: zstd, no dictionary
    surprises for readers (plain string columns). JSONL: one object per line, UTF-8 (no
    ``\\u`` escapes), nulls as ``null``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    part = path.with_name(f".{path.name}.part")
    try:
        if fmt == "csv":
            pa_csv.write_csv(table, part)
        elif fmt == "parquet":
            pq.write_table(table, part, compression="zstd")
        else:
            _write_jsonl(table, part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path


def _write_jsonl(table: pa.Table, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for batch in table.to_batches(max_chunksize=JSONL_BATCH):
            frame = batch.to_pandas()
            if len(frame):
                text = frame.to_json(orient="records", lines=True, force_ascii=False)
                out.write(text if text.endswith("\n") else text + "\n")
