"""The ``kolgraph`` console script.

Commands are plugins: each is a ``click`` command registered under the entry-point group
``kolgraph.commands`` in ``pyproject.toml`` and imported only when it runs, so that
``kolgraph --help`` stays fast (the GNN commands need PyTorch, the web ones Flask).
"""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint, entry_points

import click

from graph.errors import InvalidInput, KolgraphError
from graph.store.faults import DiskFull, is_disk_full_os_error, reason_of
from kolgraph.cli.support import UserError

COMMAND_GROUP = "kolgraph.commands"


def _entry_points(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


LEAF = "kolgraph.command"  # ctx.meta key (shared by nested contexts): the command running


class KolgraphGroup(click.Group):
    """A click group that records the command it runs in ``ctx.meta`` and words the errors
    of the layers below for the command line (``cli_error``)."""

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            ctx.meta[LEAF] = command
        return name, command, rest

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UserError:
            raise
        except KolgraphError as exc:
            raise cli_error(exc, ctx.meta.get(LEAF)) from exc


def cli_error(exc: KolgraphError, command: click.Command | None) -> UserError:
    """``exc`` worded for the command line, the one place that does it: the parameter it
    names becomes that command's flag (``resolution`` -> ``--resolution``, an argument its
    metavar, ``PERSON_ID``); exit status 2 for invalid input, 1 otherwise.

    >>> @click.command()
    ... @click.option("--weights", "weights_file")
    ... def analyze(weights_file: str) -> None: ...
    >>> str(cli_error(InvalidInput("weights_file", "no such file"), analyze))
    '--weights: no such file'
    """
    where = _param_name(command, exc.param) if exc.param else None
    return UserError(f"{where}: {exc.message}" if where else str(exc),
                     2 if isinstance(exc, InvalidInput) else 1)


def _param_name(command: click.Command | None, param: str) -> str:
    for option in command.params if command is not None else []:
        if option.name == param:
            if isinstance(option, click.Option):
                return max(option.opts, key=len)
            return option.human_readable_name
    return param


class PluginGroup(KolgraphGroup):
    """A click group whose subcommands come from an entry-point group."""

    def __init__(self, *args: object, plugin_group: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.plugin_group = plugin_group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_entry_points(self.plugin_group)))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        entry = _entry_points(self.plugin_group).get(cmd_name)
        if entry is None:
            return None
        try:
            return entry.load()
        except ImportError as exc:
            return _unavailable(cmd_name, exc)


def _unavailable(name: str, exc: ImportError) -> click.Command:
    """A stand-in for a command whose module cannot be imported: it says why, and fails."""

    @click.command(name=name, help=f"(unavailable: {exc})", context_settings={
        "ignore_unknown_options": True, "allow_extra_args": True})
    def command() -> None:
        raise UserError(f"kolgraph {name} is unavailable: {exc}")

    return command


@click.group(cls=PluginGroup, plugin_group=COMMAND_GROUP,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              envvar="KOLGRAPH_CONFIG", help="TOML file overriding the environment.")
@click.version_option(package_name="kolgraph")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None) -> None:
    """kolgraph: communities, KOLs and recommendations for multi-platform audiences.

    Typical flow: sample -> ingest -> analyze -> refresh -> serve (``kolgraph demo`` runs it).
    """
    ctx.obj = {"config_file": config_file}


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning expected failures into one-line errors."""
    try:
        status = cli.main(args=argv, prog_name="kolgraph", standalone_mode=False)
        if isinstance(status, int) and status:
            sys.exit(status)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KolgraphError as exc:
        error = exc if isinstance(exc, UserError) else cli_error(exc, None)
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except OSError as exc:
        if not is_disk_full_os_error(exc):
            raise
        full = DiskFull(exc.filename or "a file", reason_of(exc), database=False)
        click.echo(f"error: {full}", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
