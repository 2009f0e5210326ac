"""Helpers shared by the CLI commands: settings, the store, errors, progress, output."""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any

import click

from graph.config import Settings, load_settings
from graph.errors import KolgraphError


class UserError(KolgraphError):
    """A failure worded for the command line (it may name a ``--flag``), shown as one
    ``error: ...`` line and exit status ``exit_code``. Errors of the layers below are
    ``graph.errors`` classes naming the parameter; the CLI words them (``cli_error``)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


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


def write_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str,
               out: IO[str] | None = None) -> None:
    """Print rows as an aligned ``table``, ``json`` (a list of row objects) or ``csv``."""
    out = out or sys.stdout
    if fmt == "json":
        json.dump(list(rows), out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
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
