"""``kolgraph recommend`` and ``kolgraph similar``: one person's current recommendations and
look-alikes (``kolgraph.usecases.recommend``)."""

from __future__ import annotations

import click

from kolgraph.cli.commands.train import echo_err
from kolgraph.cli.support import format_option, store_from, write_rows
from kolgraph.usecases.recommend import KINDS


@click.command(help="Show the current recommendations of one person.")
@click.argument("person_id")
@click.option("--kind", type=click.Choice(KINDS), default="people", show_default=True)
@click.option("--k", "k", type=click.IntRange(1, 1000), default=10, show_default=True)
@format_option()
@click.pass_context
def recommend(ctx: click.Context, person_id: str, kind: str, k: int, fmt: str) -> None:
    from kolgraph.usecases import recommend as usecase

    with store_from(ctx) as store:
        found = usecase.recommendations(store, person_id, kind, k)
    rows, stored = found.rows, found.stored_k
    if len(rows) < k:
        why = (f"the refresh run {found.run_id} stored {stored} per person and kind; "
               f"kolgraph refresh --k {k} stores more" if stored and stored < k
               else f"only {len(rows)} candidates were found for this person")
        echo_err(f"note: --k {k} asked, {len(rows)} {kind} recommendations shown: {why}")
    write_rows(rows, ["rank", "target_id", "name", "score", "reason"], fmt)


@click.command(help="Look-alike persons by embedding, through the vector index.")
@click.argument("person_id")
@click.option("--k", "k", type=click.IntRange(1, 1000), default=10, show_default=True)
@format_option()
@click.pass_context
def similar(ctx: click.Context, person_id: str, k: int, fmt: str) -> None:
    from kolgraph.usecases import recommend as usecase

    with store_from(ctx) as store:
        rows = usecase.similar(store, person_id, k)
    write_rows(rows, ["person_id", "display_name", "similarity", "community_id", "kol_score"],
               fmt)
