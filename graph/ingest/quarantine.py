"""The quarantine file of a run: one line per rejected row,
``file:line:reason<TAB>{row as JSON, identity values masked}``, readable by its owner only
(mode 0600, in a folder of mode 0700)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from graph.ingest.pii import mask_row
from graph.ingest.validate import Rejected


def write_quarantine(folder: Path, run_id: str, rejected: Iterable[tuple[str, Rejected]]
                     ) -> Path | None:
    """Write ``(file name, rejected row)`` pairs to ``folder/<run_id>.txt``; ``None`` when
    there are none. The folder is made (or set to) mode 0700, the file is created 0600."""
    items = list(rejected)
    if not items:
        return None
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / f"{run_id}.txt"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with open(descriptor, "w", encoding="utf-8") as out:
        for name, rej in items:
            row = json.dumps(mask_row(rej.row), ensure_ascii=False) if rej.row else "{}"
            out.write(f"{name}:{rej.line}:{rej.reason}\t{row}\n")
    return path
