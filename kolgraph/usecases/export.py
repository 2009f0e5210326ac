"""Export: the current results as CSV (UTF-8) on a text stream — persons and communities of
the current analyze run, recommendations of the current refresh run. Each function returns
the run id and the number of rows written. Text cells that a spreadsheet would run as a
formula are prefixed with ``'`` (``graph.csv_cells``, as in the web's downloads)."""

from __future__ import annotations

import csv
from typing import IO

import pandas as pd

from graph.csv_cells import csv_cell
from graph.errors import NotReady
from graph.store import analytics_io, gnn_io
from graph.store.base import GraphStore
from kolgraph.usecases.recommend import current_refresh_run

PERSON_COLUMNS: list[str] = ["person_id", "display_name", "main_platform", "main_handle",
                             "accounts", "followers_total", *analytics_io.PERSON_VALUES,
                             "community_label"]
COMMUNITY_COLUMNS: list[str] = ["run_id", *analytics_io.COMMUNITY_PROPERTIES]
RECOMMENDATION_COLUMNS = ["person_id", "kind", "rank", "target_id", "score", "reason"]
TARGETS = ("persons", "communities", "recommendations")


def _current_analysis(store: GraphStore) -> str:
    run_id = analytics_io.current_analyze_run_id(store)
    if run_id is None:
        raise NotReady("no complete analyze run: run kolgraph analyze first")
    return run_id


def _safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell passed through ``csv_cell`` (numbers untouched)."""
    frame = frame.copy()
    for name in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[name]):
            frame[name] = frame[name].map(lambda v: csv_cell(v) if isinstance(v, str) else v)
    return frame


def main_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    """Each person's main account, the one with the most followers (ties: the smaller
    ``account_key``), from ``analytics_io.read_accounts`` rows: ``person, main_platform,
    main_handle`` (the account id on its platform), so that same-named persons are told apart.

    >>> rows = pd.DataFrame({"person": ["a", "a", "b"], "platform": ["zhihu", "bilibili", "dedao"],
    ...                      "account_key": ["zhihu:a1", "bilibili:a2", "dedao:b1"],
    ...                      "followers": [10, 50, None]})
    >>> main_accounts(rows)["main_handle"].tolist()
    ['a2', 'b1']
    """
    ordered = accounts.assign(_followers=pd.to_numeric(accounts["followers"]).fillna(0)) \
        .sort_values(["person", "_followers", "account_key"], ascending=[True, False, True],
                     kind="stable").drop_duplicates("person")
    handles = [str(key).split(":", 1)[1] if ":" in str(key) else str(key)
               for key in ordered["account_key"]]
    return pd.DataFrame({"person": ordered["person"].to_numpy(),
                         "main_platform": ordered["platform"].to_numpy(),
                         "main_handle": handles})


def _community_labels(store: GraphStore, run_id: str) -> dict[int, str]:
    """``community_id -> `` the name an admin gave it, else its stored label."""
    communities = analytics_io.read_communities(store, run_id)
    return {int(c): str(name or label or "") for c, name, label
            in zip(communities["community_id"], communities["name"], communities["label"],
                   strict=True)}


def export_persons(store: GraphStore, out: IO[str]) -> tuple[str, int]:
    """Every person with their main account (platform and handle: same-named persons differ),
    accounts, community (id and label) and KOL values, best KOL first."""
    run_id = _current_analysis(store)
    frame = analytics_io.read_person_results(store)
    main = main_accounts(analytics_io.read_accounts(store)).set_index("person")
    frame["main_platform"] = frame["person_id"].map(main["main_platform"])
    frame["main_handle"] = frame["person_id"].map(main["main_handle"])
    labels = _community_labels(store, run_id)
    frame["community_label"] = [labels.get(int(c), "") if pd.notna(c) else ""
                                for c in frame["community_id"]]
    frame = frame.sort_values(["kol_rank", "person_id"], na_position="last", kind="stable")
    frame["accounts"] = [";".join(a) if isinstance(a, list) else "" for a in frame["accounts"]]
    for column in ("community_id", "reach", "kol_rank", "community_rank", "followers_total"):
        frame[column] = frame[column].astype("Int64")
    _safe_text(frame[PERSON_COLUMNS]).to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL,
                                             lineterminator="\n")
    return run_id, len(frame)


def export_communities(store: GraphStore, out: IO[str]) -> tuple[str, int]:
    """Every community of the current run with its profile (JSON columns as text)."""
    run_id = _current_analysis(store)
    frame = analytics_io.read_communities(store, run_id)
    frame.insert(0, "run_id", run_id)
    _safe_text(frame[COMMUNITY_COLUMNS]).to_csv(out, index=False, lineterminator="\n")
    return run_id, len(frame)


def export_recommendations(store: GraphStore, out: IO[str]) -> tuple[str, int]:
    """Every recommendation of the current refresh run, person by person."""
    run_id = str(current_refresh_run(store)["run_id"])
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RECOMMENDATION_COLUMNS)
    count = 0
    for batch in gnn_io.stream_recommendations(store, run_id):
        for row in batch:
            writer.writerow([csv_cell(row[c]) for c in RECOMMENDATION_COLUMNS])
            count += 1
    return run_id, count
