"""Frames for the GNN straight from a sample folder (``kolgraph sample``), without a database:
for the benchmark on a machine that has none, and for quality tests on the sample's data.

Accounts are mapped to persons with the sample's ground truth (``<folder>.truth/persons.csv``)
when it is there, else each account is its own person (identity resolution is the ingest's
job; this is only a shortcut around the store).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gnn.data.graph import GraphData

TIES = ("follow", "mention", "reply", "comment", "share", "like")


def _read(folder: Path, name: str, columns: list[str]) -> pd.DataFrame:
    for ext, reader in ((".parquet", pd.read_parquet), (".csv", pd.read_csv),
                        (".jsonl", lambda p: pd.read_json(p, lines=True))):
        path = folder / f"{name}{ext}"
        if path.exists():
            frame = reader(path)
            missing = [c for c in columns if c not in frame]
            if missing:
                raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
            return frame[columns].astype({c: str for c in columns
                                          if c in ("account_id", "src_account", "dst_account",
                                                   "content_id", "creator_account")})
    raise FileNotFoundError(f"{folder}: no {name}.csv, .parquet or .jsonl")


def sample_frames(folder: Path, truth_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """``persons``, ``person_edges``, ``contents``, ``engagements`` of a sample folder."""
    folder = Path(folder)
    truth_dir = truth_dir or folder.with_name(folder.name + ".truth")
    accounts = _read(folder, "accounts", ["platform", "account_id", "followers"])
    accounts["key"] = accounts["platform"] + ":" + accounts["account_id"]
    truth = truth_dir / "persons.csv"
    if truth.exists():
        owners = pd.read_csv(truth, usecols=["person", "community", "accounts"])
        owners["key"] = owners["accounts"].str.split(";")
        owners = owners.explode("key")
        owner = dict(zip(owners["key"], owners["person"], strict=True))
        community = dict(zip(owners["person"], owners["community"], strict=True))
    else:
        owner = dict(zip(accounts["key"], accounts["key"], strict=True))
        community = {}
    accounts["person"] = accounts["key"].map(owner).fillna(accounts["key"])
    persons = accounts.groupby("person").agg(
        followers_total=("followers", "sum"),
        platforms=("platform", lambda s: "|".join(sorted(set(s))))).reset_index()
    persons = persons.rename(columns={"person": "person_id"})
    persons["community_id"] = persons["person_id"].map(community)

    inter = _read(folder, "interactions", ["platform", "src_account", "dst_account", "type"])
    inter = inter[inter["type"].isin(TIES)]
    src = (inter["platform"] + ":" + inter["src_account"]).map(owner)
    dst = (inter["platform"] + ":" + inter["dst_account"]).map(owner)
    edges = pd.DataFrame({"src": src, "dst": dst}).dropna()
    edges = edges.groupby(["src", "dst"]).size().rename("weight").reset_index()

    contents = _read(folder, "contents", ["platform", "content_id", "topic", "price"])
    contents["content_key"] = contents["platform"] + ":" + contents["content_id"]
    eng = _read(folder, "engagements", ["platform", "account_id", "content_id", "amount"])
    eng["person_id"] = (eng["platform"] + ":" + eng["account_id"]).map(owner)
    eng["content_key"] = eng["platform"] + ":" + eng["content_id"]
    eng["amount"] = pd.to_numeric(eng["amount"], errors="coerce").fillna(0.0)
    eng = eng.dropna(subset=["person_id"]).groupby(["person_id", "content_key"]).agg(
        count=("amount", "size"), amount=("amount", "sum")).reset_index()
    return {"persons": persons, "person_edges": edges,
            "contents": contents[["content_key", "platform", "topic", "price"]],
            "engagements": eng}


def sample_graph(folder: Path, truth_dir: Path | None = None) -> GraphData:
    """``sample_frames`` indexed as ``GraphData``."""
    f = sample_frames(folder, truth_dir)
    return GraphData.from_frames(f["persons"], f["person_edges"], f["contents"],
                                 f["engagements"])
