"""Sample: write a realistic multi-platform sample data set and its ground truth."""

from __future__ import annotations

from pathlib import Path

from graph.errors import KolgraphError
from graph.ingest.sample import SampleSummary, default_truth_dir, generate_sample
from graph.ingest.sample_io import FORMATS


def make_sample(out_dir: Path | str, *, persons: int = 1000, seed: int = 7,
                file_format: str = "csv", truth_dir: Path | str | None = None) -> SampleSummary:
    """Write the sample of ``persons`` persons to ``out_dir`` (see ``generate_sample``);
    ``InvalidInput`` names the parameter at fault, a file-system failure is a
    ``KolgraphError`` naming the file."""
    try:
        return generate_sample(Path(out_dir), persons=persons, seed=seed,
                               file_format=file_format,
                               truth_dir=Path(truth_dir) if truth_dir is not None else None)
    except OSError as exc:
        raise KolgraphError(f"{exc.filename or out_dir}: {exc.strerror or exc}") from exc


def sample_complete(out_dir: Path, persons: int) -> bool:
    """Whether ``out_dir`` holds a finished sample of ``persons`` persons: its ground truth,
    written last to the default truth folder, is there and has one line per person."""
    truth = default_truth_dir(out_dir)
    written = any((out_dir / f"interactions.{ext}").exists() for ext in FORMATS)
    if not written or not (truth / "kols.csv").exists() or not (truth / "persons.csv").exists():
        return False
    with (truth / "persons.csv").open("rb") as fh:
        return sum(1 for _ in fh) == persons + 1
