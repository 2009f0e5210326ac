"""``kolgraph runs``: the history of ingest / analyze / refresh / train runs."""

from __future__ import annotations

import json

import click

from graph.store.runs import RUN_KINDS, list_runs
from kolgraph.cli.support import store_from, write_rows


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
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        written_by = (row.get("metrics") or {}).get("recommender")
        row["recommender"] = ("; ".join(f"{k}: {v}" for k, v in written_by.items())
                              if isinstance(written_by, dict) else "")
    write_rows(rows, ["run_id", "kind", "status", "started_at", "finished_at", "recommender"],
               "table")
