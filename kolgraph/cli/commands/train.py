"""CLI commands of the GNN part: ``train``, ``models``, ``refresh``, ``recommend``,
``similar`` and ``export recommendations`` (entry points in ``pyproject.toml``)."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from graph.progress import progress_bar
from kolgraph.cli.support import UserError, settings_from, store_from, write_rows

FORMATS = click.Choice(["table", "json", "csv"])
DEVICES = click.Choice(["auto", "cpu", "cuda"])


def _echo(message: str) -> None:
    click.echo(message, err=True)


def _bar(total: int, desc: str) -> object:
    return progress_bar(total, desc, unit="persons")


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
@click.pass_context
def train(ctx: click.Context, epochs: int, hidden: int, lr: float, seed: int, device: str,
          batch_size: int) -> None:
    from gnn.fit import FitParams
    from gnn.jobs import load_graph, train_job
    from gnn.train import TrainParams

    settings = settings_from(ctx)
    params = FitParams(gnn=TrainParams(epochs=epochs, hidden=hidden, lr=lr, seed=seed,
                                       device=device, batch_size=batch_size), seed=seed)
    with store_from(ctx) as store:
        data = load_graph(store)
        _echo(f"graph: {data.counts()}")
        outcome = train_job(store, settings.models_dir, data, params, log=_echo)
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
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--promote", "promote_id", metavar="MODEL_ID", default=None,
              help="Make this model the current one (an operator's decision; the automatic "
                   "promotion rule is in kolgraph train).")
@click.pass_context
def models(ctx: click.Context, fmt: str, promote_id: str | None) -> None:
    from gnn.registry import RegistryError, list_models, set_current

    models_dir = settings_from(ctx).models_dir
    if promote_id is not None:
        try:
            set_current(models_dir, promote_id)
        except RegistryError as exc:
            raise UserError(f"--promote: {exc}", 2) from exc
        click.echo(f"model {promote_id} is now current")
        return
    rows = list_models(models_dir)
    columns = ["current", "model_id", "created_at", "promoted", "persons", "epochs",
               "people_recommender", "val_recall@50_people", "best_heuristic_people",
               "content_recommender", "val_recall@50_content", "best_heuristic_content"]
    if not rows and fmt == "table":
        click.echo("no models yet; run kolgraph train")
        return
    write_rows(rows, columns, fmt)


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
@click.pass_context
def refresh(ctx: click.Context, retrain: bool, k: int, seed: int, device: str,
            batch_persons: int, epochs: int, hidden: int) -> None:
    from gnn.data.features import FeatureSchemaError
    from gnn.refresh import RefreshOptions
    from gnn.refresh import refresh as run_refresh
    from gnn.train import TrainParams

    settings = settings_from(ctx)
    opts = RefreshOptions(k=k, retrain=retrain, seed=seed, device=device,
                          batch_persons=batch_persons,
                          train_params=TrainParams(epochs=epochs, hidden=hidden, seed=seed,
                                                   device=device))
    with store_from(ctx) as store:
        try:
            result = run_refresh(store, settings.home, opts, log=_echo, bar=_bar)
        except FeatureSchemaError as exc:
            raise UserError(f"{exc} (current model in {settings.models_dir}; "
                            "use kolgraph refresh --retrain)") from exc
    click.echo(f"refresh {result.run_id}: {result.persons} persons, "
               f"{result.recommendations} recommendations ("
               + ", ".join(f"{kind} by {label}" for kind, label in result.recommender.items())
               + ")" + (" (resumed)" if result.resumed else ""))


def _current_refresh_run(store: object) -> dict:
    from graph.store.runs import current_run

    run = current_run(store, "refresh")  # type: ignore[arg-type]
    if run is None:
        raise UserError("no complete refresh run yet; run kolgraph refresh")
    return run


def _current_refresh(store: object) -> str:
    return str(_current_refresh_run(store)["run_id"])


@click.command(help="Show the current recommendations of one person.")
@click.argument("person_id")
@click.option("--kind", type=click.Choice(["people", "content"]), default="people",
              show_default=True)
@click.option("--k", "k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_context
def recommend(ctx: click.Context, person_id: str, kind: str, k: int, fmt: str) -> None:
    from graph.store import gnn_io

    with store_from(ctx) as store:
        run = _current_refresh_run(store)
        run_id = str(run["run_id"])
        if not gnn_io.person_exists(store, person_id):
            raise UserError(f"PERSON_ID: no person {person_id!r}")
        rows = gnn_io.recommendations_for(store, run_id, person_id, kind, k)
    stored = int((run.get("params") or {}).get("k") or 0)
    if len(rows) < k:
        why = (f"the refresh run {run_id} stored {stored} per person and kind; "
               f"kolgraph refresh --k {k} stores more" if stored and stored < k
               else f"only {len(rows)} candidates were found for this person")
        _echo(f"note: --k {k} asked, {len(rows)} {kind} recommendations shown: {why}")
    write_rows(rows, ["rank", "target_id", "name", "score", "reason"], fmt)


@click.command(help="Look-alike persons by embedding, through the vector index.")
@click.argument("person_id")
@click.option("--k", "k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_context
def similar(ctx: click.Context, person_id: str, k: int, fmt: str) -> None:
    from graph.store import gnn_io

    with store_from(ctx) as store:
        if not gnn_io.person_exists(store, person_id):
            raise UserError(f"PERSON_ID: no person {person_id!r}")
        try:
            rows = gnn_io.similar_persons(store, person_id, k)
        except LookupError as exc:
            raise UserError(f"PERSON_ID: {person_id!r} has no embedding yet; run kolgraph "
                            "refresh") from exc
    write_rows(rows, ["person_id", "display_name", "similarity", "community_id", "kol_score"],
               fmt)


EXPORT_COLUMNS = ["person_id", "kind", "rank", "target_id", "score", "reason"]


@click.command(name="recommendations",
               help="Export the current refresh run's recommendations as CSV.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV file to write.")
@click.pass_context
def export_recommendations(ctx: click.Context, out: Path) -> None:
    from graph.store import gnn_io

    if out.parent and not out.parent.exists():
        raise UserError(f"--out: folder {out.parent} does not exist")
    count = 0
    with store_from(ctx) as store:
        run_id = _current_refresh(store)
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(EXPORT_COLUMNS)
            for batch in gnn_io.stream_recommendations(store, run_id):
                for row in batch:
                    writer.writerow([row[c] for c in EXPORT_COLUMNS])
                    count += 1
    click.echo(f"wrote {count} recommendations of {run_id} to {out}")
