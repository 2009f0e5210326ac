"""CSV downloads (leaderboard export, console results). Text cells that a spreadsheet would
run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) are
prefixed with ``'``, so an exported display name cannot execute in Excel."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """``value`` as a safe CSV cell: ``None`` -> empty, lists and maps as JSON, formula-like
    text quoted.

    >>> [csv_cell(v) for v in ("=1+1", "-x", -2.5, None, "李文", [1, 2])]
    ["'=1+1", "'-x", -2.5, '', '李文', '[1, 2]']
    """
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(columns: Sequence[str], rows: Iterable[Sequence[object]],
                 filename: str) -> Response:
    """A CSV attachment in UTF-8 (no byte-order mark, like the CLI's exports)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
