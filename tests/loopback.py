"""A TCP listener on a free loopback port that records what connects to it: the witness
that a query made no network connection."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loopback_listener() -> Iterator[tuple[int, list[bytes]]]:
    """Yields ``(port, seen)``; ``seen`` gets the first bytes each connection sent
    (``b"(connected)"`` when it sent none)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                seen.append(conn.recv(100) or b"(connected)")
            except OSError:
                seen.append(b"(connected)")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], seen
    finally:
        stop.set()
        thread.join()
        server.close()
