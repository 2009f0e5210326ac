"""``kolgraph db``: start, stop and inspect the embedded database; apply the schema."""

from __future__ import annotations

import json
from pathlib import Path

import click

from graph.store import embedded
from kolgraph.cli.main import KolgraphGroup
from kolgraph.cli.support import UserError, settings_from, store_from


def _embedded_dir(ctx: click.Context) -> Path:
    settings = settings_from(ctx)
    if settings.backend != "embedded":
        raise UserError(f"the configured backend is {settings.backend}; "
                        "`kolgraph db start|stop|status` manage the embedded database only")
    return settings.db_dir


@click.group(cls=KolgraphGroup)
def db() -> None:
    """Manage the database (the embedded FalkorDB server, or the schema on Neo4j)."""


@db.command()
@click.pass_context
def start(ctx: click.Context) -> None:
    """Start the embedded database server (no-op when it already runs)."""
    try:
        info = embedded.start(_embedded_dir(ctx))
    except embedded.EmbeddedServerError as exc:
        raise UserError(str(exc)) from exc
    click.echo(f"embedded database running: pid {info.pid}, socket {info.socket}")


@db.command()
@click.pass_context
def stop(ctx: click.Context) -> None:
    """Stop the embedded database server after flushing its append-only file."""
    try:
        stopped = embedded.stop(_embedded_dir(ctx))
    except embedded.EmbeddedServerError as exc:
        raise UserError(str(exc)) from exc
    click.echo("embedded database stopped" if stopped else "embedded database was not running")


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Say whether the embedded database runs, where, and how big it is."""
    info = embedded.status(_embedded_dir(ctx))
    if as_json:
        click.echo(json.dumps({"running": info.running, "pid": info.pid,
                               "socket": str(info.socket), **info.detail}))
        return
    if not info.running:
        click.echo(f"embedded database not running (data in {info.data_dir})")
        ctx.exit(3)
    click.echo(f"embedded database running: pid {info.pid}, socket {info.socket}")
    for key, value in info.detail.items():
        click.echo(f"  {key}: {value}")


@db.command()
@click.pass_context
def schema(ctx: click.Context) -> None:
    """Apply the unique keys and indexes of cypher/schema/ (idempotent)."""
    with store_from(ctx, apply_schema=False) as store:
        applied = store.apply_schema()
    click.echo(f"schema applied ({store.dialect}): {len(applied)} new statements")


@db.command()
@click.pass_context
def counts(ctx: click.Context) -> None:
    """Print the number of nodes per label and relationships per type."""
    with store_from(ctx) as store:
        for name, count in {**store.node_counts(), **store.relationship_counts()}.items():
            click.echo(f"{name:14} {count:>12,}")
