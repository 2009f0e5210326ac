"""Handing freed memory back to the operating system between the ingest's stages."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _malloc_trim() -> object | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``); ``False``
    where there is no such call (another C library). A stage that freed a large table
    leaves that memory with the process otherwise, scattered between live objects, and
    the next stage's allocations add to it (the ingest's peak, measured in
    ``benchmarks/ingest.py``)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)  # type: ignore[operator]
    return True
