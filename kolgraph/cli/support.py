"""Helpers shared by the CLI commands: settings, the store, errors, and the conventions of
every command's output.

Conventions (checked by ``tests/test_cli_conventions.py``):

- a command that prints results takes ``--format table|json|csv`` (``format_option``;
  the ``--json`` flag of earlier versions is a hidden alias of ``--format json``);
- ``--out FILE`` writes a file, and ``--out -`` standard output (``out_option``,
  ``open_out``); an ``--out`` that names a folder refuses ``-``;
- the same thing has the same option name everywhere: ``--k`` (how many), ``--seed``,
  ``--limit`` (rows), ``--format``, ``--out``, ``--device``, ``--epochs``, ``--hidden``.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar, cast

import click

from graph.config import Settings, load_settings
from graph.csv_cells import csv_cell
from graph.errors import KolgraphError


class UserError(KolgraphError):
    """A failure worded for the command line (it may name a ``--flag``), shown as one
    ``error: ...`` line and exit status ``exit_code``. Errors of the layers below are
    ``graph.errors`` classes naming the parameter; the CLI words them (``cli_error``)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def cli_user() -> str:
    """Who acts, as audit trails record it: ``cli:<login>``."""
    try:
        login = os.environ.get("USER") or getpass.getuser()
    except OSError:
        login = str(os.getuid())
    return f"cli:{login}"


def settings_from(ctx: click.Context) -> Settings:
    """The settings for this invocation (environment + ``--config`` file)."""
    root = ctx.find_root()
    return load_settings((root.obj or {}).get("config_file"))


@contextlib.contextmanager
def store_from(ctx: click.Context, *, apply_schema: bool = True) -> Iterator[Any]:
    """Open the configured store for the length of a command."""
    from graph.store import open_store

    store = open_store(settings_from(ctx), apply_schema=apply_schema)
    try:
        yield store
    finally:
        store.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _csv_cell(value: Any) -> object:
    """A CSV cell: text that a spreadsheet would run as a formula quoted (``csv_cell``),
    numbers formatted as in the table."""
    return csv_cell(value) if isinstance(value, str) else _cell(value)


def write_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str,
               out: IO[str] | None = None) -> None:
    """Print rows as an aligned ``table``, ``json`` (a list of row objects) or ``csv`` (text
    cells that a spreadsheet would run as a formula prefixed with ``'``)."""
    out = out or sys.stdout
    if fmt == "json":
        json.dump(list(rows), out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
    else:
        cells = [[_cell(row.get(c)) for c in columns] for row in rows]
        widths = [max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
        header = "  ".join(_pad(c, w) for c, w in zip(columns, widths, strict=True))
        out.write(header.rstrip() + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for r in cells:
            out.write("  ".join(_pad(v, w) for v, w in zip(r, widths, strict=True)).rstrip() + "\n")


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


FORMATS = ("table", "json", "csv")
F = TypeVar("F", bound=Callable[..., Any])


def format_option(help_text: str = "Output format.") -> Callable[[F], F]:
    """``--format table|json|csv`` (the callback's ``fmt``), with the hidden ``--json`` of
    earlier versions as a deprecated alias of ``--format json``."""
    def decorate(function: F) -> F:
        @functools.wraps(function)
        def callback(*args: Any, fmt: str, json_alias: bool, **kwargs: Any) -> Any:
            if json_alias:
                click.echo("warning: --json is deprecated; use --format json", err=True)
                fmt = "json"
            return function(*args, fmt=fmt, **kwargs)

        with_json = click.option("--json", "json_alias", is_flag=True, hidden=True,
                                 help="Deprecated: --format json.")(callback)
        return cast(F, click.option("--format", "fmt", type=click.Choice(FORMATS),
                                    default="table", show_default=True,
                                    help=help_text)(with_json))

    return decorate


def out_option(help_text: str, *, required: bool = True) -> Callable[[F], F]:
    """``--out FILE`` (the callback's ``out``); ``-`` is standard output."""
    return click.option("--out", "out", required=required, help=f"{help_text} ('-': standard "
                        "output).", type=click.Path(dir_okay=False, allow_dash=True,
                                                    path_type=Path))


@contextlib.contextmanager
def open_out(out: Path) -> Iterator[IO[str]]:
    """A text stream for ``--out``: standard output for ``-``, else a part file renamed to
    ``out`` once complete (a failed command leaves no file, a reader never sees half of
    one)."""
    if str(out) == "-":
        yield sys.stdout
        return
    if not out.parent.exists():
        raise UserError(f"--out: folder {out.parent} does not exist")
    part = out.with_name(f".{out.name}.part")
    try:
        with part.open("w", newline="", encoding="utf-8") as fh:
            yield fh
        part.replace(out)
    finally:
        part.unlink(missing_ok=True)


def refuse_dash(out_dir: Path) -> Path:
    """A folder given to ``--out``: ``-`` (standard output) cannot hold one."""
    if str(out_dir) == "-":
        raise UserError("--out: '-' (standard output) cannot hold a folder of files; "
                        "give a folder", 2)
    return out_dir


def write_value(value: Any, out: IO[str] | None = None) -> None:
    """``value`` as indented JSON (``--format json`` of a summary)."""
    out = out or sys.stdout
    json.dump(value, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")
