"""``kolgraph campaign``: create, list, show (with the plan: combined reach, what each KOL
adds, overlap, reach by community and platform, budget), change and delete campaigns, and
add or remove their KOLs (``kolgraph.usecases.campaigns``, as the web's campaign pages)."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

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

_DETAIL_FIELDS = ("campaign_id", "name", "status", "goal", "platforms", "communities",
                  "topics", "starts_on", "ends_on", "partner", "created_at", "created_by",
                  "updated_at")



@click.group(cls=KolgraphGroup)
def campaign() -> None:
    """Campaigns: saved selections of KOLs, their combined reach and overlap."""


def _field_options(function: Any) -> Any:
    for option in reversed([
        click.option("--goal", default=None, help="What the campaign is for."),
        click.option("--platform", "platforms", multiple=True,
                     help="A platform it runs on (repeat)."),
        click.option("--community", "communities", multiple=True, type=int,
                     help="A target community id (repeat)."),
        click.option("--topic", "topics", multiple=True, help="A target topic (repeat)."),
        click.option("--start", "starts_on", default=None, metavar="YYYY-MM-DD",
                     help="First day of its time window."),
        click.option("--end", "ends_on", default=None, metavar="YYYY-MM-DD",
                     help="Last day of its time window."),
        click.option("--partner", default=None, help="The partner brand or platform."),
    ]):
        function = option(function)
    return function


@campaign.command()
@click.argument("name")
@_field_options
@click.pass_context
def create(ctx: click.Context, name: str, **values: Any) -> None:
    """Create a campaign called NAME (a draft); prints its id."""
    from kolgraph.usecases import campaigns

    with store_from(ctx) as store:
        campaign_id = campaigns.create(store, {"name": name, **values}, cli_user())
    click.echo(campaign_id)


@campaign.command(name="list")
@format_option()
@click.pass_context
def list_(ctx: click.Context, fmt: str) -> None:
    """The campaigns, most recently changed first."""
    from kolgraph.usecases import campaigns

    with store_from(ctx) as store:
        rows = campaigns.list_all(store)
    write_rows(rows, ["campaign_id", "name", "status", "kols", "starts_on", "ends_on",
                      "partner", "updated_at"], fmt)


@campaign.command(name="set")
@click.argument("campaign_id", metavar="ID")
@click.option("--name", default=None, help="A new name.")
@_field_options
@click.option("--status", type=click.Choice(("draft", "launched", "closed")), default=None,
              help="A new status.")
@click.pass_context
def set_(ctx: click.Context, campaign_id: str, **values: Any) -> None:
    """Change fields of campaign ID (only those given; a repeated option replaces the list)."""
    from kolgraph.usecases import campaigns

    given = {k: v for k, v in values.items() if v not in (None, ())}
    launching = given.get("status") == "launched"
    with store_from(ctx) as store:
        campaigns.update(store, campaign_id,
                         {k: v for k, v in given.items() if k != "status" or not launching},
                         cli_user())
        if launching:
            _launch(ctx, store, campaign_id)
    click.echo(f"campaign {campaign_id}: " + (", ".join(sorted(given)) or "nothing")
               + " set")


def _launch(ctx: click.Context, store: Any, campaign_id: str) -> None:
    """Launch the campaign and report the webhook's delivery on stderr (a failed one exits 1
    after the launch is recorded)."""
    from kolgraph.usecases import campaign_export, webhook

    delivery = campaign_export.launch(store, campaign_id, cli_user(),
                                      webhook.configured(settings_from(ctx)))
    if delivery is None:
        click.echo("launched (no webhook configured: KOLGRAPH_CAMPAIGN_WEBHOOK)", err=True)
    elif delivery.ok:
        click.echo(f"launched; webhook {delivery.detail}", err=True)
    else:
        click.echo(f"error: launched, but the webhook was not delivered: {delivery.detail}; "
                   f"run kolgraph campaign launch {campaign_id} to send it again", err=True)
        ctx.exit(1)


@campaign.command()
@click.argument("campaign_id", metavar="ID")
@click.pass_context
def launch(ctx: click.Context, campaign_id: str) -> None:
    """Launch campaign ID: its status becomes launched and, when KOLGRAPH_CAMPAIGN_WEBHOOK is
    set, its audience segment is posted there (again, if it was launched before)."""
    with store_from(ctx) as store:
        _launch(ctx, store, campaign_id)


@campaign.command()
@click.argument("campaign_id", metavar="ID")
@click.argument("what", type=click.Choice(("kols", "audience")))
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              default="-", show_default=True,
              help="The file to write: a name ending in .xlsx gets an Excel workbook, any "
                   "other CSV (UTF-8 with BOM); - is standard output (CSV).")
@click.pass_context
def export(ctx: click.Context, campaign_id: str, what: str, out: str) -> None:
    """Export campaign ID's KOLS (handle and followers on every platform) or its AUDIENCE
    segment (person and platform account ids of everyone its KOLs reach, kept to its
    platforms and target communities), streamed, any length."""
    import sys

    from kolgraph.usecases import campaign_export

    to_file = out != "-"
    fmt = "xlsx" if to_file and out.lower().endswith(".xlsx") else "csv"
    with store_from(ctx) as store:
        download = campaign_export.download(store, campaign_id, what, fmt)
        written = 0
        with (open(out, "wb") if to_file else contextlib.nullcontext(sys.stdout.buffer)) \
                as sink:
            for chunk in download.chunks:
                sink.write(chunk)
                written += len(chunk)
    if to_file:
        click.echo(f"{out}: {written:,} bytes ({fmt})", err=True)


@campaign.command()
@click.argument("campaign_id", metavar="ID")
@click.argument("person_ids", metavar="PERSON_ID...", nargs=-1, required=True)
@click.option("--cost", default=None, help="The cost of each of these KOLs.")
@click.pass_context
def add(ctx: click.Context, campaign_id: str, person_ids: tuple[str, ...],
        cost: str | None) -> None:
    """Add persons to campaign ID's KOLs (or set their cost)."""
    from kolgraph.usecases import campaigns

    price = campaigns.cost_value(cost, "cost")
    with store_from(ctx) as store:
        added = campaigns.select(store, campaign_id, list(person_ids), cli_user(),
                                 costs={p: price for p in person_ids})
    click.echo(f"campaign {campaign_id}: {len(added)} KOLs added or updated")


