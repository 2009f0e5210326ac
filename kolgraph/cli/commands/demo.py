"""``kolgraph demo``: the whole flow on sample data, ending with the web UI running.

sample data -> ingest -> analyze -> refresh (GraphSAGE) -> admin user -> serve. Each step is
the same command a user would run; steps whose results are already there are skipped on a
second run (the ingest is idempotent anyway).
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import click

from kolgraph.cli.support import UserError, settings_from


def _run_step(title: str, args: list[str]) -> None:
    """Run ``kolgraph ARGS`` in this process, with a heading and its duration."""
    from kolgraph.cli import cli

    click.secho(f"\n== {title}: kolgraph {' '.join(args)}", bold=True)
    started = time.monotonic()
    status = cli.main(args=args, prog_name="kolgraph", standalone_mode=False)
    if isinstance(status, int) and status:
        raise UserError(f"demo step '{title}' failed with exit status {status}", status)
    click.echo(f"   ({time.monotonic() - started:.1f}s)")


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
    settings = settings_from(ctx)
    settings.home.mkdir(parents=True, exist_ok=True)
    data = settings.home / "demo" / f"sample-{persons}-{seed}"
    click.echo(f"kolgraph home: {settings.home} (backend: {settings.backend})")
    if not settings.pii_salt:
        _demo_secret(settings.home / "demo" / "pii-salt", "KOLGRAPH_PII_SALT")
        click.echo(f"KOLGRAPH_PII_SALT not set: using the demo salt in {settings.home / 'demo'}")
    _run_step("schema", ["db", "schema"])
    complete = data.with_name(data.name + ".complete")
    if not complete.exists():
        _run_step("sample data", ["sample", "--out", str(data), "--persons", str(persons),
                                  "--seed", str(seed)])
        complete.write_text("ok\n")
    _run_step("ingest", ["ingest", str(data)])
    _run_step("analyze", ["analyze", "--seed", str(seed)])
    _run_step("refresh", ["refresh"])
    _run_step("counts", ["db", "counts"])
    if not serve:
        return
    password = _demo_secret(settings.home / "demo" / "admin-password", "KOLGRAPH_DEMO_PASSWORD")
    _run_step("admin user", ["user", "add", "admin", "--role", "admin", "--password-env",
                             "KOLGRAPH_DEMO_PASSWORD"])
    click.secho(f"\nweb UI: http://{host}:{port}/   user: admin   password: {password}",
                bold=True, fg="green")
    _run_step("serve", ["serve", "--host", host, "--port", str(port)])


def _demo_secret(path: Path, variable: str) -> str:
    """A generated secret kept in ``path`` (mode 0600, created on first use so that later demo
    runs reuse it) and exported as the environment variable ``variable`` for the next steps."""
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
