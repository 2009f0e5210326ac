"""``kolgraph demo``: the whole flow on sample data, ending with the web UI running.

schema -> sample data -> ingest -> analyze -> refresh (``kolgraph.workflow``) -> admin user ->
serve. A sample already written is reused on a second run (the ingest is idempotent anyway).
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import click

from kolgraph.cli.commands.analyze import show_analysis
from kolgraph.cli.commands.db import show_counts
from kolgraph.cli.commands.refresh import refresh_line
from kolgraph.cli.support import settings_from, store_from
from kolgraph.workflow import FlowOptions, Reporter, run_flow


class _Steps(Reporter):
    """Each step as a heading, its outcome as the step's own command prints it, and its
    duration."""

    def start(self, step: str, detail: str) -> None:
        click.secho(f"\n== {step}: {detail}", bold=True)

    def done(self, step: str, result: Any, seconds: float) -> None:
        if step == "schema":
            click.echo(f"schema applied: {len(result)} new statements")
        elif step == "sample":
            click.echo(f"sample: {result.persons:,} persons in {result.communities} "
                       f"communities, {result.kols} planted KOLs")
        elif step == "ingest":
            click.echo(result.text())
        elif step == "analyze":
            show_analysis(*result)
        elif step == "train":
            click.echo(f"model {result} is current")
        elif step == "refresh":
            click.echo(refresh_line(result))
        click.echo(f"   ({seconds:.1f}s)")

    def log(self, message: str) -> None:
        click.echo(message, err=True)


@click.command()
@click.option("--persons", type=click.IntRange(1000, 1_000_000), default=3000, show_default=True,
              help="Size of the generated sample.")
@click.option("--seed", type=int, default=7, show_default=True, help="Sample and model seed.")
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="End by serving the web UI (blocks until Ctrl-C).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8050, show_default=True)
@click.pass_context
def demo(ctx: click.Context, persons: int, seed: int, serve: bool, host: str, port: int) -> None:
    """Generate sample data and run ingest, analyze, refresh and the web UI on it."""
    from kolgraph.usecases import db

    home = settings_from(ctx).home
    home.mkdir(parents=True, exist_ok=True)
    if not settings_from(ctx).pii_salt:
        _demo_secret(home / "demo" / "pii-salt", "KOLGRAPH_PII_SALT")
        click.echo(f"KOLGRAPH_PII_SALT not set: using the demo salt in {home / 'demo'}")
    settings = settings_from(ctx)
    click.echo(f"kolgraph home: {settings.home} (backend: {settings.backend})")
    started = time.monotonic()
    with store_from(ctx, apply_schema=False) as store:
        run_flow(store, settings, FlowOptions(persons=persons, seed=seed), _Steps())
        click.secho("\n== counts", bold=True)
        show_counts(db.counts(store))
    click.echo(f"   (flow: {time.monotonic() - started:.1f}s)")
    if not serve:
        return
    from kolgraph.cli.commands.serve import serve as serve_command
    from kolgraph.usecases.users import UserStore

    password = _demo_secret(settings.home / "demo" / "admin-password", "KOLGRAPH_DEMO_PASSWORD")
    UserStore.for_home(settings.home).add("admin", "admin", password)
    click.secho(f"\nweb UI: http://{host}:{port}/   user: admin   password: {password}",
                bold=True, fg="green")
    ctx.invoke(serve_command, host=host, port=port)


def _demo_secret(path: Path, variable: str) -> str:
    """A generated secret kept in ``path`` (mode 0600, created on first use so that later demo
    runs reuse it) and exported as the environment variable ``variable`` (the web app's jobs
    run kolgraph in child processes that need it too)."""
    import os

    if path.exists():
        secret = path.read_text().strip()
    else:
        secret = secrets.token_urlsafe(16)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secret + "\n")
    os.environ[variable] = secret
    return secret
