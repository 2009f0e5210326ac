"""``kolgraph export persons|communities --out FILE.csv``: the current analyze run's results.

Other packages add targets under the entry-point group ``kolgraph.export`` (the GNN part adds
``recommendations``); they are loaded the way ``kolgraph`` loads its commands.
"""

from __future__ import annotations

import csv
from pathlib import Path

import click

from graph.store import analytics_io
from graph.store.base import GraphStore
from kolgraph.cli.main import PluginGroup
from kolgraph.cli.support import UserError, store_from

EXPORT_GROUP = "kolgraph.export"
PERSON_COLUMNS: list[str] = ["person_id", "display_name", "accounts", "followers_total",
                             *analytics_io.PERSON_VALUES]
COMMUNITY_COLUMNS: list[str] = ["run_id", *analytics_io.COMMUNITY_PROPERTIES]

_OUT = click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
                    required=True, help="CSV file to write (UTF-8).")


def _check_out(out: Path) -> None:
    if not out.parent.exists():
        raise UserError(f"--out: folder {out.parent} does not exist")


def _current(store: GraphStore) -> str:
    run_id = analytics_io.current_analyze_run_id(store)
    if run_id is None:
        raise UserError("no complete analyze run: run kolgraph analyze first")
    return run_id


@click.group(cls=PluginGroup, plugin_group=EXPORT_GROUP)
def export() -> None:
    """Write the current results as CSV (persons, communities, and targets of plugins)."""


@export.command()
@_OUT
@click.pass_context
def persons(ctx: click.Context, out: Path) -> None:
    """Every person with accounts, community and KOL values, best KOL first."""
    _check_out(out)
    with store_from(ctx) as store:
        run_id = _current(store)
        frame = analytics_io.read_person_results(store)
    frame = frame.sort_values(["kol_rank", "person_id"], na_position="last", kind="stable")
    frame["accounts"] = [";".join(a) if isinstance(a, list) else "" for a in frame["accounts"]]
    for column in ("community_id", "reach", "kol_rank", "community_rank", "followers_total"):
        frame[column] = frame[column].astype("Int64")
    frame[PERSON_COLUMNS].to_csv(out, index=False, encoding="utf-8", quoting=csv.QUOTE_MINIMAL)
    click.echo(f"wrote {len(frame)} persons of {run_id} to {out}")


@export.command()
@_OUT
@click.pass_context
def communities(ctx: click.Context, out: Path) -> None:
    """Every community of the current run with its profile (JSON columns as text)."""
    _check_out(out)
    with store_from(ctx) as store:
        run_id = _current(store)
        frame = analytics_io.read_communities(store, run_id)
    frame.insert(0, "run_id", run_id)
    frame[COMMUNITY_COLUMNS].to_csv(out, index=False, encoding="utf-8")
    click.echo(f"wrote {len(frame)} communities of {run_id} to {out}")