@campaign.command()
@click.argument("campaign_id", metavar="ID")
@click.argument("person_ids", metavar="PERSON_ID...", nargs=-1, required=True)
@click.pass_context
def remove(ctx: click.Context, campaign_id: str, person_ids: tuple[str, ...]) -> None:
    """Remove persons from campaign ID's KOLs."""
    from kolgraph.usecases import campaigns

    with store_from(ctx) as store:
        removed = campaigns.deselect(store, campaign_id, list(person_ids), cli_user())
    click.echo(f"campaign {campaign_id}: {removed} KOLs removed")


@campaign.command()
@click.argument("campaign_id", metavar="ID")
@click.pass_context
def delete(ctx: click.Context, campaign_id: str) -> None:
    """Delete campaign ID (its audit trail stays in the graph)."""
    from kolgraph.usecases import campaigns

    with store_from(ctx) as store:
        campaigns.delete(store, campaign_id, cli_user())
    click.echo(f"campaign {campaign_id} deleted")


@campaign.command()
@click.argument("campaign_id", metavar="ID")
@format_option()
@click.pass_context
def log(ctx: click.Context, campaign_id: str, fmt: str) -> None:
    """The audit trail of campaign ID, oldest first."""
    from kolgraph.usecases import campaigns

    with store_from(ctx) as store:
        rows = campaigns.history(store, campaign_id)
    write_rows(rows, ["at", "user", "action", "detail"], fmt)


@campaign.command()
@click.argument("campaign_id", metavar="ID")
@click.option("--budget", default=None,
              help="Which KOLs with a cost to keep within this budget for the most reach.")
@format_option("table: the campaign, its KOLs and the plan; json: all of it; csv: one row "
               "per KOL.")
