"""A small cache of values that only change with a new run (community lists, component
statistics, leaderboard orderings): each entry is keyed by the ids of the current runs it
depends on, so a new run makes it stale at once; no time-based expiry."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class RunCache:
    """Least-recently-used map ``key -> value`` with at most ``size`` entries, thread-safe;
    concurrent requests for a missing key compute it once (the others wait for it).

    >>> cache = RunCache(2)
    >>> cache.get(("a", "run-1"), lambda: 41 + 1)
    42
    >>> cache.get(("a", "run-1"), lambda: 0)
    42
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def _lookup(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return True, self._items[key]
            return False, None

    def peek(self, key: Hashable) -> tuple[bool, Any]:
        """``(True, value)`` when ``key`` is cached, else ``(False, None)``; never computes.

        >>> RunCache().peek("missing")
        (False, None)
        """
        return self._lookup(key)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, computing and storing it when absent."""
        found, value = self._lookup(key)
        if found:
            return value
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            found, value = self._lookup(key)
            if found:
                return value
            value = compute()
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
                self._computing.pop(key, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
