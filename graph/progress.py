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


class StageProgress:
    """A ``progress(stage, fraction)`` callback for the algorithms (``graph.analytics``): on a
    terminal a tqdm bar per stage (0-100%), otherwise one line per stage on ``stream``
    (default standard error), written when the stage starts. Call ``close()`` when done.

    >>> import io
    >>> out = io.StringIO()
    >>> report = StageProgress("seeds", stream=out)
    >>> for stage, fraction in [("sampling", 0.5), ("sampling", 1.0), ("selecting", 1.0)]:
    ...     report(stage, fraction)
    >>> report.close()
    >>> print(out.getvalue(), end="")
    seeds: sampling
    seeds: selecting
    """

    def __init__(self, desc: str, stream: Any = None) -> None:
        self.desc = desc
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = stream is None and sys.stderr.isatty()
        self.stage: str | None = None
        self.bar: Any = None

    def __call__(self, stage: str, fraction: float) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            if self.terminal:
                self.bar = progress_bar(100, f"{self.desc}: {stage}", unit="%")
            else:
                print(f"{self.desc}: {stage}", file=self.stream, flush=True)
        if self.bar is not None:
            # update() redraws at most every tqdm ``mininterval``: cheap to call often
            self.bar.update(round(100 * min(max(fraction, 0.0), 1.0), 1) - self.bar.n)

    def close(self) -> None:
        """End the current stage's bar, if any."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
