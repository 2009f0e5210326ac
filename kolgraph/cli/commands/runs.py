"""``kolgraph runs``: the history of ingest / analyze / refresh / train runs
(``kolgraph.usecases.runs``)."""

from __future__ import annotations

import json

import click

from kolgraph.cli.support import store_from, write_rows
from kolgraph.usecases.runs import RUN_KINDS
from kolgraph.usecases.runs import runs as list_runs


@click.command()
@click.option("--kind", type=click.Choice(RUN_KINDS), default=None, help="Only runs of this kind.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the runs (with metrics) as JSON.")
@click.pass_context
def runs(ctx: click.Context, kind: str | None, limit: int, as_json: bool) -> None:
    """List recent runs, newest first, with their status and timing."""
    with store_from(ctx) as store:
        rows = list_runs(store, kind, limit)
    if as_json:
        click.echo(json.dumps([{k: v for k, v in r.items() if k != "recommender"}
                               for r in rows], ensure_ascii=False, indent=2))
        return
    write_rows(rows, ["run_id", "kind", "status", "started_at", "finished_at", "recommender"],
               "table")
