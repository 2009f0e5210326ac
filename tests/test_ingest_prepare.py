"""Row preparation in worker processes (a large input) gives exactly what preparation in
the ingest process gives: the same graph, report and quarantine file."""

from __future__ import annotations

import dataclasses
import platform
from pathlib import Path

import pandas as pd
import pytest

from graph.config import Settings
from graph.ingest import pipeline, prepare
from graph.ingest.memory import release_free_memory
from graph.ingest.pii import MissingSaltError
from graph.ingest.pipeline import ingest_folder
from graph.ingest.report import IngestReport
from graph.store.falkordb_store import FalkorDBStore
from tests import test_ingest
from tests.test_ingest import ACC_H, INT_H, T0, small_world, state, write
from tests.test_ingest_bulk import nodes, relationships

cfg = test_ingest.cfg  # fixtures shared with the ingest tests
other_store = test_ingest.other_store


def with_bad_and_repeated_rows(folder: Path) -> Path:
    """``small_world`` plus rows that are rejected or repeat others, spread over the file so
    that several chunks have some."""
    for name, extra in {
        "interactions.csv": [f"zhihu,1,2,like,{T0}", "zhihu,1,1,like,1", "zhihu,1,2,poke,1",
                             f"zhihu,3,4,reply,{T0 + 5}", f"zhihu,3,4,reply,{T0 + 5}"],
        "accounts.csv": ["zhihu,9,九,-1,,,,", "zhihu,8,八,8,,13900000008,,",
                         "zhihu,8,八,8,,13900000008,,"],
    }.items():
        lines = (folder / name).read_text().splitlines()
        for i, row in enumerate(extra):
            lines.insert(2 + 3 * i, row)
        (folder / name).write_text("\n".join(lines) + "\n")
    return folder


def comparable(report: IngestReport) -> dict[str, object]:
    out = report.to_dict()
    for volatile in ("run_id", "seconds", "quarantine_file"):
        out.pop(volatile)
    return out


def quarantine_rows(report: IngestReport) -> list[str]:
    assert report.quarantine_file is not None
    return Path(report.quarantine_file).read_text(encoding="utf-8").splitlines()


def test_workers_load_what_one_process_loads(store: FalkorDBStore,
                                             other_store: FalkorDBStore, cfg: Settings,
                                             tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    folder = with_bad_and_repeated_rows(small_world(tmp_path / "in"))
    alone = ingest_folder(other_store, cfg, folder)
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "worker_count", lambda _bytes: 2)
        patch.setattr(prepare, "CHUNK_ROWS", 4)  # many chunks, out of order across workers
        pooled = ingest_folder(store, cfg, folder)
    assert alone.files[0].quarantined and any(f.duplicates for f in alone.files)
    assert comparable(pooled) == comparable(alone)
    assert quarantine_rows(pooled) == quarantine_rows(alone)
    assert state(store) == state(other_store)
    assert nodes(store) == nodes(other_store)
    assert relationships(store) == relationships(other_store)


def test_a_worker_refuses_personal_data_without_salt(store: FalkorDBStore, cfg: Settings,
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write(tmp_path / "in", {
        "accounts.csv": ACC_H + "zhihu,1,a,1,,,,\n" * 3 + "zhihu,2,b,1,,,x@y.cn,\n",
        "interactions.csv": INT_H + f"zhihu,1,2,like,{T0}\n"})
    monkeypatch.setattr(pipeline, "worker_count", lambda _bytes: 2)
    monkeypatch.setattr(prepare, "CHUNK_ROWS", 2)
    with pytest.raises(MissingSaltError, match=r"accounts\.csv: column 'email'.*SALT"):
        ingest_folder(store, dataclasses.replace(cfg, pii_salt=None), folder)
    assert store.node_counts().get("Account", 0) == 0


def test_small_inputs_are_prepared_in_process() -> None:
    assert prepare.worker_count(prepare.PARALLEL_BYTES - 1) == 0
    assert prepare.worker_count(prepare.PARALLEL_BYTES) <= prepare.MAX_WORKERS
    assert [len(c) for c in prepare.chunks(pd.DataFrame({"a": range(5)}))] == [5]


def test_freed_memory_goes_back_to_the_system_on_glibc() -> None:
    assert release_free_memory() == (platform.libc_ver()[0] == "glibc")
