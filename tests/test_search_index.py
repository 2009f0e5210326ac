"""The in-memory search index (``graph.search_index``): the same answer as a plain filter
over the same rows, whatever the names and the query (issue 19: search at 100,000 persons).

The reference below is ``web_reads.search``'s definition written out per person (the
``CONTAINS`` of the store, the rank of its ``CASE``, its ``ORDER BY``), so that the index's
C-speed scan is checked against the obvious code.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import graph.search_index
from graph.names import SEP, names_part, normalise, pinyin_query, search_key
from graph.search_index import MATCH_KINDS, SearchIndex, SearchRow


def _reference(rows: list[SearchRow], text: str) -> list[tuple[str, str]]:
    """Every person found by ``text``, best first, by brute force."""
    q, py = normalise(text), pinyin_query(text)
    if not q:
        return []
    found: list[tuple[int, float, int, str]] = []
    for row in rows:
        key = row.search_key
        if key is None or not (q in key or (py not in ("", q) and py in key)):
            continue
        named = names_part(key)
        rank = (0 if SEP + q + SEP in named else 1 if SEP + q in named
                else 2 if q in named else 3)
        found.append((rank, -(row.kol_score if row.kol_score is not None else -1.0),
                      -(row.followers_total or 0), row.person_id))
    found.sort()
    ids = {row.person_id for row in rows}
    head = [(text, "exact")] if text in ids else []
    return head + [(pid, MATCH_KINDS[rank]) for rank, _, _, pid in found if pid != text]


_CHARS = st.sampled_from(list("周叔说育儿用户老师刘张abcABzZ _'’ＺＨｏｕ1２x\u00e9e\u0301ß"))
_NAME = st.one_of(st.text(_CHARS, min_size=0, max_size=8), st.sampled_from(
    ["周叔说育儿", "用户3", "Zhou Shu", "zhoushu_parent", "ＺＨＯＵ叔", "育儿周刊"]))
_ROW = st.tuples(st.lists(_NAME, max_size=3),
                 st.one_of(st.none(), st.sampled_from([0.0, 0.5, 0.9])),
                 st.one_of(st.none(), st.integers(0, 3)),
                 st.booleans())


_QUERIES = ["p1", "p0", "zhou", "zs", "yong hu", "Zhou Shu", "zhou'shu", "zhoushu", "yong'hu",
            "ls", "周叔", "ＺＨＯＵ", "\u00e9", "ss"]


def _rows(specs: list[tuple[list[str], float | None, int | None, bool]]) -> list[SearchRow]:
    return [SearchRow(f"p{i}", search_key(names) if keyed else None, kol, followers)
            for i, (names, kol, followers, keyed) in enumerate(specs)]


@settings(max_examples=300, deadline=None)
@given(specs=st.lists(_ROW, max_size=12), query=st.one_of(_NAME, st.sampled_from(_QUERIES)),
       skip=st.integers(0, 4), limit=st.integers(0, 5))
def test_the_index_answers_as_a_filter_over_the_same_rows(
        specs: list[tuple[list[str], float | None, int | None, bool]], query: str,
        skip: int, limit: int) -> None:
    rows = _rows(specs)
    expected = _reference(rows, query)
    few, many = graph.search_index._FEW, graph.search_index._MANY
    try:
        # hits found among the candidates of the 3-byte pieces, by a scan of all keys, by numpy
        for graph.search_index._FEW, graph.search_index._MANY in ((few, many), (few, 0), (1, 0)):
            index = SearchIndex(rows)
            assert index.count(query) == len(expected)
            assert index.page(query, 0, len(rows) + 1) == expected
            assert index.page(query, skip, limit) == expected[skip:skip + limit]
            assert index.search(query, skip, limit) == (len(expected),
                                                        expected[skip:skip + limit])
    finally:
        graph.search_index._FEW, graph.search_index._MANY = few, many


def test_ranks_and_ties_on_a_small_example() -> None:
    rows = _rows([(["育儿"], 0.1, 7, True), (["育儿周刊"], 0.9, 9, True),
                  (["周叔说育儿", "parent_club"], None, 500, True),
                  (["周叔说育儿", "zs_bili"], None, 30, True), (["育儿"], None, 1, False)])
    index = SearchIndex(rows)
    assert index.page("育儿") == [("p0", "exact"), ("p1", "prefix"), ("p2", "substring"),
                                  ("p3", "substring")]
    assert index.page("zhoushu") == [("p2", "pinyin"), ("p3", "pinyin")]
    assert index.page("Zhou Shu") == index.page("zhoushu") and index.count("zhou'shu") == 2
    assert index.page("PARENT") == [("p2", "prefix")]
    # an id finds its person first, even one without a key, and is counted once
    assert index.page("p4") == [("p4", "exact")] and index.count("p4") == 1
    assert index.count("   ") == 0 and index.page("") == []


def test_an_empty_index_finds_nothing() -> None:
    index = SearchIndex([])
    assert (index.count("zhou"), index.page("zhou"), len(index)) == (0, [], 0)
