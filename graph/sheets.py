"""Tables as downloads, streamed: CSV in UTF-8 with a byte-order mark (Excel on a Chinese
Windows reads a file without one as GBK and garbles the names) and XLSX, both written row by
row so that a table of any length takes bounded memory. Text cells that a spreadsheet would
run as a formula are prefixed with ``'`` (``graph.csv_cells``), in both formats.

XLSX goes through XlsxWriter in its constant-memory mode (each row is flushed to a temporary
file as soon as the next one starts); the finished workbook is a temporary file read back in
chunks, because a ZIP archive cannot be sent before it is complete.

>>> b"".join(csv_chunks(["name", "n"], [["=1+1", 2]]))
b"\\xef\\xbb\\xbfname,n\\r\\n'=1+1,2\\r\\n"
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

from graph.csv_cells import csv_cell

BOM = "\ufeff"
FORMATS: tuple[str, ...] = ("csv", "xlsx")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
#: Rows per CSV chunk handed to the response (a few hundred kB at most).
CSV_ROWS_PER_CHUNK = 2000
FILE_CHUNK_BYTES = 256 * 1024
#: The most rows one XLSX sheet holds (Excel's limit, the header row included).
XLSX_MAX_ROWS = 1_048_576


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return csv_cell(value) if isinstance(value, str) else value


def csv_chunks(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """The CSV of ``columns`` and ``rows`` (BOM first, CRLF line ends), as UTF-8 chunks of
    ``CSV_ROWS_PER_CHUNK`` rows; rows are pulled from ``rows`` only as chunks are asked for."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write(BOM)
    writer.writerow(columns)
    pending = 1
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        pending += 1
        if pending >= CSV_ROWS_PER_CHUNK:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
            pending = 0
    if pending or out.tell():
        yield out.getvalue().encode("utf-8")


def write_xlsx(columns: Sequence[str], rows: Iterable[Sequence[object]], out: IO[bytes],
               sheet: str = "Sheet1") -> int:
    """Write ``columns`` and ``rows`` as a one-sheet workbook to the binary file ``out``;
    returns the number of data rows. More rows than a sheet holds raise ``ValueError``."""
    import xlsxwriter  # only the XLSX downloads need it

    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False,
                                         "strings_to_formulas": False,
                                         "strings_to_urls": False,
                                         "strings_to_numbers": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    worksheet.write_row(0, 0, list(columns), bold)
    worksheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        if count >= XLSX_MAX_ROWS:
            workbook.close()
            raise ValueError(f"more than {XLSX_MAX_ROWS - 1:,} rows: too many for one "
                             "XLSX sheet, export CSV instead")
        worksheet.write_row(count, 0, [_cell(v) for v in row])
    workbook.close()
    return count


def xlsx_chunks(columns: Sequence[str], rows: Iterable[Sequence[object]],
                sheet: str = "Sheet1") -> Iterator[bytes]:
    """The workbook of ``write_xlsx`` as chunks of ``FILE_CHUNK_BYTES``, built in a temporary
    file (removed once read) when the first chunk is asked for."""
    with tempfile.TemporaryFile(prefix="kolgraph-", suffix=".xlsx") as spool:
        write_xlsx(columns, rows, spool, sheet)
        spool.seek(0)
        while chunk := spool.read(FILE_CHUNK_BYTES):
            yield chunk


def chunks(fmt: str, columns: Sequence[str], rows: Iterable[Sequence[object]],
           sheet: str = "Sheet1") -> Iterator[bytes]:
    """``csv_chunks`` or ``xlsx_chunks`` by ``fmt`` (one of ``FORMATS``)."""
    if fmt == "csv":
        return csv_chunks(columns, rows)
    if fmt == "xlsx":
        return xlsx_chunks(columns, rows, sheet)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
