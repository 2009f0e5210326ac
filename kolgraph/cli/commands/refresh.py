"""``kolgraph refresh``: the nightly job — embeddings and recommendations as one refresh run
(``kolgraph.usecases.refresh``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from graph.progress import progress_bar
from kolgraph.cli.commands.train import DEVICES, echo_err
from kolgraph.cli.support import (
    UserError,
    format_option,
    settings_from,
    store_from,
    write_rows,
    write_value,
)

if TYPE_CHECKING:
    from gnn.refresh import RefreshResult


def _bar(total: int, desc: str) -> object:
    return progress_bar(total, desc, unit="persons")


@click.command(help="Nightly job: embed every person with GraphSAGE (training a model when "
                    "there is none), write embeddings, the vector index and the top-K "
                    "recommendations of the current model, or of the best heuristic where "
                    "no model beats it, as one refresh run. Resumes an interrupted run.")
@click.option("--retrain", is_flag=True, help="Train (and maybe promote) a model first.")
@click.option("--k", "k", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Recommendations per person and kind.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", type=DEVICES, default="auto", show_default=True)
@click.option("--batch-persons", type=click.IntRange(1), default=2000, show_default=True,
              help="Persons per written (and resumable) batch.")
@click.option("--epochs", type=click.IntRange(1), default=150, show_default=True,
              help="Maximum training epochs, when the refresh trains a model.")
@click.option("--hidden", type=click.IntRange(4), default=64, show_default=True,
              help="Embedding dimension, when the refresh trains a model.")
@format_option("table: one line; json, csv: the run's figures.")
@click.pass_context
def refresh(ctx: click.Context, retrain: bool, k: int, seed: int, device: str,
            batch_persons: int, epochs: int, hidden: int, fmt: str) -> None:
    from gnn.data.features import FeatureSchemaError
    from kolgraph.usecases.refresh import RefreshOptions, TrainParams
    from kolgraph.usecases.refresh import refresh as run_refresh

    settings = settings_from(ctx)
    opts = RefreshOptions(k=k, retrain=retrain, seed=seed, device=device,
                          batch_persons=batch_persons,
                          train_params=TrainParams(epochs=epochs, hidden=hidden, seed=seed,
                                                   device=device))
    with store_from(ctx) as store:
        try:
            result = run_refresh(store, settings.home, opts, log=echo_err, bar=_bar)
        except FeatureSchemaError as exc:
            raise UserError(f"{exc} (current model in {settings.models_dir}; "
                            "use kolgraph refresh --retrain)") from exc
    if fmt != "table":
        row = {"run_id": result.run_id, "model_id": result.model_id, "persons": result.persons,
               "recommendations": result.recommendations, "resumed": result.resumed,
               "trained": result.trained, **{f"{kind}_recommender": label for kind, label
                                             in result.recommender.items()}}
        if fmt == "json":
            write_value(row)
        else:
            write_rows([row], list(row), "csv")
        return
    click.echo(refresh_line(result))


def refresh_line(result: RefreshResult) -> str:
    """One line: the run, how many persons and recommendations, which recommender wrote
    each kind."""
    return (f"refresh {result.run_id}: {result.persons} persons, "
            f"{result.recommendations} recommendations ("
            + ", ".join(f"{kind} by {label}" for kind, label in result.recommender.items())
            + ")" + (" (resumed)" if result.resumed else ""))
