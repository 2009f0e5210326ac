"""Cache warm-up of a serving app (``kolgraph serve``): ``web.data.warm`` runs in a
background thread when the server starts and again when a request finds that new runs have
become current (a nightly analyze or refresh), so that the first visitors after a run do not
pay for what the pages cache per run. A failure only means slower pages: it is logged."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

from flask import Flask, Response, g

from web import data


class Warmer:
    """Runs ``web.data.warm`` for ``app`` at most once at a time, once per set of current
    runs; ``done(seconds)`` is called after each warm-up that succeeded."""

    def __init__(self, app: Flask, done: Callable[[float], None] | None = None):
        self.app = app
        self.done = done
        self.warmed: Hashable = None
        self._lock = threading.Lock()
        self._running = False

    @property
    def running(self) -> bool:
        """Whether a warm-up is under way."""
        with self._lock:
            return self._running

    def start(self, runs: Hashable) -> None:
        """Warm the caches for the current runs ``runs`` in the background, unless they are
        warmed already or a warm-up is under way."""
        with self._lock:
            if self._running or runs == self.warmed:
                return
            self._running = True
            self.warmed = runs
        threading.Thread(target=self._run, name="kolgraph-warm", daemon=True).start()

    def _run(self) -> None:
        began = time.perf_counter()
        try:
            with self.app.app_context():
                data.warm()
            if self.done is not None:
                self.done(time.perf_counter() - began)
        except Exception:  # noqa: BLE001
            logging.getLogger("kolgraph.web").exception("cache warm-up failed")
        finally:
            with self._lock:
                self._running = False


def install(app: Flask, done: Callable[[float], None] | None = None) -> Warmer:
    """Warm ``app``'s caches now (in the background) and again after a request that saw
    other current runs than the last warm-up (a warm-up finds what is already cached at
    once); ``done`` as for ``Warmer``."""
    warmer = Warmer(app, done)

    @app.after_request
    def warm_for_new_runs(response: Response) -> Response:
        runs = g.get("current_runs_state")
        if runs is not None:
            warmer.start(_key(runs))
        return response

    warmer.start("server start")
    return warmer


def _key(runs: dict[str, tuple[str, int]]) -> Hashable:
    return tuple(sorted(runs.items()))
