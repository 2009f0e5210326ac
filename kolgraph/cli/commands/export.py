"""``kolgraph export persons|communities|recommendations --out FILE.csv``: the current
results as CSV (``kolgraph.usecases.export``); ``--out -`` writes them to standard output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from kolgraph.cli.main import KolgraphGroup
from kolgraph.cli.support import open_out, out_option, store_from

if TYPE_CHECKING:
    from graph.store.base import GraphStore

Exporter = Callable[["GraphStore", IO[str]], tuple[str, int]]

_OUT = out_option("CSV file to write (UTF-8)")


def _export(ctx: click.Context, out: Path, what: str, exporter: Exporter) -> None:
    with store_from(ctx) as store, open_out(out) as fh:
        run_id, count = exporter(store, fh)
    where = "standard output" if str(out) == "-" else out
    click.echo(f"wrote {count} {what} of {run_id} to {where}", err=True)


@click.group(cls=KolgraphGroup)
def export() -> None:
    """Write the current results as CSV: persons, communities, recommendations."""


@export.command()
@_OUT
@click.pass_context
def persons(ctx: click.Context, out: Path) -> None:
    """Every person with accounts, community and KOL values, best KOL first."""
    from kolgraph.usecases.export import export_persons

    _export(ctx, out, "persons", export_persons)


@export.command()
@_OUT
@click.pass_context
def communities(ctx: click.Context, out: Path) -> None:
    """Every community of the current run with its profile (JSON columns as text)."""
    from kolgraph.usecases.export import export_communities

    _export(ctx, out, "communities", export_communities)


@export.command()
@_OUT
@click.pass_context
def recommendations(ctx: click.Context, out: Path) -> None:
    """The current refresh run's recommendations."""
    from kolgraph.usecases.export import export_recommendations

    _export(ctx, out, "recommendations", export_recommendations)
