"""``kolgraph ingest DIR``: load platform exports into the graph
(``kolgraph.usecases.ingest``)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kolgraph.cli.support import settings_from, store_from
from kolgraph.usecases.ingest import ingest as run_ingest


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--mapping", type=click.Path(path_type=Path), default=None,
              help="TOML mapping file: per input file, native -> canonical column names, "
                   "encoding, timestamp format.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def ingest(ctx: click.Context, folder: Path, mapping: Path | None, as_json: bool) -> None:
    """Ingest the CSV/Parquet/JSONL exports in FOLDER (accounts, interactions, contents,
    engagements, identity_links); rejected rows go to KOLGRAPH_HOME/quarantine/.

    Example: kolgraph ingest data/export-2025-07-02 --mapping mapping.toml --json
    """
    settings = settings_from(ctx)
    with store_from(ctx) as store:
        report = run_ingest(store, settings, folder, mapping, progress=not as_json)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.text())
