"""The malformed-input corpus: every case folder in tests/data/bad_inputs/ holds ``input/``
(the files to ingest), an optional ``mapping.toml`` and ``expected.json`` with the exact
outcome: an error message fragment (and nothing loaded), or the per-file counts, the
quarantine lines (``file:line:reason``), the detected encodings and CSV dialects and the
ignored files.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from graph.config import Settings
from graph.ingest.mapping import MappingError
from graph.ingest.pii import MissingSaltError
from graph.ingest.pipeline import ingest_folder
from graph.ingest.readers import InputError
from graph.store.base import GraphStore

CORPUS = Path(__file__).parent / "data" / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.json").exists())


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case: str, store: GraphStore, settings: Settings, tmp_path: Path) -> None:
    folder = CORPUS / case
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    mapping = folder / "mapping.toml" if (folder / "mapping.toml").exists() else None
    settings = dataclasses.replace(settings, home=tmp_path,
                                   pii_salt=expected.get("salt", settings.pii_salt))
    if "error" in expected:
        with pytest.raises((InputError, MappingError, MissingSaltError)) as info:
            ingest_folder(store, settings, folder / "input", mapping)
        assert expected["error"] in str(info.value)
        counts = store.node_counts()
        assert counts["Account"] == counts["Content"] == counts["Run"] == 0
        assert not (tmp_path / "quarantine").exists()
        return
    report = ingest_folder(store, settings, folder / "input", mapping)
    got = {f.file: {"read": f.read, "loaded": f.loaded, "quarantined": f.quarantined,
                    "duplicates": f.duplicates} for f in report.files}
    assert got == expected["files"]
    assert all(f.reconciles for f in report.files)
    lines = []
    if report.quarantine_file:
        text = Path(report.quarantine_file).read_text(encoding="utf-8")
        lines = [line.split("\t", 1)[0] for line in text.splitlines()]
    assert lines == expected["quarantine"]
    assert report.ignored_files == expected.get("ignored_files", [])
    for name, encoding in expected.get("encodings", {}).items():
        assert next(f.encoding for f in report.files if f.file == name) == encoding
    for name, (delimiter, quotechar) in expected.get("dialects", {}).items():
        assert next((f.delimiter, f.quotechar) for f in report.files if f.file == name) == (
            delimiter, quotechar)
