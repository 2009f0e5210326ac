"""``kolgraph sample``: write a realistic multi-platform sample dataset and its ground truth
(``kolgraph.usecases.sample``)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from kolgraph.cli.support import format_option, refuse_dash, write_rows, write_value


@click.command()
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the input files (created; our files in it are overwritten).")
@click.option("--persons", type=click.IntRange(1_000, 1_000_000), default=1000,
              show_default=True, help="Number of persons (1,000 to 1,000,000).")
@click.option("--seed", type=int, default=7, show_default=True,
              help="Random seed; the same seed writes byte-identical files.")
@click.option("--file-format", "file_format", type=click.Choice(["csv", "parquet", "jsonl"]),
              default="csv", show_default=True, help="File format of the input files.")
@click.option("--truth", "truth_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Folder for the ground truth (persons.csv, kols.csv); "
              "default: the sibling folder OUT.truth. Never inside OUT.")
@format_option("table: a summary and the rows per file; json: the summary; csv: the files.")
def sample(out_dir: Path, persons: int, seed: int, file_format: str, truth_dir: Path | None,
           fmt: str) -> None:
    """Write sample data in the canonical input format (accounts, interactions, contents,
    engagements, identity_links) for PERSONS persons on five knowledge-paid platforms, and
    the planted communities, KOLs and KOL-caused purchases to a separate truth folder that
    ingest never reads.

    Example: kolgraph sample --out data/sample --persons 100000 --file-format parquet
    """
    from kolgraph.usecases.sample import make_sample

    started = time.monotonic()
    summary = make_sample(refuse_dash(out_dir), persons=persons, seed=seed,
                          file_format=file_format, truth_dir=truth_dir)
    elapsed = time.monotonic() - started
    files = [{"file": name, "rows": rows, "path": str(summary.files[name])}
             for name, rows in summary.rows().items()]
    if fmt == "json":
        write_value({"persons": summary.persons, "communities": summary.communities,
                     "kols": summary.kols, "accounts": summary.accounts,
                     "multi_platform_persons": summary.multi_platform_persons, "seed": seed,
                     "file_format": file_format, "out_dir": str(summary.out_dir),
                     "truth_dir": str(summary.truth_dir), "files": files})
        return
    if fmt == "csv":
        write_rows(files, ["file", "rows", "path"], "csv")
        return
    click.echo(f"sample: {summary.persons:,} persons in {summary.communities} communities, "
               f"{summary.kols} planted KOLs, {summary.multi_platform_persons:,} on 2+ "
               f"platforms (seed {seed}, {elapsed:.1f}s)")
    for row in files:
        click.echo(f"  {row['file']:<20} {row['rows']:>9,} rows  {row['path']}")
