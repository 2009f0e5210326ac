"""Log-in rate limiting: failed log-ins counted per client address in a sliding window."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginLimiter:
    """At most ``limit`` failed log-ins per client address within ``window_s`` seconds.

    >>> limiter = LoginLimiter()
    >>> limiter.failed("10.0.0.1"); limiter.blocked("10.0.0.1", 1)
    True
    >>> limiter.succeeded("10.0.0.1"); limiter.blocked("10.0.0.1", 1)
    False
    """

    def __init__(self, window_s: float = 300.0):
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] < now - self.window_s:
            failures.popleft()
        return failures

    def blocked(self, key: str, limit: int) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= limit

    def failed(self, key: str) -> None:
        with self._lock:
            self._recent(key, time.monotonic()).append(time.monotonic())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
