"""``kolgraph query``: run a read-only Cypher query (inline or from a file) with parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from graph.cli_support import UserError, store_from, write_rows


def parse_param(text: str) -> tuple[str, Any]:
    """Parse ``name=value``; the value is JSON when it parses as JSON, else a string.

    >>> parse_param("k=10"), parse_param("name=张三"), parse_param('ids=["a","b"]')
    (('k', 10), ('name', '张三'), ('ids', ['a', 'b']))
    """
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name or not name.replace("_", "").isalnum():
        raise UserError(f"parameter {text!r}: expected -p name=value", 2)
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError:
        return name, raw


def load_query_text(source: str) -> tuple[str, str]:
    """The query text and a label for messages: a ``.cypher`` file path or inline Cypher."""
    path = Path(source)
    if source.endswith(".cypher") or (len(source) < 4096 and path.is_file()):
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise UserError(f"{source}: cannot read query file: {exc}", 2) from exc
    return source, "inline query"


@click.command()
@click.argument("source", required=False)
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter; the value is parsed as JSON when it can be.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output format (json: a list of row objects).")
@click.option("--limit", type=click.IntRange(min=0), default=None,
              help="Row cap (default from KOLGRAPH_QUERY_ROW_CAP, 1000; 0 for no cap).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.001), default=None,
              help="Seconds before the database stops the query (default 30).")
@click.pass_context
def query(ctx: click.Context, source: str | None, params: tuple[str, ...], fmt: str,
          limit: int | None, timeout_s: float | None) -> None:
    """Run a read-only Cypher query: SOURCE is a .cypher file or the query text.

    The database refuses any write. Example:

        kolgraph query "MATCH (p:Person) RETURN p.display_name AS name LIMIT \\$n" -p n=5
    """
    if not source:
        raise UserError("give a query: kolgraph query 'MATCH ... RETURN ...' or FILE.cypher", 2)
    text, label = load_query_text(source)
    bound = dict(parse_param(p) for p in params)
    from graph.cli_support import settings_from
    from graph.store import QuerySyntaxError, QueryTimeout, ReadOnlyViolation

    settings = settings_from(ctx)
    cap = settings.query_row_cap if limit is None else limit
    timeout = settings.query_timeout_s if timeout_s is None else timeout_s
    with store_from(ctx, apply_schema=False) as store:
        try:
            result = store.read(text, bound, timeout_s=timeout, limit=cap or None)
        except ReadOnlyViolation as exc:
            raise UserError(f"{label}: refused: queries are read-only ({exc})") from exc
        except QueryTimeout as exc:
            raise UserError(f"{label}: stopped after the {timeout:g}s timeout "
                            "(raise it with --timeout)") from exc
        except QuerySyntaxError as exc:
            raise UserError(f"{label}: {exc}", 2) from exc
    write_rows(result.rows, result.columns, fmt)
    if result.truncated:
        click.echo(f"-- truncated at {cap} rows (--limit 0 for all)", err=True)
