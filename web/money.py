"""Prices for the pages: yuan in the locale's style, 0 as "free"."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal

from web.translate import gettext as _
from web.translate import locale_name


def price(value: Any) -> str:
    """A stored ``Content.price`` (yuan) for a table cell: ``¥1,299``, ``¥9.90`` (grouped
    in the locale's style), 0 as 免费 / free, nothing when unknown or not a number."""
    if value is None or isinstance(value, bool):
        return ""
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return ""
    if amount != amount:
        return ""
    if amount == 0:
        return _("free")
    pattern = "#,##0" if amount.is_integer() else "#,##0.00"
    return "¥" + format_decimal(amount, format=pattern, locale=locale_name())
