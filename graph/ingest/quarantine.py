"""The quarantine file of a run: one line per rejected row,
``file:line:reason<TAB>{row as JSON, identity values masked}``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from graph.ingest.pii import mask_row
from graph.ingest.validate import Rejected


def write_quarantine(folder: Path, run_id: str, rejected: Iterable[tuple[str, Rejected]]
                     ) -> Path | None:
    """Write ``(file name, rejected row)`` pairs to ``folder/<run_id>.txt``; ``None`` when
    there are none."""
    items = list(rejected)
    if not items:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}.txt"
    with path.open("w", encoding="utf-8") as out:
        for name, rej in items:
            row = json.dumps(mask_row(rej.row), ensure_ascii=False) if rej.row else "{}"
            out.write(f"{name}:{rej.line}:{rej.reason}\t{row}\n")
    return path
