"""CSV cells that a spreadsheet cannot run: every CSV that kolgraph writes (the web's
downloads, the CLI's ``--format csv`` and ``kolgraph export``) passes its cells through
``csv_cell``. Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return would be
read as a formula by Excel or LibreOffice (``=HYPERLINK(...)``, ``=cmd|...``): it is prefixed
with ``'``, which spreadsheets show as text. Numbers stay numbers (``-2.5``)."""

from __future__ import annotations

import json

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """``value`` as a safe CSV cell: ``None`` -> empty, lists and maps as JSON, formula-like
    text quoted.

    >>> [csv_cell(v) for v in ("=1+1", "-x", -2.5, None, "李文", [1, 2], "@SUM(A1)")]
    ["'=1+1", "'-x", -2.5, '', '李文', '[1, 2]', "'@SUM(A1)"]
    """
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
