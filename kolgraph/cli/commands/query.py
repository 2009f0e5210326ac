"""``kolgraph query``: run a read-only Cypher query — a library query by name, a ``.cypher``
file, or inline Cypher — with parameters, a timeout and a row cap.

How SOURCE is read (no ambiguity): a single word of lowercase letters, digits and ``_``
(``^[a-z][a-z0-9_]*$``) is the name of a library query in ``cypher/library/`` (an unknown name
is an error, never Cypher); otherwise a path ending in ``.cypher`` or naming an existing
file is a query file; anything else is inline Cypher.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from kolgraph.cli.support import UserError, settings_from, store_from, write_rows


def parse_param(text: str) -> tuple[str, str]:
    """Split ``name=value`` into its name and its raw text value.

    >>> parse_param("k=10"), parse_param("name=张三")
    (('k', '10'), ('name', '张三'))
    """
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name or not name.replace("_", "").isalnum():
        raise UserError(f"parameter {text!r}: expected -p name=value", 2)
    return name, raw


def json_value(raw: str) -> Any:
    """An inline/file query's parameter value: JSON when it parses as JSON, else the text.

    >>> json_value("10"), json_value("张三"), json_value('["a","b"]')
    (10, '张三', ['a', 'b'])
    """
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def load_query_text(source: str) -> tuple[str, str]:
    """The query text and a label for messages: a ``.cypher`` file path or inline Cypher."""
    path = Path(source)
    if source.endswith(".cypher") or (len(source) < 4096 and path.is_file()):
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise UserError(f"{source}: cannot read query file: {exc}", 2) from exc
    return source, "inline query"


def _library_rows(fmt: str) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per library query; the table leaves the description out (JSON, CSV: in)."""
    from graph.querylib import LibraryError, list_queries

    try:
        queries = list_queries()
    except LibraryError as exc:
        raise UserError(str(exc), 2) from exc
    rows = [{"name": q.name, "title": q.title, "description": q.description,
             "example": q.example,
             "parameters": " ".join(
                 p.name if p.required else f"[{p.name}={json.dumps(p.default, ensure_ascii=False)}]"
                 for p in q.params)} for q in queries]
    columns = ["name", "title", "parameters"]
    return rows, columns if fmt == "table" else columns + ["description", "example"]


def _library_query(name: str, params: tuple[str, ...], *,
                   bind: bool) -> tuple[Any, dict[str, Any]]:
    """The library query ``name`` and its typed parameters (when ``bind``); errors before
    anything runs."""
    from graph.querylib import LibraryError, ParameterError, UnknownQuery, bind_params, get_query

    try:
        query = get_query(name)
        raw = dict(parse_param(p) for p in params)
        return query, (bind_params(query, raw) if bind else {})
    except (UnknownQuery, ParameterError, LibraryError) as exc:
        raise UserError(str(exc), 2) from exc


def _run(ctx: click.Context, text: str | None, library: Any, bound: dict[str, Any], label: str,
         *, fmt: str, limit: int | None, timeout_s: float | None, explain: bool,
         show: bool) -> None:
    from graph.store import QuerySyntaxError, QueryTimeout, ReadOnlyViolation

    settings = settings_from(ctx)
    cap = settings.query_row_cap if limit is None else limit
    timeout = settings.query_timeout_s if timeout_s is None else timeout_s
    with store_from(ctx, apply_schema=False) as store:
        query_text = library.text(store.dialect) if library is not None else text
        if show:
            click.echo(query_text)
            return
        try:
            if explain:
                click.echo(store.explain(query_text, bound))
                return
            if library is not None:
                from graph.querylib import run_bound

                result = run_bound(store, library, bound, limit=cap, timeout_s=timeout)
            else:
                result = store.read(query_text, bound, timeout_s=timeout, limit=cap or None)
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


@click.command()
@click.argument("source", required=False)
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter. Library queries convert it to the type their header "
                   "declares; for inline/file queries it is parsed as JSON when it can be.")
@click.option("--list", "list_", is_flag=True, help="List the library queries and exit.")
@click.option("--explain", is_flag=True, help="Print the database's plan instead of running.")
@click.option("--show", is_flag=True,
              help="Print the query text (a library query: for this database) and exit.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output format (json: a list of row objects).")
@click.option("--limit", type=click.IntRange(min=0), default=None,
              help="Row cap (default from KOLGRAPH_QUERY_ROW_CAP, 1000; 0 for no cap).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.001), default=None,
              help="Seconds before the database stops the query (default 30).")
@click.pass_context
def query(ctx: click.Context, source: str | None, params: tuple[str, ...], list_: bool,
          explain: bool, show: bool, fmt: str, limit: int | None,
          timeout_s: float | None) -> None:
    """Run a read-only Cypher query. SOURCE is a library query NAME (see --list), a
    .cypher file, or the query text. The database refuses any write.

    \b
    Examples:
        kolgraph query --list
        kolgraph query top_kols_in_community -p community_id=3 -p k=10
        kolgraph query --explain kol_audience -p person_id=P7380c7553d4f240c
        kolgraph query "MATCH (p:Person) RETURN p.display_name AS name LIMIT $n" -p n=5
    """
    from graph.querylib import NAME_PATTERN

    if list_:
        rows, columns = _library_rows(fmt)
        write_rows(rows, columns, fmt)
        return
    if not source:
        raise UserError("give a query: kolgraph query NAME (see --list), "
                        "'MATCH ... RETURN ...' or FILE.cypher", 2)
    options = {"fmt": fmt, "limit": limit, "timeout_s": timeout_s, "explain": explain,
               "show": show}
    if NAME_PATTERN.match(source):
        library, bound = _library_query(source, params, bind=not show)
        _run(ctx, None, library, bound, f"library query {source}", **options)
        return
    text, label = load_query_text(source)
    bound = {name: json_value(raw) for name, raw in (parse_param(p) for p in params)}
    _run(ctx, text, None, bound, label, **options)
