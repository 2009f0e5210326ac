"""Timestamp parsing: text cells to Unix epoch seconds (UTC), vectorised.

Only documented forms are accepted (see docs/ingest.md "Timestamps"), each meaning one
thing: an epoch number whose digit count says its unit (9–10 digits: seconds, 12–13:
milliseconds, 15–16: microseconds), an ISO-8601 date or date-time (naive times are UTC),
the strptime format of the mapping file, or, named there, an explicit epoch unit
(``epoch_s``, ``epoch_ms``, ``epoch_us``). ``check_window`` then refuses times outside the
plausible ``TimeWindow``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The earliest plausible time of any input row: 1990-01-01T00:00:00Z.
EARLIEST = 631_152_000
#: Explicit epoch units a mapping file may give as ``timestamp_format``.
EPOCH_UNITS = {"epoch_s": 1, "epoch_ms": 1_000, "epoch_us": 1_000_000}
#: Digit counts of epoch numbers and the divisor that turns each into seconds.
_DIGITS = {9: 1, 10: 1, 12: 1_000, 13: 1_000, 15: 1_000_000, 16: 1_000_000}
#: ISO 8601 as accepted: a date, optionally a time (``T`` or a space), optionally a zone.
_ISO = (r"\d{4}-\d{2}-\d{2}"
        r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?)?")


@dataclass(frozen=True)
class TimeWindow:
    """The plausible times of input rows, epoch seconds: ``earliest`` .. ``latest``
    inclusive (``latest``: the ingest's clock plus the allowed skew into the future)."""

    earliest: int = EARLIEST
    latest: int | None = None

    @classmethod
    def from_clock(cls, now: float, future_skew_s: float) -> TimeWindow:
        """The window of an ingest that started at ``now`` and allows ``future_skew_s``."""
        return cls(EARLIEST, int(now + future_skew_s))


def iso(seconds: int) -> str:
    """``seconds`` as an ISO-8601 UTC text (for messages).

    >>> iso(EARLIEST)
    '1990-01-01T00:00:00Z'
    """
    return pd.Timestamp(seconds, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_epoch(values: pd.Series, fmt: str | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse ``values`` (text) into epoch seconds; return ``(seconds int64, ok bool,
    reason)``: ``reason`` is the text of each row that is not ok (``None`` where ok). Empty
    cells are not ok (reason ``"empty"``).

    >>> secs, ok, why = parse_epoch(pd.Series(
    ...     ["1700000000", "2023-11-14T22:13:20Z", "1700000000000000", "now", "20250701"]))
    >>> secs[:3].tolist(), ok.tolist()
    ([1700000000, 1700000000, 1700000000], [True, True, True, False, False])
    >>> why[4]
    'an 8-digit epoch number (seconds have 9-10 digits, milliseconds 12-13, microseconds 15-16)'
    """
    text = values.astype(str).str.strip()
    n = len(text)
    out = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    reason = np.full(n, None, dtype=object)
    empty = (text == "").to_numpy(dtype=bool)
    reason[empty] = "empty"
    digits = text.str.fullmatch(r"\d+").to_numpy(dtype=bool) & ~empty
    if fmt in EPOCH_UNITS:
        fits = digits & (text.str.len() <= 18).to_numpy(dtype=bool)
        reason[~empty & ~fits] = f"not a whole number of {_unit_name(fmt)}"
        if fits.any():
            out[fits] = text[fits].astype(np.int64).to_numpy() // EPOCH_UNITS[fmt]
            ok[fits] = True
        return out, ok, reason
    if digits.any():
        count = text.str.len().to_numpy()
        divisor = np.array([_DIGITS.get(int(c), 0) for c in count[digits]], dtype=np.int64)
        known = np.zeros(n, dtype=bool)
        known[np.flatnonzero(digits)[divisor > 0]] = True
        if known.any():
            out[known] = text[known].astype(np.int64).to_numpy() // divisor[divisor > 0]
            ok[known] = True
        for i in np.flatnonzero(digits & ~known):
            reason[i] = (f"an {count[i]}-digit epoch number" if count[i] in (8, 11, 18)
                         else f"a {count[i]}-digit epoch number") + (
                " (seconds have 9-10 digits, milliseconds 12-13, microseconds 15-16)")
    rest = ~digits & ~empty
    if rest.any():
        if fmt:
            parsed = pd.to_datetime(text[rest], format=fmt, errors="coerce", utc=True)
        else:
            shaped = text[rest].str.fullmatch(_ISO).to_numpy(dtype=bool)
            parsed = pd.to_datetime(text[rest].where(shaped, ""), format="ISO8601",
                                    errors="coerce", utc=True)
        good = parsed.notna().to_numpy(dtype=bool)
        epoch = pd.Timestamp(0, tz="UTC")
        seconds = ((parsed.fillna(epoch) - epoch) // pd.Timedelta(seconds=1)).to_numpy(
            dtype=np.int64)
        idx = np.flatnonzero(rest)
        out[idx[good]] = seconds[good]
        ok[idx[good]] = True
        reason[idx[~good]] = (f"not in the mapping's timestamp_format {fmt!r}" if fmt else
                              "not an epoch number or an ISO-8601 date/time")
    return out, ok, reason


def _unit_name(fmt: str) -> str:
    return {"epoch_s": "seconds", "epoch_ms": "milliseconds",
            "epoch_us": "microseconds"}[fmt]


def check_window(seconds: np.ndarray, ok: np.ndarray, reason: np.ndarray,
                 window: TimeWindow) -> None:
    """Mark the ok times of ``seconds`` outside ``window`` as not ok (in place), with the
    reason (before the earliest plausible time, or beyond the allowed future)."""
    early = ok & (seconds < window.earliest)
    reason[early] = f"before {iso(window.earliest)}"
    ok &= ~early
    if window.latest is not None:
        late = ok & (seconds > window.latest)
        reason[late] = "in the future: beyond the ingest's clock plus KOLGRAPH_FUTURE_SKEW"
        ok &= ~late
