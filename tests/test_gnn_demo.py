"""``refresh`` on the demo data: the flow of ``kolgraph demo`` (``kolgraph.workflow``: sample,
ingest, analyze, refresh); then a person added by a later ingest gets recommendations at the
next refresh, with the same model (no retraining)."""

from __future__ import annotations

import csv
import time
from dataclasses import replace
from pathlib import Path

from graph.store import gnn_io
from kolgraph.usecases.ingest import ingest
from kolgraph.usecases.refresh import RefreshOptions, refresh
from kolgraph.workflow import FlowOptions, run_flow

PERSONS = 1000
K = 5


def _zhihu_accounts(sample: Path, count: int) -> list[str]:
    with (sample / "accounts.csv").open(encoding="utf-8") as fh:
        return [r["account_id"] for r in csv.DictReader(fh) if r["platform"] == "zhihu"][:count]


def _newcomer_folder(folder: Path, peers: list[str]) -> None:
    folder.mkdir()
    with (folder / "accounts.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform", "account_id", "display_name", "followers"])
        writer.writerow(["zhihu", "newcomer-1", "新来的", 2])
    with (folder / "interactions.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform", "src_account", "dst_account", "type", "timestamp"])
        for i, peer in enumerate(peers):
            # a minute ago: rows dated beyond the ingest's clock are quarantined
            writer.writerow(["zhihu", "newcomer-1", peer, "follow", int(time.time()) - 60 + i])


def test_refresh_on_the_demo_data_then_a_newcomer_without_retraining(store, settings,
                                                                      tmp_path):
    sample = tmp_path / "sample"
    home = tmp_path / "home"
    settings = replace(settings, home=home)
    flow = run_flow(store, settings, FlowOptions(persons=PERSONS, seed=7, sample_dir=sample, k=K,
                                                   device="cpu"))
    assert flow.sample.persons == PERSONS and flow.analysis is not None
    first = flow.refresh
    assert first.trained == first.model_id and first.persons == PERSONS
    assert store.scalar("MATCH (p:Person) WHERE p.embedding IS NOT NULL "
                        "RETURN count(p)") == PERSONS
    kinds = store.read("MATCH (:Person)-[r:RECOMMENDED {run_id: $r}]->() "
                       "RETURN r.kind AS kind, count(r) AS n ORDER BY kind",
                       {"r": first.run_id}).rows
    assert [row["kind"] for row in kinds] == ["content", "people"]
    assert all(row["n"] >= PERSONS for row in kinds)

    peers = _zhihu_accounts(sample, 3)
    _newcomer_folder(tmp_path / "later", peers)
    ingest(store, settings, tmp_path / "later")
    newcomer = store.scalar("MATCH (p:Person)-[:HAS_ACCOUNT]->(:Account {account_key: $k}) "
                            "RETURN p.person_id", {"k": "zhihu:newcomer-1"})
    assert newcomer and gnn_io.person_embedding(store, newcomer) is None
    second = refresh(store, home, RefreshOptions(k=K, seed=7, device="cpu"))
    assert second.trained is None and second.model_id == first.model_id
    assert second.persons == PERSONS + 1
    assert gnn_io.person_embedding(store, newcomer) is not None
    people = gnn_io.recommendations_for(store, second.run_id, newcomer, "people", K)
    content = gnn_io.recommendations_for(store, second.run_id, newcomer, "content", K)
    assert len(people) == K and len(content) == K
    followed = {row["id"] for row in store.read(
        "MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) WHERE a.account_key IN $keys "
        "RETURN p.person_id AS id", {"keys": [f"zhihu:{p}" for p in peers]}).rows}
    assert len(followed) == 3 and followed.isdisjoint(r["target_id"] for r in people)
