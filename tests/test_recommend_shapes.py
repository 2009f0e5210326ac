"""Every shape of data runs ``ingest → analyze → refresh`` to completion with recommendations
written, against the real embedded database: social ties only (no contents, no topics),
engagements only (no ties), a few hundred persons on one platform with one-way follows and
persons with no ties at all (cold start)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from gnn.fit import FitParams
from gnn.refresh import RefreshOptions, refresh
from gnn.train import TrainParams
from graph.analytics.weights import load_weights
from graph.ingest.pipeline import ingest_folder
from kolgraph.usecases.analyze import AnalyzeParams, run_analysis

FAST = FitParams(gnn=TrainParams(epochs=20, eval_every=5, hidden=16, device="cpu"))
T0 = 1_760_000_000


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _folder(tmp_path: Path, persons: int, *, ties: bool, contents: bool,
            platforms: tuple[str, ...] = ("zhihu", "bilibili"), loners: int = 0,
            seed: int = 0) -> Path:
    """A small audience: ``persons`` accounts in communities of 30, follows mostly inside a
    community (one-way, toward its first members), engagements with contents of the
    community's topic; the last ``loners`` persons have no tie at all."""
    rng = np.random.default_rng(seed)
    folder = tmp_path / "input"
    folder.mkdir()
    plat = [platforms[i % len(platforms)] for i in range(persons)]
    _write(folder / "accounts.csv", ["platform", "account_id", "display_name", "followers"],
           [[plat[i], f"a{i}", f"用户{i}", int(rng.integers(0, 500))] for i in range(persons)])
    social = persons - loners
    if ties:
        rows, seen = [], set()
        for i in range(social):
            block = (i // 30) * 30
            for _ in range(4):
                j = (block + int(rng.integers(0, 10)) if rng.random() < 0.8
                     else int(rng.integers(0, social)))
                j = min(j, social - 1)
                if j != i and plat[i] == plat[j] and (i, j) not in seen:
                    seen.add((i, j))
                    rows.append([plat[i], f"a{i}", f"a{j}", "follow",
                                 T0 + int(rng.integers(0, 86_400 * 90))])
        _write(folder / "interactions.csv",
               ["platform", "src_account", "dst_account", "type", "timestamp"], rows)
    if contents:
        topics = ["育儿", "理财", "职场", "心理"]
        n_contents = 40
        _write(folder / "contents.csv",
               ["platform", "content_id", "creator_account", "title", "kind", "topic", "price"],
               [[plat[c], f"c{c}", f"a{c}", f"课程{c}", "course", topics[c % 4], 99 + c]
                for c in range(n_contents)])
        rows = []
        for i in range(persons):
            for _ in range(3):
                c = int(rng.integers(0, n_contents))
                if plat[c] == plat[i] and (rng.random() < 0.7 or c % 4 == (i // 30) % 4):
                    kind = "purchase" if rng.random() < 0.3 else "view"
                    rows.append([plat[i], f"a{i}", f"c{c}", kind,
                                 T0 + int(rng.integers(0, 86_400 * 90)),
                                 99 + c if kind == "purchase" else ""])
        _write(folder / "engagements.csv",
               ["platform", "account_id", "content_id", "type", "timestamp", "amount"], rows)
    return folder


def _flow(store, settings, folder: Path, home: Path):
    ingest_folder(store, settings, folder)
    run_analysis(store, load_weights(None), AnalyzeParams(seed=0))
    return refresh(store, home, RefreshOptions(k=5, device="cpu", fit_params=FAST))


def _kinds(store, run_id: str) -> dict[str, int]:
    rows = store.read("MATCH (:Person)-[r:RECOMMENDED]->() WHERE r.run_id = $r "
                      "RETURN r.kind AS kind, count(r) AS n", {"r": run_id}).rows
    return {row["kind"]: int(row["n"]) for row in rows}


def test_social_ties_only(store, settings, tmp_path):
    res = _flow(store, settings, _folder(tmp_path, 600, ties=True, contents=False),
                tmp_path / "home")
    assert _kinds(store, res.run_id) == {"people": 600 * 5}
    assert set(res.recommender) == {"people"}
    evidence = store.read("MATCH (:Person)-[r:RECOMMENDED]->() WHERE r.run_id = $r "
                          "RETURN r.reason AS reason, r.evidence AS evidence LIMIT 50",
                          {"r": res.run_id}).rows
    assert all(row["reason"] and isinstance(json.loads(row["evidence"]), dict)
               for row in evidence)


def test_engagements_only(store, settings, tmp_path):
    res = _flow(store, settings, _folder(tmp_path, 500, ties=False, contents=True),
                tmp_path / "home")
    kinds = _kinds(store, res.run_id)
    assert kinds.get("content", 0) >= 400 * 5
    assert kinds.get("people", 0) >= 500 * 5  # popular persons of the platform


@pytest.mark.parametrize("platforms", [("zhihu",)])
def test_three_hundred_persons_one_platform_with_cold_start(store, settings, tmp_path,
                                                            platforms):
    folder = _folder(tmp_path, 300, ties=True, contents=True, platforms=platforms, loners=20)
    res = _flow(store, settings, folder, tmp_path / "home")
    kinds = _kinds(store, res.run_id)
    assert kinds["people"] == 300 * 5
    loners = store.read(
        "MATCH (a:Account)<-[:HAS_ACCOUNT]-(p:Person)-[r:RECOMMENDED]->() "
        "WHERE a.account_id IN $ids AND r.run_id = $r "
        "RETURN r.kind AS kind, count(r) AS n",
        {"ids": [f"a{i}" for i in range(280, 300)], "r": res.run_id}).rows
    got = {row["kind"]: row["n"] for row in loners}
    assert got["people"] == 20 * 5 and got["content"] >= 20
