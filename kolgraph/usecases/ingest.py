"""Ingest: load a folder of platform exports into the graph (see ``graph/ingest``)."""

from __future__ import annotations

from pathlib import Path

from graph.config import Settings
from graph.ingest.pipeline import ingest_folder
from graph.ingest.report import IngestReport
from graph.store.base import GraphStore


def ingest(store: GraphStore, settings: Settings, folder: Path | str,
           mapping: Path | str | None = None, *, progress: bool = False) -> IngestReport:
    """Ingest the CSV/Parquet/JSONL exports in ``folder`` (accounts, interactions, contents,
    engagements, identity_links) with the optional ``mapping`` file; rejected rows go to the
    quarantine folder of ``settings``. Returns the report (also the metrics of the ingest run).

    Raises the ingest's ``graph.errors`` subclasses (a file cannot be read, a bad mapping,
    PII without a salt, another ingest running) before anything is written.
    """
    return ingest_folder(store, settings, Path(folder), Path(mapping) if mapping else None,
                         progress=progress)
