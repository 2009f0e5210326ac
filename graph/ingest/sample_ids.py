"""Realistic, unique identifier strings for the sample generator, built without row loops.

Account ids per platform (``dedao`` 8 digits, ``ximalaya`` 9 digits, ``zhihu`` 32 hex
characters, ``bilibili`` numeric uids, ``channels`` ``sph`` + 7 letters/digits), content ids,
Chinese mobile numbers, e-mail addresses, WeChat-style unionids and ISO 8601 timestamps.

>>> import numpy as np
>>> ids = unique_ints(np.random.default_rng(0), 5, 10, 100)
>>> len(set(ids.tolist())), bool(ids.min() >= 10), bool(ids.max() < 100)
(5, True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DIGITS = "0123456789"
HEX = "0123456789abcdef"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
URLSAFE = ALNUM + "_-"

CHINA = timezone(timedelta(hours=8))
# All activity falls in the year ending here (local time, +08:00).
END = datetime(2026, 7, 1, tzinfo=CHINA)
YEAR_START_EPOCH = int((END - timedelta(days=365)).timestamp())
# Local hour-of-day weights: people read and comment mostly in the evening.
HOUR_WEIGHTS = np.array([1.0, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 2, 3, 3, 3, 3,
                         4, 3, 3, 3, 3, 3, 4, 5, 6, 7, 6, 3])
EMAIL_DOMAINS = ("163.com", "126.com", "qq.com", "sina.com", "foxmail.com")


def unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` distinct integers in ``[low, high)`` in random order (needs high - low >= n)."""
    step = (high - low) // n
    if step < 1:
        raise ValueError(f"cannot draw {n} distinct values from [{low}, {high})")
    values = low - 1 + np.cumsum(rng.integers(1, step + 1, n, dtype=np.int64))
    return rng.permutation(values)


def random_strings(rng: np.random.Generator, n: int, length: int, alphabet: str) -> np.ndarray:
    """``n`` random strings of ``length`` characters from ``alphabet`` (may repeat)."""
    lut = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
    codes = lut[rng.integers(0, len(alphabet), (n, length))]
    return np.ascontiguousarray(codes).view(f"S{length}").ravel().astype(f"U{length}")


def unique_strings(rng: np.random.Generator, n: int,
                   make: Callable[[np.random.Generator, int], np.ndarray]) -> np.ndarray:
    """``make(rng, n)`` with repeated values redrawn until all ``n`` are distinct."""
    values = make(rng, n).astype(object)
    while True:
        _, first = np.unique(values.astype(str), return_index=True)
        repeated = np.setdiff1d(np.arange(n), first)
        if repeated.size == 0:
            return values
        values[repeated] = make(rng, repeated.size).astype(object)


def account_ids(rng: np.random.Generator, platform: str, n: int) -> np.ndarray:
    """``n`` distinct account ids in ``platform``'s own style (object array of str)."""
    if platform == "dedao":
        return unique_ints(rng, n, 10_000_000, 99_999_999).astype(str).astype(object)
    if platform == "ximalaya":
        return unique_ints(rng, n, 100_000_000, 499_999_999).astype(str).astype(object)
    if platform == "bilibili":
        return unique_ints(rng, n, 1_000_000, 3_999_999_999).astype(str).astype(object)
    if platform == "zhihu":
        return unique_strings(rng, n, lambda r, k: random_strings(r, k, 32, HEX))
    if platform == "channels":
        return "sph" + unique_strings(rng, n, lambda r, k: random_strings(r, k, 7, ALNUM))
    raise ValueError(f"unknown platform {platform!r}")


def content_ids(rng: np.random.Generator, platform: str, n: int) -> np.ndarray:
    """``n`` distinct content ids in ``platform``'s style (object array of str)."""
    if platform == "dedao":
        return unique_ints(rng, n, 100_000, 9_999_999).astype(str).astype(object)
    if platform == "ximalaya":
        return unique_ints(rng, n, 10_000_000, 89_999_999).astype(str).astype(object)
    if platform == "zhihu":
        return "c_" + unique_ints(rng, n, 10**18, 2 * 10**18).astype(str).astype(object)
    if platform == "bilibili":
        return "BV1" + unique_strings(rng, n, lambda r, k: random_strings(r, k, 9, BASE58))
    if platform == "channels":
        return "finder_" + unique_strings(rng, n, lambda r, k: random_strings(r, k, 16, HEX))
    raise ValueError(f"unknown platform {platform!r}")


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct Chinese mobile numbers ``1[3-9]xxxxxxxxx``."""
    return unique_ints(rng, n, 13_000_000_000, 20_000_000_000).astype(str).astype(object)


def emails(rng: np.random.Generator, pinyin: np.ndarray) -> np.ndarray:
    """Distinct addresses, one per name in ``pinyin``: ``zhangwei1387@163.com`` or a QQ
    number ``83920117@qq.com``."""
    n = pinyin.size
    numbers = unique_ints(rng, n, 100, 100 + 40 * n).astype(str).astype(object)
    qq = unique_ints(rng, n, 10_000_000, 3_000_000_000).astype(str).astype(object)
    domain = np.asarray(EMAIL_DOMAINS, dtype=object)[rng.integers(0, len(EMAIL_DOMAINS), n)]
    return np.where(domain == "qq.com", qq, pinyin + numbers) + "@" + domain


def unionids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct WeChat-style unionids: ``o`` + 27 URL-safe characters."""
    return "o" + unique_strings(rng, n, lambda r, k: random_strings(r, k, 27, URLSAFE))


def epoch_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` Unix times (int64 seconds) over the year before ``END``, busier in the evening."""
    day = rng.integers(0, 365, n, dtype=np.int64)
    hour = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()).astype(np.int64)
    return YEAR_START_EPOCH + day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n)


def iso_times(epoch: np.ndarray) -> pa.Array:
    """ISO 8601 strings with the ``+08:00`` offset, e.g. ``2026-03-01T20:15:00+08:00``."""
    local = pa.array(np.asarray(epoch, dtype=np.int64) + 8 * 3_600, type=pa.timestamp("s"))
    return pc.strftime(local, format="%Y-%m-%dT%H:%M:%S+08:00")
