"""Bring the embedded database back when the web app finds it down.

When a request finds the database unreachable (``DatabaseUnavailable``), the app answers 503
and, for the embedded backend, asks a ``DatabaseWatch`` to restart the server: at most one
attempt per ``interval_s``, in a background thread. While that attempt runs (the server may
spend minutes loading its data after a crash), every request is answered 503 at once, without
touching the database: a command sent to a server that is replaying its log can make it abort
(see ``graph.store.embedded._loaded``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from graph.store import embedded

log = logging.getLogger("kolgraph.web")


class DatabaseWatch:
    """Restarts the embedded database of ``data_dir`` on demand (``None``: another backend,
    which the app never restarts)."""

    def __init__(self, data_dir: Path | None, interval_s: float = 30.0,
                 start: Callable[[Path], object] | None = None):
        self.data_dir = data_dir
        self.interval_s = interval_s
        self._start = start or (lambda path: embedded.start(path))
        self._lock = threading.Lock()
        self._last_attempt: float | None = None
        self._thread: threading.Thread | None = None
        self.attempts = 0

    @property
    def restarting(self) -> bool:
        """Whether a restart is under way (requests must not reach the database)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def restart_soon(self) -> bool:
        """Start a background restart unless one runs or the last began less than
        ``interval_s`` ago; whether one was started."""
        if self.data_dir is None:
            return False
        with self._lock:
            now = time.monotonic()
            if self.restarting or (self._last_attempt is not None
                                   and now - self._last_attempt < self.interval_s):
                return False
            self._last_attempt = now
            self.attempts += 1
            self._thread = threading.Thread(target=self._restart, name="kolgraph-db-restart",
                                            daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout_s: float | None = None) -> None:
        """Wait for a restart under way to end (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)

    def _restart(self) -> None:
        assert self.data_dir is not None
        log.warning("the embedded database is not answering; restarting it")
        try:
            self._start(self.data_dir)
        except Exception:  # logged: the next failing request tries again after the interval
            log.exception("restarting the embedded database failed")
        else:
            log.warning("the embedded database is back")
