"""``kolgraph serve``: the web UI with waitress."""

from __future__ import annotations

import ipaddress
import os
import threading
from typing import TYPE_CHECKING

import click

from kolgraph.cli.support import UserError, settings_from

if TYPE_CHECKING:  # the web app is imported when the command runs (kolgraph --help stays fast)
    from flask import Flask

    from graph.config import Settings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8050, show_default=True)
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Worker threads of waitress (per process).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes sharing the port (one per core uses them all).")
@click.option("--cookie-secure/--no-cookie-secure", default=None,
              help="Secure flag of the session cookie (default: on, except when listening on "
                   "a loopback address over plain http).")
@click.option("--behind-proxy", is_flag=True,
              help="Trust X-Forwarded-Proto/-For/-Host of one reverse proxy (https there).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int, workers: int,
          cookie_secure: bool | None, behind_proxy: bool) -> None:
    """Serve the web UI with waitress (production WSGI server) until Ctrl-C."""
    from web.server import listen, serve_socket, serve_workers

    settings = settings_from(ctx)
    if cookie_secure is None and os.environ.get("KOLGRAPH_COOKIE_SECURE") is None:
        cookie_secure = behind_proxy or not _is_loopback(host)

    def make_app() -> Flask:
        return _build_app(settings, cookie_secure, behind_proxy)

    app = make_app() if workers == 1 else None  # check the store before listening
    try:
        sock = listen(host, port)
    except OSError as exc:
        raise UserError(f"--port: cannot listen on {host}:{port}: {exc}") from exc
    click.echo(f"kolgraph web UI on http://{host}:{port}/ (home {settings.home}; "
               f"{workers} process(es) x {threads} threads; Ctrl-C stops)", err=True)
    if app is not None:
        serve_socket(app, sock, threads)
        return
    status = serve_workers(make_app, sock, threads, workers)
    if status:
        raise UserError("a server process ended unexpectedly; see the messages above")


def _build_app(settings: Settings, cookie_secure: bool | None, behind_proxy: bool) -> Flask:
    """The app of one server process, its caches warming in the background."""
    from graph.store import StoreError
    from graph.store.embedded import EmbeddedServerError
    from web import warmup
    from web.app import create_app

    try:
        app = create_app(settings, cookie_secure=cookie_secure)
    except (StoreError, EmbeddedServerError) as exc:
        raise UserError(str(exc)) from exc
    threading.Thread(target=_import_models, name="kolgraph-models", daemon=True).start()
    warmup.install(app, done=lambda seconds: click.echo(
        f"kolgraph web UI: pages' caches warmed in {seconds:.1f} s (pid {os.getpid()})",
        err=True))
    if behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    return app


def _import_models() -> None:
    """Import the model registry (PyTorch) before the first visitor of the Runs page needs
    it; a failure here only means a slower first request."""
    import logging

    try:
        import kolgraph.usecases.train  # noqa: F401  (the Runs page lists the models)
    except Exception:  # noqa: BLE001
        logging.getLogger("kolgraph.web").exception("importing the model registry failed")