@click.pass_context
def show(ctx: click.Context, campaign_id: str, budget: str | None, fmt: str) -> None:
    """Campaign ID and its plan: the persons its KOLs reach together (each counted once),
    what each KOL adds, their pairwise overlap, and reach by community and platform."""
    from kolgraph.usecases import campaigns

    with store_from(ctx) as store:
        plan = campaigns.plan(store, campaign_id, budget=budget)
    kols = [{**k, "handle": _handle(k)} for k in plan.kols]
    columns = ["order", "person_id", "display_name", "handle", "community_id", "cost",
               "audience", "added", "unique"]
    if fmt == "json":
        write_value(dataclasses.asdict(plan))
        return
    if fmt == "csv":
        write_rows(kols, columns, "csv")
        return
    for key in _DETAIL_FIELDS:
        value = plan.campaign.get(key)
        if value not in (None, "", []):
            click.echo(f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    click.echo(f"\nreach: {plan.reach} persons (the audiences add up to {plan.audience_sum}; "
               f"{plan.audience_sum - plan.reach} would be reached more than once)\n")
    write_rows(sorted(kols, key=lambda k: k["order"]), columns, "table")
    if len(kols) > 1:
        click.echo("\noverlap (persons in both audiences):")
        names = [str(k["display_name"] or k["person_id"]) for k in plan.kols]
        write_rows([{"": f"{i + 1} {n}", **{str(j + 1): v for j, v in enumerate(line)}}
                    for i, (n, line) in enumerate(zip(names, plan.shared, strict=True))],
                   ["", *[str(j + 1) for j in range(len(names))]], "table")
    if plan.by_platform:
        click.echo("\nreach by platform:")
        write_rows(plan.by_platform, ["platform", "reach"], "table")
    if plan.by_community:
        click.echo("\nreach by community:")
        write_rows(plan.by_community, ["community_id", "title", "reach"], "table")
    if plan.budget is not None:
        click.echo(f"\nwithin the budget {plan.budget:g}: {len(plan.within_budget)} KOLs, "
                   f"cost {plan.budget_cost:g}, reach {plan.budget_reach}: "
                   + (", ".join(plan.within_budget) or "none (no KOL with a cost fits)"))


@campaign.command()
@click.argument("campaign_id", metavar="ID")
@click.option("--rule", type=click.Choice(("last_touch", "first_touch", "linear")),
              default="last_touch", show_default=True,
              help="How a purchase is split among the KOLs who led to it.")
@click.option("--lookback-days", "lookback_days", type=int, default=7, show_default=True,
              help="A purchase counts up to this many days after a KOL shared the content.")
@click.option("--partner-revenue", "partner_revenue", default=None,
              help="The partner's revenue from the campaign (R_par), for R_div = a*R + b*R_par "
                   "when the campaign's partner is a known partner.")
@format_option("table: totals and revenue by KOL, platform and community; json: all of it; "
               "csv: one row per attributed purchase and KOL.")
@click.pass_context
def report(ctx: click.Context, campaign_id: str, rule: str, lookback_days: int,
           partner_revenue: str | None, fmt: str) -> None:
    """What campaign ID earned: the purchases and subscriptions of contents its KOLs shared
    within its window, by persons of their audience, attributed under --rule."""
    from graph.analytics.attribution import ROW_COLUMNS
    from kolgraph.usecases import attribution

    with store_from(ctx) as store:
        found = attribution.report(store, campaign_id, rule=rule, lookback_days=lookback_days,
                                   partner_revenue=partner_revenue)
    if fmt == "json":
        write_value(dataclasses.asdict(found))
        return
    if fmt == "csv":
        write_rows(found.rows, [*ROW_COLUMNS, "community_id"], "csv")
        return
    totals = found.totals
    if not found.launched:
        click.echo(f"note: campaign {campaign_id} is {found.campaign.get('status')}, not "
                   "launched; the figures are what its KOLs caused so far", err=True)
    start, end = found.campaign.get("starts_on"), found.campaign.get("ends_on")
    click.echo(f"rule {found.rule}, lookback {found.lookback_days} days, window "
               f"{start or 'open'} – {end or 'open'} ({attribution.DEFAULT_TIMEZONE})")
    click.echo(f"attributed: {totals['attributed_purchases']} of {totals['purchases']} "
               f"purchases of the contents its KOLs shared, revenue "
               f"{totals['attributed_revenue']:,.2f} of {totals['revenue']:,.2f} "
               f"({totals['attributed_share']:.1%})")
    if found.partner is not None and found.divided_revenue is not None:
        click.echo(f"revenue shared with {found.partner['name']}: R_div = "
                   f"{found.partner['alpha']:g} x {totals['attributed_revenue']:,.2f} + "
                   f"{found.partner['beta']:g} x {found.partner_revenue:,.2f} = "
                   f"{found.divided_revenue:,.2f}")
    for title, rows, key in (("by KOL", found.per_kol, ["kol", "display_name"]),
                             ("by platform", found.per_platform, ["platform"]),
                             ("by community", found.per_community, ["community_id"])):
        if rows:
            click.echo(f"\n{title}:")
            write_rows(rows, [*key, "purchases", "credit", "revenue"], "table")


def _handle(kol: dict[str, Any]) -> str:
    accounts = kol.get("accounts") or []
    return f"{accounts[0]['platform']}:{accounts[0]['handle']}" if accounts else ""
