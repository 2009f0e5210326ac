"""Search by substring and by pinyin, with paging (issue 19, item 4).

The store read (``graph.store.web_reads.search``) is tested on both backends over a small
ingested folder (the keys are written by the ingest); the pages and the API on the web
sample of ``tests/web/conftest.py``.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from graph.config import Settings
from graph.ingest.pipeline import ingest_folder
from graph.names import names_part, pinyin_forms, pinyin_query, search_key
from graph.store import web_reads
from graph.store.base import GraphStore
from web.params import SEARCH_CHARS, SEARCH_PAGE_SIZE

ACCOUNTS = "platform,account_id,display_name,followers\n"
USERS = 25


def _folder(folder: Path) -> Path:
    """Two persons named 周叔说育儿 (different platforms and followers), 育儿 and 育儿周刊,
    and ``USERS`` persons named 用户N."""
    rows = ["zhihu,parent_club,周叔说育儿,500", "bilibili,zs_bili,周叔说育儿,30",
            "zhihu,yuer_exact,育儿,7", "dedao,weekly,育儿周刊,9"]
    rows += [f"zhihu,user{i},用户{i},{i}" for i in range(USERS)]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "accounts.csv").write_text(ACCOUNTS + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def loaded(any_store: GraphStore, settings: Settings, tmp_path: Path) -> GraphStore:
    cfg = dataclasses.replace(settings, home=tmp_path / "home")
    ingest_folder(any_store, cfg, _folder(tmp_path / "in"))
    return any_store


def _names(rows: list[dict]) -> list[str]:
    return [r["display_name"] for r in rows]


def test_pinyin_keys_of_a_chinese_name() -> None:
    assert pinyin_forms("周叔说育儿") == ("zhoushushuoyuer", "zssye")
    key = search_key(["周叔说育儿", "ZhouShu_Parent"])
    assert "\nzhoushu_parent\n" in names_part(key) and "\n周叔说育儿\n" in names_part(key)
    assert all(pinyin_query(q) in key and pinyin_query(q) not in names_part(key)
               for q in ("zssy", "Zhou Shu Shuo", "shuoyu"))


@pytest.mark.parametrize("query", ["zhou", "zhoushu", "zssy", "ZhouShu", "zhou shu"])
def test_a_chinese_name_is_found_by_pinyin(loaded: GraphStore, query: str) -> None:
    rows = web_reads.search(loaded, query)
    also = ["育儿周刊"] if query == "zhou" else []  # yuerzhoukan
    assert _names(rows) == ["周叔说育儿", "周叔说育儿", *also]
    assert {r["matched"] for r in rows} == {"pinyin"}
    assert web_reads.search_count(loaded, query) == 2 + len(also)


def test_a_middle_substring_finds_the_name_and_tells_namesakes_apart(loaded: GraphStore
                                                                      ) -> None:
    rows = web_reads.search(loaded, "叔说")
    assert _names(rows) == ["周叔说育儿", "周叔说育儿"]
    assert [r["matched"] for r in rows] == ["substring", "substring"]
    # same names: the most followed first, each with its own main handle
    assert [(r["followers_total"], r["main_platform"], r["main_handle"]) for r in rows] == [
        (500, "zhihu", "parent_club"), (30, "bilibili", "zs_bili")]


def test_handles_are_searched_case_insensitively(loaded: GraphStore) -> None:
    assert [r["main_handle"] for r in web_reads.search(loaded, "PARENT")] == ["parent_club"]
    exact = web_reads.search(loaded, "zs_bili")
    assert [(r["main_handle"], r["matched"]) for r in exact] == [("zs_bili", "exact")]


def test_exact_before_prefix_before_substring_before_pinyin(loaded: GraphStore) -> None:
    rows = web_reads.search(loaded, "育儿")
    assert [(r["display_name"], r["matched"]) for r in rows] == [
        ("育儿", "exact"), ("育儿周刊", "prefix"), ("周叔说育儿", "substring"),
        ("周叔说育儿", "substring")]
    by_pinyin = web_reads.search(loaded, "yuer")
    assert {r["display_name"] for r in by_pinyin} == {"育儿", "育儿周刊", "周叔说育儿"}


def test_paging_gives_every_person_once_with_the_right_total(loaded: GraphStore) -> None:
    for query in ("用户", "yonghu"):
        assert web_reads.search_count(loaded, query) == USERS
        first = web_reads.search(loaded, query, skip=0, limit=20)
        second = web_reads.search(loaded, query, skip=20, limit=20)
        assert (len(first), len(second)) == (20, USERS - 20)
        ids = [r["person_id"] for r in first + second]
        assert len(set(ids)) == USERS
        # ties (no kol score yet) by followers: 用户24 has the most
        assert first[0]["display_name"] == f"用户{USERS - 1}"


def test_reingest_writes_the_keys_of_persons_that_have_none(
        loaded: GraphStore, settings: Settings, tmp_path: Path) -> None:
    loaded.write("MATCH (p:Person) REMOVE p.search_key")  # a graph from before search keys
    assert web_reads.search_count(loaded, "zhoushu") == 0
    cfg = dataclasses.replace(settings, home=tmp_path / "home2")
    ingest_folder(loaded, cfg, tmp_path / "in")
    assert web_reads.search_count(loaded, "zhoushu") == 2
    assert loaded.scalar("MATCH (p:Person) WHERE p.search_key IS NULL "
                         "RETURN count(p) AS n") == 0


def test_a_person_id_is_an_exact_match_counted_once(loaded: GraphStore) -> None:
    pid = web_reads.search(loaded, "用户3")[0]["person_id"]
    found = web_reads.search(loaded, pid)
    assert [(r["person_id"], r["matched"]) for r in found] == [(pid, "exact")]
    assert web_reads.search_count(loaded, pid) == 1


# ------------------------------------------------------------------------- web and API
def test_a_sample_person_is_found_by_pinyin_on_the_page_and_the_api(client_as, web_sample
                                                                     ) -> None:
    client = client_as("viewer")
    top = client.get(f"/api/v1/persons/{web_sample.top_person_id}").get_json()["person"]
    full = pinyin_forms(top["display_name"].casefold())[0]
    body = client.get("/api/v1/search", query_string={"q": full}).get_json()
    assert body["total"] >= 1 and body["page"] == 1
    pages = [body]
    while pages[-1]["has_next"] and len(pages) < 20:
        pages.append(client.get("/api/v1/search", query_string={
            "q": full, "page": len(pages) + 1}).get_json())
    found = [r for p in pages for r in p["items"] if r["person_id"] == web_sample.top_person_id]
    assert found and found[0]["initial"] == top["display_name"][:1]
    html = client.get("/search", query_string={"q": full}).get_data(as_text=True)
    assert 'class="kg-avatar' in html and 'id="search-results"' in html


def test_search_totals_and_page_count(client_as, web_sample) -> None:
    client = client_as("viewer")
    top = client.get(f"/api/v1/persons/{web_sample.top_person_id}").get_json()["person"]
    surname = top["display_name"][:1]
    first = client.get("/api/v1/search", query_string={"q": surname}).get_json()
    total = first["total"]
    assert total > SEARCH_PAGE_SIZE, "a common surname spans pages"
    assert first["pages"] == math.ceil(total / SEARCH_PAGE_SIZE)
    assert len(first["items"]) == SEARCH_PAGE_SIZE and first["has_next"]
    last = client.get("/api/v1/search", query_string={"q": surname,
                                                      "page": first["pages"]}).get_json()
    assert len(last["items"]) == total - SEARCH_PAGE_SIZE * (first["pages"] - 1)
    assert not last["has_next"]
    html = client.get("/search", query_string={"q": surname}).get_data(as_text=True)
    assert f'data-total="{total}"' in html and 'rel="next"' in html


@pytest.mark.parametrize("path", ["/api/v1/search", "/search"])
def test_an_over_long_query_is_a_400_naming_q(client_as, path: str) -> None:
    response = client_as("viewer").get(path, query_string={"q": "周" * (SEARCH_CHARS + 1)})
    assert response.status_code == 400
    if path.startswith("/api"):
        assert response.get_json()["parameter"] == "q"
    else:
        assert "q" in response.get_data(as_text=True)
