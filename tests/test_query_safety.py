"""Analyst queries that cannot hurt the database (issue 18): a memory cap per query, a
timeout that stops work, the row cap applied by the database, no file or network access,
no NUL characters; CSV written by the CLI that a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_analytics_helpers import load_two_cliques

from graph.config import Settings
from graph.errors import InvalidInput
from graph.store import QueryMemoryExceeded, QueryTimeout, StoreError, embedded
from graph.store.falkordb_store import FalkorDBStore
from kolgraph.usecases import query as usecase
from tests.loopback import loopback_listener

GIB = 1024 ** 3
# Builds a list of 10^8 integers (1.6 GB) in one function call: past the embedded server's
# memory cap for one query. (The issue's RETURN size(range(1, 1000000000)) is the same query
# ten times larger: it crashed the server.)
OVER_MEMORY = "RETURN size(range(1, 100000000)) AS n"
# The issue's runaway query: 3.2 GB of list under a short timeout.
RUNAWAY_LIST = "UNWIND range(1, 200000000) AS x RETURN count(x)"
# 1.25e11 rows to count: stopped only by the timeout.
RUNAWAY_ROWS = ("UNWIND range(1, 5000) AS x UNWIND range(1, 5000) AS y "
                "UNWIND range(1, 5000) AS z RETURN count(*) AS n")
# 9 million rows (the issue's cartesian console query had 9.6 million).
MANY_ROWS = "UNWIND range(1, 3000) AS x UNWIND range(1, 3000) AS y RETURN x, y"


def server_rss_bytes(settings: Settings) -> int:
    """Resident memory of the embedded server of ``settings`` (from /proc)."""
    pid = int(embedded.ServerPaths(settings.db_dir).pid_file.read_text().strip())
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS line")


def assert_server_answers(store: FalkorDBStore) -> None:
    assert store._db.connection.ping()
    assert store.read("RETURN 1 AS one").rows == [{"one": 1}]


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on a free loopback port; the list collects what each connection sent."""
    with loopback_listener() as port_and_seen:
        yield port_and_seen


# ------------------------------------------------------------------- memory (defect 1)
def test_a_query_past_the_memory_cap_is_stopped_and_the_server_stays_up(
        store: FalkorDBStore, settings: Settings) -> None:
    with pytest.raises(QueryMemoryExceeded, match="memory"):
        usecase.run(store, settings, text=OVER_MEMORY, timeout_s=120)
    assert_server_answers(store)
    assert server_rss_bytes(settings) < GIB


def test_both_databases_stop_a_query_past_their_memory_cap(any_store: Any,
                                                          settings: Settings) -> None:
    with pytest.raises(QueryMemoryExceeded, match="memory"):
        usecase.run(any_store, settings, timeout_s=120, text="UNWIND range(1, 100000000) AS x "
                                                             "WITH collect(x) AS xs "
                                                             "RETURN size(xs) AS n")
    assert any_store.read("RETURN 1 AS one").rows == [{"one": 1}]


def test_the_neo4j_test_server_has_the_documented_limits() -> None:
    from graph.store.query_limits import NEO4J_SETTINGS
    from tests.neo4j_server.launch import QUERY_LIMITS

    assert dict(line.split("=", 1) for line in QUERY_LIMITS) == NEO4J_SETTINGS


# ------------------------------------------------------------------ runaway (defect 2)
def test_a_runaway_query_stops_within_twice_its_timeout(store: FalkorDBStore,
                                                        settings: Settings) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        usecase.run(store, settings, text=RUNAWAY_ROWS, timeout_s=1)
    assert time.monotonic() - started < 2 * 1 + 3  # 3 s of slack for a busy machine
    assert_server_answers(store)
    assert server_rss_bytes(settings) < GIB


def test_the_issues_runaway_list_leaves_the_server_under_1_gb(store: FalkorDBStore,
                                                              settings: Settings) -> None:
    """FalkorDB builds a ``range()`` list in one call that its timeout cannot interrupt;
    the memory cap stops it (docs/operations.md)."""
    with pytest.raises((QueryTimeout, QueryMemoryExceeded)):
        usecase.run(store, settings, text=RUNAWAY_LIST, timeout_s=2)
    assert_server_answers(store)
    assert server_rss_bytes(settings) < GIB


# ------------------------------------------------------------------ row cap (defect 3)
def test_the_row_cap_is_applied_by_the_database(any_store: Any, settings: Settings) -> None:
    # Building all 9 million rows takes far longer than the timeout: only a database that
    # stops at the cap answers in time.
    result = usecase.run(any_store, settings, text=MANY_ROWS, limit=10, timeout_s=5)
    assert (len(result.rows), result.truncated, result.columns) == (10, True, ["x", "y"])


def test_the_capped_query_keeps_columns_order_and_procedures(any_store: Any,
                                                             settings: Settings) -> None:
    result = usecase.run(any_store, settings, text="RETURN 1 AS z, 2 AS a, 'q' AS m;",
                         limit=5)
    assert (result.columns, result.rows, result.truncated) == (
        ["z", "a", "m"], [{"z": 1, "a": 2, "m": "q"}], False)
    ordered = usecase.run(any_store, settings, limit=3,
                          text="UNWIND range(1, 100) AS x RETURN x ORDER BY x DESC")
    assert [r["x"] for r in ordered.rows] == [100, 99, 98] and ordered.truncated
    union = usecase.run(any_store, settings, limit=1,
                        text="RETURN 1 AS v UNION RETURN 2 AS v // the end")
    assert len(union.rows) == 1 and union.truncated
    labels = usecase.run(any_store, settings, text="CALL db.labels()", limit=1000)
    assert labels.columns == ["label"]


