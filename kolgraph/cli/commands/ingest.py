"""``kolgraph ingest DIR``: load platform exports into the graph
(``kolgraph.usecases.ingest``)."""

from __future__ import annotations

from pathlib import Path

import click

from kolgraph.cli.support import format_option, settings_from, store_from, write_rows, write_value

FILE_COLUMNS = ["file", "kind", "format", "encoding", "read", "loaded", "quarantined",
                "duplicates"]


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--mapping", type=click.Path(path_type=Path), default=None,
              help="TOML mapping file: per input file, native -> canonical column names, "
                   "encoding, timestamp format.")
@format_option("table: the report; json: the whole report; csv: the counts per file.")
@click.pass_context
def ingest(ctx: click.Context, folder: Path, mapping: Path | None, fmt: str) -> None:
    """Ingest the CSV/Parquet/JSONL exports in FOLDER (accounts, interactions, contents,
    engagements, identity_links); rejected rows go to KOLGRAPH_HOME/quarantine/.

    Example: kolgraph ingest data/export-2025-07-02 --mapping mapping.toml --format json
    """
    from kolgraph.usecases.ingest import ingest as run_ingest

    settings = settings_from(ctx)
    with store_from(ctx) as store:
        report = run_ingest(store, settings, folder, mapping, progress=fmt == "table")
    if fmt == "json":
        write_value(report.to_dict())
    elif fmt == "csv":
        write_rows([vars(f) for f in report.files], FILE_COLUMNS, "csv")
    else:
        click.echo(report.text())
