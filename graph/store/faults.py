"""A full disk, recognised wherever it surfaces and worded once.

The disk can fill under the database server (Redis answers ``MISCONF Errors writing to the
AOF file: No space left on device`` and refuses writes until it can write again) or under
this process (``OSError`` with ``ENOSPC``, ``EDQUOT``, or ``EFBIG`` for a file-size limit).
Both become ``DiskFull``, one line naming the folder that cannot be written.

>>> str(DiskFull("/srv/kolgraph/db"))  # doctest: +NORMALIZE_WHITESPACE
'the database cannot write to /srv/kolgraph/db: no space left on device; free space
 there, start the database again (kolgraph db start) and run the interrupted command again'
>>> is_disk_full_reply("MISCONF Errors writing to the AOF file: No space left on device")
True
>>> is_disk_full_reply("Query timed out")
False
"""

from __future__ import annotations

import errno
from pathlib import Path

from graph.store.base import StoreError

#: ``errno`` values meaning "this file system cannot take more bytes" (a full disk, a full
#: quota, a file-size limit).
NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})

#: Redis replies that mean its append-only file (or snapshot) cannot be written.
_REPLY_MARKERS = ("misconf", "errors writing to the aof", "no space left", "file too large",
                  "disk quota")


class DiskFull(StoreError):
    """``where`` (a folder or file) cannot be written: the disk, a quota or a file-size
    limit is full. ``reason`` is the system's words for it; ``database``: the database
    server's folder (the advice then says to start it again) or one of kolgraph's files.

    >>> print(DiskFull("/h/models/m1/weights.pt", "file too large", database=False))
    cannot write to /h/models/m1/weights.pt: file too large; free space there and run the \
interrupted command again
    """

    def __init__(self, where: Path | str, reason: str = "no space left on device",
                 *, database: bool = True) -> None:
        self.where = Path(where)
        self.reason = reason
        if database:
            message = (f"the database cannot write to {where}: {reason}; free space there, "
                       "start the database again (kolgraph db start) and run the "
                       "interrupted command again")
        else:
            message = (f"cannot write to {where}: {reason}; free space there and run the "
                       "interrupted command again")
        super().__init__(message)


def is_disk_full_reply(message: str) -> bool:
    """Whether a database reply says that the server cannot write its files."""
    lowered = message.lower()
    return any(marker in lowered for marker in _REPLY_MARKERS)


def is_disk_full_os_error(exc: BaseException) -> bool:
    """Whether ``exc`` is an ``OSError`` of a full disk, quota or file-size limit."""
    return isinstance(exc, OSError) and exc.errno in NO_SPACE_ERRNOS


def reason_of(exc: OSError) -> str:
    """The system's words for ``exc`` (``no space left on device``), lower case."""
    return (exc.strerror or "no space left on device").lower()


def file_write_fault(exc: BaseException, where: Path) -> DiskFull | None:
    """``DiskFull`` naming ``where`` when ``exc``, raised while writing files there, came
    from a full disk, quota or file-size limit: an ``OSError`` (here or as its cause), or
    a library's failed write (PyTorch, LightGBM) while the file system has no room left."""
    seen: BaseException | None = exc
    while seen is not None:
        if is_disk_full_os_error(seen):
            assert isinstance(seen, OSError)
            return DiskFull(seen.filename or where, reason_of(seen), database=False)
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    if any(words in text for words in ("write failed", "no space", "too large", "cannot write",
                                        "could not write")):
        return DiskFull(where, "no space left on device (the write failed: "
                        f"{str(exc).splitlines()[0][:200]})", database=False)
    return None