# --------------------------------------------------------------- LOAD CSV (defect 4)
@pytest.mark.parametrize("template", [
    "LOAD CSV FROM 'https://leak.localhost:{port}/' AS row RETURN row",
    "load /* x */ csv from 'https://127.0.0.1:{port}/x.csv' AS row RETURN count(row)",
    "MATCH (n) WITH count(n) AS c\nLOAD CSV WITH HEADERS FROM 'https://127.0.0.1:{port}/' "
    "AS row RETURN row",
])
def test_load_csv_is_refused_and_nothing_connects(store: FalkorDBStore, settings: Settings,
                                                  listener: tuple[int, list[bytes]],
                                                  template: str) -> None:
    port, seen = listener
    with pytest.raises(InvalidInput, match="LOAD CSV is not allowed") as caught:
        usecase.run(store, settings, text=template.format(port=port), timeout_s=5)
    assert caught.value.param == "cypher"
    time.sleep(0.5)
    assert seen == []


def test_words_in_strings_and_comments_are_not_load_csv(store: FalkorDBStore,
                                                        settings: Settings) -> None:
    result = usecase.run(store, settings, timeout_s=5,
                         text="RETURN 'LOAD CSV' AS s // LOAD CSV FROM 'x'")
    assert result.rows == [{"s": "LOAD CSV"}]


def test_neo4j_refuses_load_csv_itself(neo4j_env: dict[str, str],
                                       listener: tuple[int, list[bytes]]) -> None:
    from tests.conftest import neo4j_store

    port, seen = listener
    store = neo4j_store(neo4j_env)
    try:
        for url in (f"http://127.0.0.1:{port}/x.csv", "file:///etc/passwd"):
            with pytest.raises(StoreError):
                store.read(f"LOAD CSV FROM '{url}' AS row RETURN row", timeout_s=10)
    finally:
        store.close()
    time.sleep(0.5)
    assert seen == []


# -------------------------------------------------------------- NUL characters (7)
def test_a_nul_character_is_refused_naming_where(store: FalkorDBStore,
                                                 settings: Settings) -> None:
    with pytest.raises(InvalidInput) as in_text:
        usecase.run(store, settings, text="RETURN 1 AS a\0")
    assert in_text.value.param == "cypher"
    with pytest.raises(InvalidInput) as in_param:
        usecase.run(store, settings, text="RETURN $name AS a", params={"name": "x\0y"})
    assert in_param.value.param == "name"


# ------------------------------------------------------------------------ CLI (5, 6)
@pytest.fixture
def kolgraph(store: FalkorDBStore, kolgraph_home: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> Any:
    """Run ``kolgraph ARGS`` on the test's graph; returns (exit code, stdout, stderr)."""
    from kolgraph.cli import main

    monkeypatch.setenv("KOLGRAPH_HOME", str(kolgraph_home))
    monkeypatch.setenv("KOLGRAPH_GRAPH", store.graph_name)
    monkeypatch.delenv("KOLGRAPH_CONFIG", raising=False)
    monkeypatch.delenv("NEO4J_URI", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\",\"y\")", "@SUM(1+1)*cmd|' /C x'!A0",
            "+1", "-1+2", "\tx"]


def test_cli_csv_output_cannot_run_in_a_spreadsheet(kolgraph: Any) -> None:
    code, out, err = kolgraph("query", "UNWIND $v AS v RETURN v, -2.5 AS n", "--format", "csv",
                              "-p", "v=" + json.dumps(FORMULAS))
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["v", "n"]
    assert [r[0] for r in rows[1:]] == ["'" + f for f in FORMULAS]
    assert {r[1] for r in rows[1:]} == {"-2.5"}


def test_export_persons_cannot_run_in_a_spreadsheet(kolgraph: Any, store: FalkorDBStore,
                                                    tmp_path: Path) -> None:
    load_two_cliques(store, 5)
    code, _, err = kolgraph("analyze", "--seed", "3")
    assert code == 0, err
    store.write("MATCH (p:Person {person_id: 'a0'}) SET p.display_name = $name",
                {"name": FORMULAS[0]})
    code, out, err = kolgraph("export", "persons", "--out", "-")
    assert code == 0, err
    a0 = next(r for r in csv.DictReader(io.StringIO(out)) if r["person_id"] == "a0")
    assert a0["display_name"] == "'" + FORMULAS[0]
    assert int(a0["community_id"]) >= 0  # numbers stay numbers


def test_cli_runs_a_long_inline_query(kolgraph: Any) -> None:
    text = "RETURN " + " + ".join(["1"] * 150) + " AS total"
    assert len(text) > 255 and "/" not in text
    code, out, err = kolgraph("query", text, "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == [{"total": 150}]


def test_cli_names_the_memory_limit_and_load_csv(kolgraph: Any) -> None:
    code, out, err = kolgraph("query", "LOAD CSV FROM 'https://x.localhost/' AS r RETURN r")
    assert (code, out) == (2, "")
    assert err.startswith("error: inline query: LOAD CSV is not allowed"), err
    code, out, err = kolgraph("query", OVER_MEMORY, "--timeout", "120")
    assert (code, out) == (1, "")
    assert err.startswith("error: inline query: stopped by the database at its memory limit")
