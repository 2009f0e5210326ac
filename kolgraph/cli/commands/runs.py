"""``kolgraph runs``: the history of ingest / analyze / refresh / train runs
(``kolgraph.usecases.runs``)."""

from __future__ import annotations

import click

from kolgraph.cli.support import format_option, store_from, write_rows, write_value
from kolgraph.usecases.runs import RUN_KINDS
from kolgraph.usecases.runs import runs as list_runs


@click.command()
@click.option("--kind", type=click.Choice(RUN_KINDS), default=None, help="Only runs of this kind.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@format_option("table, csv: one row per run; json: the runs with their params and metrics.")
@click.pass_context
def runs(ctx: click.Context, kind: str | None, limit: int, fmt: str) -> None:
    """List recent runs, newest first, with their status and timing."""
    with store_from(ctx) as store:
        rows = list_runs(store, kind, limit)
    if fmt == "json":
        write_value([{k: v for k, v in r.items() if k != "recommender"} for r in rows])
        return
    write_rows(rows, ["run_id", "kind", "status", "started_at", "finished_at", "recommender"],
               fmt)
