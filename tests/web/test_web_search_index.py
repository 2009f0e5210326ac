"""The web search answers from an in-memory index (``graph.search_index``) built from one
store read (``web_reads.search_rows``): the read on both backends, the index agreeing with
the store's own search over it, and a new ingest seen by the next search."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from graph.config import Settings
from graph.ingest.pipeline import ingest_folder
from graph.search_index import SearchIndex, SearchRow
from graph.store import web_reads
from graph.store.base import GraphStore
from graph.store.runs import current_run, utc_now
from web import data
from web.app import create_app

ACCOUNTS = "platform,account_id,display_name,followers\n"
QUERIES = ("zhou", "zhoushu", "Zhou Shu", "zssy", "育儿", "yuer", "叔说", "PARENT", "zs_bili",
           "用户", "yonghu", "user1", "nobody", "'")


def _folder(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "accounts.csv").write_text(ACCOUNTS + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


_ROWS = ["zhihu,parent_club,周叔说育儿,500", "bilibili,zs_bili,周叔说育儿,30",
         "zhihu,yuer_exact,育儿,7", "dedao,weekly,育儿周刊,9",
         *(f"zhihu,user{i},用户{i},{i % 4}" for i in range(30))]


@pytest.fixture
def loaded(any_store: GraphStore, settings: Settings, tmp_path: Path) -> GraphStore:
    cfg = dataclasses.replace(settings, home=tmp_path / "home")
    ingest_folder(any_store, cfg, _folder(tmp_path / "in", _ROWS))
    return any_store


def _index(store: GraphStore, batch_size: int = 50_000) -> SearchIndex:
    return SearchIndex(SearchRow(r["person_id"], r["search_key"], r["kol_score"],
                                 r["followers_total"])
                       for rows in web_reads.search_rows(store, batch_size) for r in rows)


def test_search_rows_read_every_person_in_batches(loaded: GraphStore) -> None:
    batches = list(web_reads.search_rows(loaded, batch_size=7))
    rows = [r for b in batches for r in b]
    assert len(batches) > 1 and all(len(b) <= 7 for b in batches)
    stored = {r["person_id"]: r["key"] for r in loaded.read(
        "MATCH (p:Person) RETURN p.person_id AS person_id, p.search_key AS key").rows}
    assert {r["person_id"]: r["search_key"] for r in rows} == stored
    assert len(rows) == len(stored) == len(_ROWS)
    assert set(rows[0]) == {"person_id", "search_key", "kol_score", "followers_total"}


def test_the_index_agrees_with_the_store_search(loaded: GraphStore) -> None:
    loaded.write("MATCH (p:Person) WHERE p.followers_total = 2 SET p.kol_score = 0.5")
    index = _index(loaded, batch_size=10)
    some_id = web_reads.search(loaded, "用户7")[0]["person_id"]
    for query in (*QUERIES, some_id):
        assert index.count(query) == web_reads.search_count(loaded, query), query
        for skip, limit in ((0, 20), (20, 20), (3, 5)):
            found = web_reads.search(loaded, query, skip=skip, limit=limit)
            assert index.page(query, skip, limit) == [
                (r["person_id"], r["matched"]) for r in found], (query, skip)


def test_a_new_ingest_is_seen_by_the_next_search(
        store: GraphStore, settings: Settings, tmp_path: Path) -> None:
    cfg = dataclasses.replace(settings, home=tmp_path / "home")
    ingest_folder(store, cfg, _folder(tmp_path / "in", _ROWS))
    app = create_app(cfg, store, cookie_secure=False)
    with app.test_request_context("/search"):
        data.warm()
        assert data.search("刘老师", 1, 20)["total"] == 0
        assert data.search("周叔说", 1, 20)["total"] == 2
    # runs are ordered by their end to the second: two ingests ending in the same second tie
    # (graph.store.runs.current_run), so the second one starts in a later second
    first = current_run(store, "ingest")
    assert first is not None
    first_end = first["finished_at"]
    while utc_now() <= first_end:
        time.sleep(0.05)
    ingest_folder(store, cfg, _folder(tmp_path / "in2", ["zhihu,liu_t,刘老师讲课,12"]))
    with app.test_request_context("/search"):
        found = data.search("liulaoshi", 1, 20)
        assert found["total"] == 1
        assert [(r["main_handle"], r["matched"]) for r in found["items"]] == [
            ("liu_t", "pinyin")]
        assert data.search("周叔说", 1, 20)["total"] == 2
