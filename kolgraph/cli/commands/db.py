"""``kolgraph db``: start, stop and inspect the embedded database; apply the schema
(``kolgraph.usecases.db``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from kolgraph.cli.main import KolgraphGroup
from kolgraph.cli.support import format_option, settings_from, store_from, write_rows, write_value

if TYPE_CHECKING:
    from graph.store.embedded import LoadingProgress


@click.group(cls=KolgraphGroup)
def db() -> None:
    """Manage the database (the embedded FalkorDB server, or the schema on Neo4j)."""


@db.command()
@click.pass_context
def start(ctx: click.Context) -> None:
    """Start the embedded database server (no-op when it already runs); while it loads its
    data (after a crash, the snapshot and the log behind it), print how far it is to standard
    error every few seconds."""
    from kolgraph.usecases import db as usecase

    last = [0.0]

    def report(progress: LoadingProgress) -> None:
        if progress.elapsed_s - last[0] >= 5.0 or not last[0]:
            last[0] = max(progress.elapsed_s, 0.001)
            click.echo(f"embedded database {progress.describe()}", err=True)

    info = usecase.start(settings_from(ctx), on_progress=report)
    click.echo(f"embedded database running: pid {info.pid}, socket {info.socket}")


@db.command()
@click.pass_context
def stop(ctx: click.Context) -> None:
    """Stop the embedded database server after flushing its append-only file."""
    from kolgraph.usecases import db as usecase

    stopped = usecase.stop(settings_from(ctx))
    click.echo("embedded database stopped" if stopped else "embedded database was not running")


@db.command()
@format_option()
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Say whether the embedded database runs, where, and how big it is (exit status 3 when
    it does not run, 1 when it cannot write its files: the ``fault`` it names)."""
    from kolgraph.usecases import db as usecase

    info = usecase.status(settings_from(ctx))
    code = 0 if info["running"] else 3
    if fmt == "json":
        write_value(info)
    elif fmt == "csv":
        write_rows([info], list(info), "csv")
    elif not info["running"]:
        click.echo(f"embedded database not running (data in {info['data_dir']})")
    else:
        click.echo(f"embedded database running: pid {info['pid']}, socket {info['socket']}")
        for key, value in info.items():
            if key not in ("running", "pid", "socket", "data_dir", "fault"):
                click.echo(f"  {key}: {value}")
    if info.get("fault"):
        click.echo(f"error: {info['fault']}", err=True)
        code = code or 1
    ctx.exit(code)


@db.command()
@click.pass_context
def schema(ctx: click.Context) -> None:
    """Apply the unique keys and indexes of cypher/schema/ (idempotent)."""
    from kolgraph.usecases import db as usecase

    with store_from(ctx, apply_schema=False) as store:
        applied = usecase.apply_schema(store)
    click.echo(f"schema applied ({store.dialect}): {len(applied)} new statements")


@db.command()
@format_option()
@click.pass_context
def counts(ctx: click.Context, fmt: str) -> None:
    """Print the number of nodes per label and relationships per type."""
    from kolgraph.usecases import db as usecase

    with store_from(ctx, apply_schema=False) as store:  # reads only: works on a full disk
        rows = usecase.counts(store)
    if fmt == "table":
        show_counts(rows)
    else:
        write_rows(rows, ["name", "count"], fmt)


def show_counts(rows: list[dict[str, Any]]) -> None:
    """Nodes per label and relationships per type, one per line."""
    for row in rows:
        click.echo(f"{row['name']:14} {row['count']:>12,}")
