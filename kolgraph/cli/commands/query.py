"""``kolgraph query``: run a read-only Cypher query — a library query by name, a ``.cypher``
file, or inline Cypher — with parameters, a timeout and a row cap.

How SOURCE is read (no ambiguity): a single word of lowercase letters, digits and ``_``
(``^[a-z][a-z0-9_]*$``) is the name of a library query in ``cypher/library/`` (an unknown name
is an error, never Cypher); otherwise a path ending in ``.cypher`` or naming an existing
file is a query file; anything else is inline Cypher.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import click

from graph.errors import InvalidInput
from graph.query_values import plain
from graph.querylib import NAME_PATTERN, LibraryQuery, ParameterError
from graph.store import QueryMemoryExceeded, QuerySyntaxError, QueryTimeout, ReadOnlyViolation
from kolgraph.cli.support import UserError, format_option, settings_from, store_from, write_rows
from kolgraph.usecases import query as usecase


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


def param_message(exc: ParameterError) -> str:
    """A library query's parameter error in this command's terms: a missing one says how to
    give it (``-p NAME=VALUE``)."""
    if exc.problem == "missing":
        return f"{exc.message}; give -p {exc.name}=VALUE"
    return exc.message


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
    if source.endswith(".cypher") or _is_file(path):
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise UserError(f"{source}: cannot read query file: {exc}", 2) from exc
    return source, "inline query"


def _is_file(path: Path) -> bool:
    """Whether ``path`` names an existing file; text that cannot be a path (a name longer
    than the system allows, a NUL character) is not one.

    >>> _is_file(Path("MATCH (n) RETURN n " * 30)), _is_file(Path("a" + chr(0) + "b"))
    (False, False)
    """
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _library_rows(fmt: str) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per library query; the table leaves the description out (JSON, CSV: in)."""
    columns = ["name", "title", "parameters"]
    return usecase.library(), columns if fmt == "table" else columns + ["description", "example"]


def _run(ctx: click.Context, text: str | None, library: LibraryQuery | None,
         bound: dict[str, Any], label: str, *, fmt: str, limit: int | None,
         timeout_s: float | None, explain: bool, show: bool) -> None:
    """Run (``--explain``: plan, ``--show``: print) the query; the store's refusals worded
    with the query's ``label`` and this command's options; values printed as
    ``graph.query_values.plain`` makes them (the same from both databases)."""
    settings = settings_from(ctx)
    with store_from(ctx, apply_schema=False) as store:
        query_text = usecase.text_of(store, library) if library is not None else text
        assert query_text is not None
        if show:
            click.echo(query_text)
            return
        try:
            if explain:
                click.echo(usecase.explain(store, query_text, bound))
                return
            result = usecase.run(store, settings, text=text, query=library, params=bound,
                                 limit=limit, timeout_s=timeout_s)
        except ReadOnlyViolation as exc:
            raise UserError(f"{label}: refused: queries are read-only ({exc})") from exc
        except QueryTimeout as exc:
            timeout = settings.query_timeout_s if timeout_s is None else timeout_s
            raise UserError(f"{label}: stopped after the {timeout:g}s timeout "
                            "(raise it with --timeout)") from exc
        except QueryMemoryExceeded as exc:
            raise UserError(f"{label}: stopped by the database at its memory limit for one "
                            f"query (the database is still up) ({exc})") from exc
        except QuerySyntaxError as exc:
            raise UserError(f"{label}: {exc}", 2) from exc
        except InvalidInput as exc:
            where = label if exc.param == "cypher" else f"-p {exc.param}"
            raise UserError(f"{where}: {exc.message}", 2) from exc
    rows = [{c: plain(row.get(c)) for c in result.columns} for row in result.rows]
    write_rows(rows, result.columns, fmt)
    if result.truncated:
        cap = settings.query_row_cap if limit is None else limit
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
@format_option("Output format (json: a list of row objects).")
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
    if list_:
        rows, columns = _library_rows(fmt)
        write_rows(rows, columns, fmt)
        return
    if not source:
        raise UserError("give a query: kolgraph query NAME (see --list), "
                        "'MATCH ... RETURN ...' or FILE.cypher", 2)
    run = functools.partial(_run, ctx, fmt=fmt, limit=limit, timeout_s=timeout_s,
                            explain=explain, show=show)
    if NAME_PATTERN.match(source):
        raw = dict(parse_param(p) for p in params)
        try:
            library, bound = usecase.library_query(source, raw, bind=not show)
        except ParameterError as exc:
            raise UserError(param_message(exc), 2) from exc
        run(None, library, bound, f"library query {source}")
        return
    text, label = load_query_text(source)
    bound = {name: json_value(raw) for name, raw in (parse_param(p) for p in params)}
    run(text, None, bound, label)
