"""Typed values (JSON, Parquet) as the text cells the validation reads, or the reason
their row cannot be read: a list or object where one value is expected, a non-integral
number as an id, text that is not valid Unicode."""

from __future__ import annotations

import math

from graph.ingest.formats import ID_COLUMNS


class BadCell(ValueError):
    """A value that is not one text cell; the message is the quarantine reason."""


def json_cell(column: str, value: object) -> str:
    """The text of a JSON ``value`` of canonical ``column``; ``BadCell`` for a list or
    object, or a non-integral number as an id (text is checked by ``check_unicode``).

    >>> json_cell("account_id", 100000.0), json_cell("display_name", None)
    ('100000', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise BadCell(f"column {column!r}: not a single value (a JSON "
                      f"{'object' if isinstance(value, dict) else 'list'})")
    if isinstance(value, float):
        return float_cell(column, value)
    return str(value)


def float_cell(column: str, value: float) -> str:
    """A floating-point ``value`` as text: an integral id as an integer (``100000.0`` is
    ``100000``), a non-integral or non-finite id refused (``BadCell``), any other value
    as Python writes it."""
    if column in ID_COLUMNS:
        if not math.isfinite(value) or not value.is_integer():
            raise BadCell(f"column {column!r}: {value!r} is not an integer id")
        return str(int(value))
    return repr(value)


def check_unicode(column: str, text: str) -> None:
    """``BadCell`` when ``text`` holds a lone surrogate (cannot be stored as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadCell(f"column {column!r}: not valid Unicode (a lone surrogate "
                      f"{text[exc.start]!r} at character {exc.start + 1})") from exc
