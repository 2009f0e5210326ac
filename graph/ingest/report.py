"""The ingest report: per-file counts that reconcile (read = loaded + quarantined +
duplicates) and the run-wide figures."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FileCounts:
    """Counts of one input file."""

    file: str
    kind: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    quotechar: str | None = None
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0

    @property
    def reconciles(self) -> bool:
        return self.read == self.loaded + self.quarantined + self.duplicates


@dataclass
class IngestReport:
    """What one ingest read, loaded, rejected and changed; ``to_dict()`` for JSON."""

    folder: str
    run_id: str = ""
    files: list[FileCounts] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    ignored_reasons: dict[str, str] = field(default_factory=dict)
    quarantine_file: str | None = None
    accounts: int = 0
    accounts_created_from_events: int = 0
    persons: int = 0
    persons_created: int = 0
    persons_merged: int = 0
    accounts_merged_into_persons: int = 0
    identity_conflicts: list[dict[str, Any]] = field(default_factory=list)
    contents: int = 0
    events_new: int = 0
    events_already_loaded: int = 0
    batches_written: int = 0
    batches_skipped: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        keys = ("read", "loaded", "quarantined", "duplicates")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["totals"] = self.totals()
        return out

    def text(self) -> str:
        """A human-readable summary, one file per line."""
        lines = [f"ingest {self.folder} (run {self.run_id})",
                 f"{'file':<32} {'kind':<15} {'read':>9} {'loaded':>9} {'quarant.':>9} "
                 f"{'dupes':>9}"]
        for f in self.files:
            lines.append(f"{f.file:<32} {f.kind:<15} {f.read:>9} {f.loaded:>9} "
                         f"{f.quarantined:>9} {f.duplicates:>9}")
        t = self.totals()
        lines.append(f"{'total':<32} {'':<15} {t['read']:>9} {t['loaded']:>9} "
                     f"{t['quarantined']:>9} {t['duplicates']:>9}")
        for f in self.files:
            if f.delimiter not in (None, ",") or f.quotechar not in (None, '"'):
                lines.append(f"read {f.file} with delimiter {f.delimiter!r}, quote "
                             f"{f.quotechar!r}")
        for name in self.ignored_files:
            lines.append(f"ignored ({self.ignored_reasons.get(name, 'not an input file')}): "
                         f"{name}")
        lines.append(f"accounts {self.accounts} (created from events: "
                     f"{self.accounts_created_from_events}), persons {self.persons} "
                     f"(new {self.persons_created}, merged away {self.persons_merged}), "
                     f"accounts merged into persons {self.accounts_merged_into_persons}")
        lines.append(f"events new {self.events_new}, already loaded "
                     f"{self.events_already_loaded} ({self.batches_written} batches written, "
                     f"{self.batches_skipped} skipped)")
        if self.identity_conflicts:
            lines.append(f"identity conflicts: {len(self.identity_conflicts)} identity values "
                         "shared by implausibly many accounts (not used to merge)")
        if self.quarantine_file:
            lines.append(f"quarantine: {self.quarantine_file}")
        return "\n".join(lines)
