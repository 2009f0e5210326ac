"""Progress bars for long steps: a tqdm bar on a terminal, silent otherwise (batch jobs,
tests, the web app's child processes)."""

from __future__ import annotations

import sys
from typing import Any


def progress_bar(total: int | None, desc: str, unit: str = "rows") -> Any:
    """A tqdm progress bar on standard error when it is a terminal, a silent one otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not sys.stderr.isatty(),
                file=sys.stderr, dynamic_ncols=True, unit_scale=True)
