"""An input file opened safely and cut into pieces of whole records, never read whole.

``open_regular`` opens a regular file (an ``InputError`` naming the file otherwise, never
a traceback); ``record_pieces`` yields the file's bytes in pieces of about ``BLOCK_BYTES``
that end at a line end outside any quoted field, each with the number of its first line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from graph.ingest.input_error import InputError

#: Bytes read at a time; a piece holds about this many bytes of whole records.
BLOCK_BYTES = 32 << 20
#: A record (a quoted field spanning lines) may not be longer than this many blocks.
MAX_RECORD_BLOCKS = 4


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading in binary; ``InputError`` naming it when it cannot be
    read (permissions, vanished) or is not a regular file once opened."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
        stream.close()
        raise InputError(f"{path}: not a regular file")
    return stream


def record_pieces(path: Path, stream: BinaryIO, quote: bytes | None,
                  block: int | None = None) -> Iterator[tuple[int, bytes]]:
    """``(first line number, bytes)`` pieces of ``stream``, each ending after a newline
    that is outside quotes (an even number of ``quote`` bytes before it in the piece;
    ``None``: every newline ends a record), the last one with whatever remains.

    Raises ``InputError`` naming the line where a record goes on for more than
    ``MAX_RECORD_BLOCKS`` blocks (no line end, or an unbalanced quote), so that memory
    stays bounded.

    >>> import io
    >>> list(record_pieces(Path("x"), io.BytesIO(b'a\\n"b\\nc"\\nd'), b'"', 3))
    [(1, b'a\\n'), (2, b'"b\\nc"\\n'), (4, b'd')]
    """
    size = block or BLOCK_BYTES
    line, rest = 1, b""
    try:
        while True:
            data = stream.read(size)
            buf = rest + data if rest else data
            if not data:
                if buf:
                    yield line, buf
                return
            cut = _record_end(buf, quote)
            if cut == 0:
                if len(buf) > MAX_RECORD_BLOCKS * size:
                    raise InputError(_too_long(path, line, buf, quote))
                rest = buf
                continue
            piece, rest = buf[:cut], buf[cut:]
            yield line, piece
            line += piece.count(b"\n")
    except OSError as exc:
        raise InputError(f"{path}:{line}: cannot read the file ({exc.strerror or exc})"
                         ) from exc


def _record_end(buf: bytes, quote: bytes | None) -> int:
    """The index just after the last newline of ``buf`` outside quotes (0: none)."""
    end = buf.rfind(b"\n")
    if quote is None or end < 0:
        return end + 1
    quotes = buf.count(quote, 0, end)
    while end >= 0 and quotes % 2:
        before = buf.rfind(b"\n", 0, end)
        quotes -= buf.count(quote, before + 1, end)
        end = before
    return end + 1


def _too_long(path: Path, line: int, buf: bytes, quote: bytes | None) -> str:
    size = f"{len(buf) >> 20} MB"
    if quote is None or b"\n" not in buf:
        nul = " of NUL bytes (a sparse or damaged file?)" if not buf.strip(b"\0") else ""
        return f"{path}:{line}: a line longer than {size}{nul}; not a text file of records"
    return (f"{path}:{line}: a quoted field is still open after {size} (an unbalanced "
            f"{quote.decode('ascii', 'replace')}); fix the quoting")
