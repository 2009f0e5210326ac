"""``kolgraph community``: name a community of the current analyze run (the name the web
pages show instead of its label, kept by later runs while the community keeps its id), or
clear the name (``kolgraph.usecases.analyze.rename_community``, as the web's Rename form)."""

from __future__ import annotations

import click

from kolgraph.cli.main import KolgraphGroup
from kolgraph.cli.support import UserError, store_from


@click.group(cls=KolgraphGroup)
def community() -> None:
    """Communities of the current analyze run: rename one."""


@community.command()
@click.argument("community_id", metavar="ID", type=int)
@click.argument("name", metavar="[NAME]", required=False)
@click.option("--clear", is_flag=True, help="Remove the name: the community shows its label "
              "(top topics and top KOL) again.")
@click.pass_context
def rename(ctx: click.Context, community_id: int, name: str | None, clear: bool) -> None:
    """Give community ID of the current analyze run the name NAME (at most 60 characters),
    shown instead of its label on the web pages and kept by later analyze runs while the
    community keeps its id; --clear removes it."""
    from kolgraph.usecases.analyze import rename_community

    if clear == (name is not None):
        raise UserError("give NAME or --clear (one of them)", 2)
    with store_from(ctx) as store:
        stored = rename_community(store, community_id, "" if clear else str(name))
    click.echo(f"community {community_id}: " + (f"named {stored!r}" if stored
                                                 else "name cleared (shows its label)"))
