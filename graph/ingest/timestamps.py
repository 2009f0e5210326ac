"""Timestamp parsing: text cells to Unix epoch seconds (UTC), vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd


def parse_epoch(values: pd.Series, fmt: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Parse ``values`` (text) into epoch seconds; return ``(seconds int64, ok bool)``.

    Accepted: integer epoch seconds (milliseconds when 13 digits or more), ISO-8601 with or
    without an offset (naive times are UTC), or the strptime ``fmt`` of the mapping file.
    Empty cells are not ok.

    >>> secs, ok = parse_epoch(pd.Series(["1700000000", "2023-11-14T22:13:20Z", "x", ""]))
    >>> secs[:2].tolist(), ok.tolist()
    ([1700000000, 1700000000], [True, True, False, False])
    """
    text = values.astype(str).str.strip()
    out = np.zeros(len(text), dtype=np.int64)
    ok = np.zeros(len(text), dtype=bool)
    digits = text.str.fullmatch(r"\d{1,16}").to_numpy(dtype=bool)
    if digits.any():
        nums = text[digits].astype(np.int64).to_numpy()
        nums = np.where(nums >= 10**12, nums // 1000, nums)
        out[digits] = nums
        ok[digits] = True
    rest = ~digits & (text != "").to_numpy(dtype=bool)
    if rest.any():
        parsed = pd.to_datetime(text[rest], format=fmt or "ISO8601", errors="coerce", utc=True)
        good = parsed.notna().to_numpy(dtype=bool)
        epoch = pd.Timestamp(0, tz="UTC")
        seconds = ((parsed.fillna(epoch) - epoch) // pd.Timedelta(seconds=1)).to_numpy(
            dtype=np.int64)
        idx = np.flatnonzero(rest)
        out[idx[good]] = seconds[good]
        ok[idx[good]] = True
    return out, ok
