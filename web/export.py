"""CSV downloads (leaderboard export, console results), in UTF-8 with a byte-order
mark so that spreadsheets read the Chinese names right. Text cells that a spreadsheet would
run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) are
prefixed with ``'`` (``graph.csv_cells``, shared with the CLI), so an exported display name
cannot execute in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from flask import Response, stream_with_context

from graph.csv_cells import FORMULA_STARTS, csv_cell

__all__ = ["BOM", "FORMULA_STARTS", "csv_cell", "csv_response", "download_response"]

BOM = "\ufeff"


def csv_response(columns: Sequence[str], rows: Iterable[Sequence[object]],
                 filename: str) -> Response:
    """A CSV attachment in UTF-8 with a byte-order mark (Excel on a Chinese Windows reads a
    file without one as GBK and garbles the names), every cell through ``csv_cell``.

    >>> csv_response(["name"], [["=1+1"]], "x.csv").get_data()
    b"\\xef\\xbb\\xbfname\\r\\n'=1+1\\r\\n"
    """
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def download_response(filename: str, media_type: str, chunks: Iterator[bytes]) -> Response:
    """An attachment streamed from ``chunks`` as they are made (``graph.sheets``), inside the
    request's context so that reading the graph page by page keeps working."""
    return Response(stream_with_context(chunks), mimetype=media_type,
                    headers={"Content-Disposition": f"attachment; filename={filename}",
                             "X-Content-Type-Options": "nosniff"})
