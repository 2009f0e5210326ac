"""``kolgraph partner``: partners (异业联盟) — create them with their revenue share, import
their customer lists (hashed at import, only the matched persons kept), and see the overlap
with our persons by community and platform and the KOLs that reach their customers best
(``kolgraph.usecases.partners``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from kolgraph.cli.main import KolgraphGroup
from kolgraph.cli.support import (
    cli_user,
    format_option,
    settings_from,
    store_from,
    write_rows,
    write_value,
)

_PARTNER_COLUMNS = ["partner_id", "name", "alpha", "beta", "customers", "matched",
                    "imported_at"]
_DETAIL_FIELDS = ("partner_id", "name", "alpha", "beta", "customers", "matched",
                  "import_mode", "imported_at", "imported_by", "created_at", "created_by",
                  "updated_at")



@click.group(cls=KolgraphGroup)
def partner() -> None:
    """Partners (异业联盟): customer-list overlap, the KOLs that reach it, revenue share."""


@partner.command()
@click.argument("name")
@click.option("--alpha", default=None, help="Weight of our revenue R in R_div = α·R + β·R_par "
              "(default 1.0).")
@click.option("--beta", default=None, help="Weight of the partner's revenue R_par "
              "(default 0.0).")
@click.pass_context
def create(ctx: click.Context, name: str, alpha: str | None, beta: str | None) -> None:
    """Create a partner called NAME; prints its id."""
    from kolgraph.usecases import partners

    with store_from(ctx) as store:
        partner_id = partners.create(store, name, alpha, beta, cli_user())
    click.echo(partner_id)


@partner.command(name="import")
@click.argument("partner_id", metavar="ID")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--hashed", is_flag=True,
              help="The values are already hashed in kolgraph's form with the agreed salt "
                   "(see docs/partners.md); else raw values are hashed here with "
                   "KOLGRAPH_PII_SALT.")
@format_option("table: the import report and refused rows; json: the report; csv: the "
               "refused rows.")
@click.pass_context
def import_(ctx: click.Context, partner_id: str, path: Path, hashed: bool, fmt: str) -> None:
    """Import partner ID's customer list FILE (CSV, UTF-8; columns phone, email and/or
    unionid) and match it against our persons; replaces the previous import's matches."""
    from kolgraph.usecases import partners

    salt = settings_from(ctx).pii_salt
    with store_from(ctx) as store:
        report = partners.import_customers(store, partner_id, path, hashed, salt, cli_user())
    problems = [{"line": p.line, "column": p.column, "reason": p.reason, "code": p.code}
                for p in report.problems]
    if fmt == "json":
        write_value({**dataclasses.asdict(report), "problems": problems})
        return
    if fmt == "csv":
        write_rows([{"file": report.file, **p} for p in problems],
                   ["file", "line", "column", "reason"], "csv")
        return
    click.echo(f"{report.file}: {report.rows} rows, {report.accepted} accepted, "
               f"{report.rejected} rejected ({'pre-hashed' if report.hashed else 'raw'} "
               f"values in {', '.join(report.columns)}"
               + (f"; ignored columns: {', '.join(report.ignored_columns)}"
                  if report.ignored_columns else "") + ")")
    click.echo("values: " + ", ".join(f"{k} {v}" for k, v in report.values.items())
               + f"; {report.distinct_hashes} distinct")
    click.echo(f"matched: {report.matched} persons ("
               + ", ".join(f"{k} {v}" for k, v in report.matched_by_kind.items()) + ")")
    if problems:
        more = report.problem_count - len(problems)
        click.echo(f"\n{report.problem_count} problems" + (f" (first {len(problems)})"
                                                           if more else "") + ":")
        write_rows([{"file": report.file, **p} for p in problems],
                   ["file", "line", "column", "reason"], "table")


@partner.command(name="list")
@format_option()
@click.pass_context
def list_(ctx: click.Context, fmt: str) -> None:
    """The partners, by name."""
    from kolgraph.usecases import partners

    with store_from(ctx) as store:
        rows = partners.list_all(store)
    write_rows(rows, _PARTNER_COLUMNS, fmt)


@partner.command()
@click.argument("partner_id", metavar="ID")
@format_option("table: the partner, overlap by community and platform; json: all of it; "
               "csv: one row per community.")
@click.pass_context
def show(ctx: click.Context, partner_id: str, fmt: str) -> None:
    """Partner ID and the overlap of its customers with our persons: match rate, and the
    matched persons by community (of the current analysis) and by platform."""
    from kolgraph.usecases import partners

    with store_from(ctx) as store:
        found = partners.overlap(store, partner_id)
    if fmt == "json":
        write_value(dataclasses.asdict(found))
        return
    if fmt == "csv":
        write_rows(found.by_community, ["community_id", "title", "matched", "size", "share"],
                   "csv")
        return
    for key in _DETAIL_FIELDS:
        value = found.partner.get(key)
        if value not in (None, ""):
            click.echo(f"{key}: {value}")
    click.echo(f"\noverlap: {found.matched} of our persons match {found.customers} customer "
               f"rows (match rate {found.match_rate:.1%})")
    if found.by_community:
        click.echo("\nby community (share: of the community's persons):")
        write_rows(found.by_community, ["community_id", "title", "matched", "size", "share"],
                   "table")
    if found.unassigned:
        click.echo(f"({found.unassigned} matched persons are in no community)")
    if found.by_platform:
        click.echo("\nby platform (share: of our persons on the platform):")
        write_rows(found.by_platform, ["platform", "matched", "size", "share"], "table")


@partner.command()
@click.argument("partner_id", metavar="ID")
@click.option("--k", "k", type=int, default=20, show_default=True,
              help="How many KOLs to list.")
@click.option("--candidates", type=int, default=500, show_default=True,
              help="How many of the highest-scored KOLs to look at.")
@format_option()
@click.pass_context
def kols(ctx: click.Context, partner_id: str, k: int, candidates: int, fmt: str) -> None:
    """The KOLs whose audience holds the most of partner ID's matched customers."""
    from graph.analytics.partners import KOL_COLUMNS
    from kolgraph.usecases import partners

    with store_from(ctx) as store:
        rows = partners.best_kols(store, partner_id, k, candidates)
    write_rows(rows, list(KOL_COLUMNS), fmt)


@partner.command(name="set")
@click.argument("partner_id", metavar="ID")
@click.option("--name", default=None, help="A new name.")
@click.option("--alpha", default=None, help="A new weight of our revenue.")
@click.option("--beta", default=None, help="A new weight of the partner's revenue.")
@click.pass_context
def set_(ctx: click.Context, partner_id: str, name: str | None, alpha: str | None,
         beta: str | None) -> None:
    """Change the name or revenue share of partner ID (only those given)."""
    from kolgraph.usecases import partners

    given = {k: v for k, v in {"name": name, "alpha": alpha, "beta": beta}.items()
             if v is not None}
    with store_from(ctx) as store:
        partners.update(store, partner_id, given, cli_user())
    click.echo(f"partner {partner_id}: " + (", ".join(sorted(given)) or "nothing") + " set")


@partner.command()
@click.argument("partner_id", metavar="ID")
@click.pass_context
def delete(ctx: click.Context, partner_id: str) -> None:
    """Delete partner ID and forget its matched customers."""
    from kolgraph.usecases import partners

    with store_from(ctx) as store:
        partners.delete(store, partner_id, cli_user())
    click.echo(f"partner {partner_id} deleted")
