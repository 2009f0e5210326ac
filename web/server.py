"""How ``kolgraph serve`` runs the app: waitress on one listening socket, in this process or
in ``workers`` forked processes sharing the socket (waitress threads share one interpreter
lock, so one process uses about one core; several processes use several).

Each worker builds its own app after the fork (its own database connections and caches);
sessions and failed log-ins are listed in files of ``KOLGRAPH_HOME/web/`` that every worker
reads (``web.security``, ``web.limiter``), and the cookies are signed with one secret
key. Runs started from the admin page are listed by the worker that started them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable

from flask import Flask

AppFactory = Callable[[], Flask]


def listen(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6); ``OSError`` when taken."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def serve_socket(app: Flask, sock: socket.socket, threads: int) -> None:
    """Serve ``app`` with waitress on ``sock`` until the process is stopped."""
    from waitress import serve

    serve(app, sockets=[sock], threads=threads, ident="kolgraph",
          connection_limit=max(100, 4 * threads))


def serve_workers(make_app: AppFactory, sock: socket.socket, threads: int,
                  workers: int) -> int:
    """Fork ``workers`` processes that each build the app and serve ``sock``; wait until one
    of them ends or this process gets SIGINT/SIGTERM, then stop them all. Returns the exit
    status (0 after a signal, 1 when a worker died on its own)."""
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os._exit(_worker(make_app, sock, threads))
        children.append(pid)
    signalled = []

    def stop_all() -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    def on_signal(signum: int, _frame: object) -> None:
        signalled.append(signum)
        stop_all()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with contextlib.suppress(ChildProcessError):
        os.wait()  # until the first worker ends (a signal stops them all first)
    stop_all()
    for child in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child, 0)
    return 0 if signalled else 1


def _worker(make_app: AppFactory, sock: socket.socket, threads: int) -> int:
    """One worker process: build the app and serve; the exit status."""
    try:
        serve_socket(make_app(), sock, threads)
    except Exception as exc:  # noqa: BLE001  (one line, like the CLI's errors)
        print(f"error: server process {os.getpid()}: {exc}", file=sys.stderr)
        return 1
    return 0
