"""``kolgraph train`` and ``kolgraph models``: fit, compare and promote the recommender; list
the trained models and promote one by hand (``kolgraph.usecases.train``)."""

from __future__ import annotations

import click

from kolgraph.cli.support import format_option, settings_from, store_from, write_rows, write_value

DEVICES = click.Choice(["auto", "cpu", "cuda"])


def echo_err(message: str) -> None:
    click.echo(message, err=True)


@click.command(help="Train the recommender (GraphSAGE embeddings + a learned ranker per task), "
                    "compare its stored top-K with every heuristic on held-out ties "
                    "(recall, precision, NDCG, MRR) and promote it when it beats the best "
                    "heuristic of a task on validation recall@50.")
@click.option("--epochs", type=click.IntRange(1), default=150, show_default=True,
              help="Maximum epochs (early stopping on validation).")
@click.option("--hidden", type=click.IntRange(4), default=64, show_default=True,
              help="Embedding dimension.")
@click.option("--lr", type=click.FloatRange(0, min_open=True), default=0.01,
              show_default=True, help="Learning rate.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--device", type=DEVICES, default="auto", show_default=True)
@click.option("--batch-size", type=click.IntRange(0), default=0, show_default=True,
              help="Mini-batches of this many target pairs with neighbour sampling "
                   "(0: full batch up to 20M training edges, mini-batches of 4096 above).")
@format_option("table: the evaluation and the decision; json: both; csv: the evaluation "
               "rows.")
@click.pass_context
def train(ctx: click.Context, epochs: int, hidden: int, lr: float, seed: int, device: str,
          batch_size: int, fmt: str) -> None:
    from gnn.train import TrainParams
    from kolgraph.usecases.train import FitParams
    from kolgraph.usecases.train import train as run_train

    settings = settings_from(ctx)
    params = FitParams(gnn=TrainParams(epochs=epochs, hidden=hidden, lr=lr, seed=seed,
                                       device=device, batch_size=batch_size), seed=seed)
    with store_from(ctx) as store:
        outcome = run_train(store, settings.models_dir, params, log=echo_err)
    if fmt == "json":
        write_value({"model_id": outcome.model_id, "promoted": outcome.promoted,
                     "decision": outcome.decision, "previous": outcome.previous,
                     "recommender": outcome.result.choice, "evaluation": outcome.result.rows})
        return
    if fmt == "csv":
        rows = outcome.result.rows
        write_rows(rows, list(dict.fromkeys(c for r in rows for c in r)), "csv")
        return
    click.echo(outcome.table)
    click.echo("recommender per task: " + ", ".join(
        f"{kind} {name}" for kind, name in outcome.result.choice.items()))
    if outcome.promoted:
        click.echo(f"model {outcome.model_id} promoted to current ({outcome.decision})")
    else:
        kept = outcome.previous or "none"
        click.echo(f"model {outcome.model_id} NOT promoted: {outcome.decision}; "
                   f"current model stays {kept}; refresh writes the best heuristic's "
                   "recommendations")


@click.command(help="List the trained models (newest first; * = current). --promote MODEL_ID "
                    "makes a model current by hand, even one that did not beat the heuristics.")
@format_option()
@click.option("--promote", "model_id", metavar="MODEL_ID", default=None,
              help="Make this model the current one (an operator's decision; the automatic "
                   "promotion rule is in kolgraph train).")
@click.pass_context
def models(ctx: click.Context, fmt: str, model_id: str | None) -> None:
    from kolgraph.usecases.models import models as list_models
    from kolgraph.usecases.models import promote

    models_dir = settings_from(ctx).models_dir
    if model_id is not None:
        promote(models_dir, model_id)
        click.echo(f"model {model_id} is now current")
        return
    rows = list_models(models_dir)
    columns = ["current", "model_id", "created_at", "promoted", "persons", "epochs",
               "people_recommender", "val_recall@50_people", "best_heuristic_people",
               "content_recommender", "val_recall@50_content", "best_heuristic_content"]
    if not rows and fmt == "table":
        click.echo("no models yet; run kolgraph train")
        return
    write_rows(rows, columns, fmt)
