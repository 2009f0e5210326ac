"""The store contract: both backends (the embedded FalkorDB and the session's Neo4j 5.26
server, tests/conftest.py) pass every test here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graph.store import (
    ConstraintViolation,
    NodeRef,
    ParameterValueError,
    QueryMemoryExceeded,
    QueryTimeout,
    ReadOnlyViolation,
    bulk,
    falkordb_writer,
)
from graph.store.bulk import Relationships
from graph.store.cypher_literal import Table

PERSONS = [{"person_id": f"p{i}", "display_name": f"用户{i}", "platforms": 1} for i in range(50)]
ACCOUNTS = [{"account_key": f"zhihu:{i}", "platform": "zhihu", "account_id": str(i)}
            for i in range(50)]


def _load(store) -> None:
    store.upsert_nodes("Person", "person_id", PERSONS, batch_size=7)
    store.upsert_nodes("Account", "account_key", ACCOUNTS, batch_size=7)
    store.upsert_relationships(
        "HAS_ACCOUNT", NodeRef("Person", "person_id", "p"), NodeRef("Account", "account_key", "a"),
        [{"p": f"p{i}", "a": f"zhihu:{i}"} for i in range(50)], batch_size=9)
    store.upsert_relationships(
        "INTERACTED",
        NodeRef("Account", "account_key", "s"),
        NodeRef("Account", "account_key", "d"),
        [{"s": f"zhihu:{i}", "d": f"zhihu:{(i + 1) % 50}", "type": "like", "count": 2}
         for i in range(50)],
        merge_on=("type",), props=("count",), batch_size=11)


def test_upsert_is_idempotent(any_store):
    _load(any_store)
    first = {**any_store.node_counts(), **any_store.relationship_counts()}
    _load(any_store)
    second = {**any_store.node_counts(), **any_store.relationship_counts()}
    assert first == second
    assert first["Person"] == 50 and first["Account"] == 50
    assert first["HAS_ACCOUNT"] == 50 and first["INTERACTED"] == 50
    total = any_store.scalar("MATCH ()-[r:INTERACTED]->() RETURN sum(r.count) AS s")
    assert total == 100


def test_upsert_updates_properties(any_store):
    any_store.upsert_nodes("Person", "person_id", [{"person_id": "p1", "display_name": "旧"}])
    any_store.upsert_nodes("Person", "person_id", [{"person_id": "p1", "display_name": "新"}])
    rows = any_store.read("MATCH (p:Person) RETURN p.display_name AS n").rows
    assert rows == [{"n": "新"}]


def test_unique_keys_are_enforced(any_store):
    any_store.upsert_nodes("Account", "account_key", ACCOUNTS[:1])
    with pytest.raises(ConstraintViolation):
        any_store.write("CREATE (:Account {account_key: $k})", {"k": ACCOUNTS[0]["account_key"]})
    assert any_store.node_counts()["Account"] == 1


@pytest.mark.parametrize("query", [
    "CREATE (:Person {person_id: 'x'})",
    "MERGE (:Person {person_id: 'x'})",
    "MATCH (p:Person) SET p.display_name = 'hacked'",
    "MATCH (p:Person) DELETE p",
    "MATCH (p:Person) DETACH DELETE p",
    "MATCH (p:Person) REMOVE p.display_name",
])
def test_read_refuses_writes(any_store, query):
    _load(any_store)
    before = any_store.read(
        "MATCH (p:Person) RETURN count(p) AS n, collect(p.display_name)[0..3] AS names").rows
    with pytest.raises(ReadOnlyViolation):
        any_store.read(query)
    after = any_store.read(
        "MATCH (p:Person) RETURN count(p) AS n, collect(p.display_name)[0..3] AS names").rows
    assert before == after


def test_timeout_is_honoured(any_store):
    # FalkorDB cannot interrupt the one call that builds this list; its memory cap stops it
    with pytest.raises((QueryTimeout, QueryMemoryExceeded)):
        any_store.read("UNWIND range(1, 200000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x)",
                       timeout_s=0.2)


def test_row_cap_truncates(any_store):
    _load(any_store)
    result = any_store.read("MATCH (p:Person) RETURN p.person_id AS id", limit=10)
    assert len(result.rows) == 10 and result.truncated
    result = any_store.read("MATCH (p:Person) RETURN p.person_id AS id", limit=100)
    assert len(result.rows) == 50 and not result.truncated


def test_parameters_are_never_pasted(any_store):
    hostile = ["x'}) DETACH DELETE n //", 'quote " and \\ backslash', "多行\n文本", "`tick`",
               "$param", "*/ MATCH (n) DETACH DELETE n /*"]
    rows = [{"person_id": f"h{i}", "display_name": name} for i, name in enumerate(hostile)]
    any_store.upsert_nodes("Person", "person_id", rows)
    back = any_store.read("MATCH (p:Person) WHERE p.display_name IN $names "
                          "RETURN p.person_id AS id, p.display_name AS name ORDER BY id",
                          {"names": hostile}).rows
    assert [r["name"] for r in back] == hostile


def test_stream_exports_100k_relationships_in_batches(any_store):
    n_accounts = 2_000
    any_store.upsert_nodes("Account", "account_key",
                           ({"account_key": f"b:{i}"} for i in range(n_accounts)),
                           batch_size=2_000)
    any_store.write(
        "UNWIND range(0, $n - 1) AS i MATCH (a:Account {account_key: 'b:' + toString(i)}) "
        "UNWIND range(1, 50) AS j "
        "MATCH (b:Account {account_key: 'b:' + toString((i + j) % $n)}) "
        "CREATE (a)-[:INTERACTED {type: 'like', count: j}]->(b)", {"n": n_accounts})
    query = ("MATCH (a:Account) WHERE id(a) >= $lo AND id(a) < $hi "
             "MATCH (a)-[r:INTERACTED]->(b) RETURN a.account_key AS s, b.account_key AS d, "
             "r.count AS c")
    batches = list(any_store.stream(query, anchor_label="Account", batch_size=300))
    assert len(batches) > 1
    rows = [row for batch in batches for row in batch]
    assert len(rows) == 100_000
    assert len({(r["s"], r["d"]) for r in rows}) == 100_000
    assert sum(r["c"] for r in rows) == n_accounts * sum(range(1, 51))


def test_read_table_gives_typed_columns_as_the_rows_give_them(any_store):
    """The columnar read (what the analytics read through) returns what a row read returns,
    typed: ids as int64, numbers as float64 with NaN for null, texts with None for null and
    "" kept apart from it, a value holding the separator of the embedded path, unicode."""
    names = ["plain", "", None, "a\x1fb", "逗号,分号;", "q\"uote\\", "line\nbreak", "=x"]
    rows = [{"account_key": f"t:{i}", "name": name, "n": None if i == 2 else i * 1000 + 7,
             "big": 2**53 - i}
            for i, name in enumerate(names)]
    any_store.upsert_nodes("Account", "account_key", rows)
    match = "MATCH (a:Account) WHERE id(a) >= $lo AND id(a) < $hi AND a.account_key <> $not "
    columns = {"aid": ("id(a)", "int"), "key": ("a.account_key", "text"),
               "name": ("a.name", "text"), "n": ("a.n", "number"), "big": ("a.big", "int")}
    for window in (3, 100_000):
        frame = any_store.read_table(match, columns, {"not": "none"}, anchor_label="Account",
                                     batch_size=window)
        assert frame["aid"].dtype == np.int64 and frame["n"].dtype == np.float64
        got = frame.sort_values("key")
        want = sorted(rows, key=lambda r: r["account_key"])
        assert got["key"].tolist() == [r["account_key"] for r in want]
        assert [None if pd.isna(v) else v for v in got["name"]] == [r["name"] for r in want]
        assert [None if np.isnan(v) else v for v in got["n"]] == [
            None if r["n"] is None else float(r["n"]) for r in want]
        assert got["big"].tolist() == [r["big"] for r in want]
    ids = {r["id"] for r in any_store.read("MATCH (a:Account) RETURN id(a) AS id").rows}
    assert set(frame["aid"]) == ids
    empty = any_store.read_table(match.replace(":Account", ":Person"), columns,
                                 {"not": "none"}, anchor_label="Person")
    assert list(empty.columns) == list(columns) and len(empty) == 0


def test_explain_returns_a_plan(any_store):
    plan = any_store.explain("MATCH (p:Person {person_id: $id}) RETURN p", {"id": "p1"})
    assert plan.strip()


# Procedures that write, in each dialect, with a read that sees their effect (None: a token
# only, which no read shows). Neo4j: a label token, a vector property; FalkorDB: an index.
WRITE_PROCEDURES = {
    "neo4j": [
        ("CALL db.createLabel('Intruder')", None),
        ("MATCH (p:Person {person_id: 'p1'}) "
         "CALL db.create.setNodeVectorProperty(p, 'embedding', [0.5, 0.25])",
         "MATCH (p:Person {person_id: 'p1'}) RETURN count(p.embedding) AS n"),
    ],
    "falkordb": [
        (f"CALL db.idx.fulltext.createNodeIndex('{label}', 'display_name')",
         "CALL db.indexes() YIELD label, types WITH label, types "
         f"WHERE label = '{label}' AND 'FULLTEXT' IN types['display_name'] "
         "RETURN count(*) AS n")
        for label in ("Person", "Account")],
}


@pytest.mark.parametrize("which", [0, 1])
def test_read_refuses_write_procedures(any_store, which):
    _load(any_store)
    call, check = WRITE_PROCEDURES[any_store.dialect][which]
    with pytest.raises(ReadOnlyViolation):
        any_store.read(call)
    if check is not None:
        assert any_store.scalar(check) == 0
    any_store.write(call)  # the same call through the write path is allowed ...
    if check is not None:
        assert any_store.scalar(check) == 1  # ... so the check above could see its effect


def test_parameters_of_every_type_round_trip(any_store):
    rows = [{"person_id": "m1", "tags": ["a", "b"], "score": 0.5, "big": 2**63 - 1,
             "small": -(2**63), "flag": True, "nothing": None},
            {"person_id": "m2", "tags": [], "score": float("nan"), "big": 0, "small": 0,
             "flag": False, "nothing": None}]
    any_store.upsert_nodes("Person", "person_id", rows)
    back = any_store.read(
        "MATCH (p:Person) RETURN p.person_id AS id, p.tags AS tags, p.score AS score, "
        "p.big AS big, p.small AS small, p.flag AS flag, p.nothing AS nothing "
        "ORDER BY id").rows
    # NaN travels as null, and a null SET removes the property: neither database stores NaN.
    # (FalkorDB reads an empty list property back as an empty list, Neo4j as well.)
    assert back == [
        {"id": "m1", "tags": ["a", "b"], "score": 0.5, "big": 2**63 - 1, "small": -(2**63),
         "flag": True, "nothing": None},
        {"id": "m2", "tags": [], "score": None, "big": 0, "small": 0, "flag": False,
         "nothing": None}]
    nested = [{"k": 1, "inner": [{"name": "甲", "n": 2}, {"name": "乙", "n": 3}]},
              {"k": 2, "inner": []}]
    rows = any_store.read("UNWIND $rows AS row UNWIND row.inner AS i "
                          "RETURN row.k AS k, i.name AS name, i.n * 10 AS n ORDER BY name",
                          {"rows": nested}).rows
    assert rows == [{"k": 1, "name": "乙", "n": 30}, {"k": 1, "name": "甲", "n": 20}]


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, [1, 2**64], {"deep": [{"x": 2**70}]}])
def test_integers_beyond_64_bits_are_refused_before_sending(any_store, value):
    with pytest.raises(ParameterValueError, match="64-bit"):
        any_store.write("CREATE (:Person {person_id: 'big', v: $v})", {"v": value})
    with pytest.raises(ParameterValueError):
        any_store.read("RETURN $v AS v", {"v": value})
    assert any_store.node_counts()["Person"] == 0


def test_drop_all_empties_the_database(any_store):
    _load(any_store)
    any_store.drop_all()
    any_store.apply_schema()  # FalkorDB's drop_all deletes the graph key, schema and all
    counts = {**any_store.node_counts(), **any_store.relationship_counts()}
    assert set(counts.values()) == {0}


def _account_ids(store, count: int) -> list[int]:
    """Create accounts "0" .. str(count - 1); their node ids in that order."""
    rows = store.write("UNWIND range(0, $n - 1) AS x CREATE (a:Account {account_key: "
                       "toString(x)}) RETURN x AS x, id(a) AS i", {"n": count})
    return [r["i"] for r in sorted(rows, key=lambda r: r["x"])]


INTERACTIONS = ("MATCH (a)-[r:INTERACTED]->(b) RETURN a.account_key AS a, b.account_key AS b, "
                "r.type AS t, r.count AS c, r.amount AS m ORDER BY a")


def test_bulk_write_sends_a_table_and_creates_relationships_with_it(any_store):
    ids = _account_ids(any_store, 3)
    send = any_store.bulk.prepare(
        "UNWIND $rows AS row MERGE (b:IngestBatch {batch_key: row[0]}) SET b.events = row[1] "
        "RETURN b.batch_key AS key, b.events AS events",
        {"rows": Table([np.array(["b1", "b2"], dtype=object), np.array([5, 6])])},
        Relationships("INTERACTED", np.array(ids[:2]), np.array(ids[1:]),
                      [("type", pd.Series(["like", "reply"])), ("count", np.array([2, 3])),
                       ("amount", np.array([0.5, 0.0]))]))
    # preparing sends nothing
    assert any_store.relationship_counts()["INTERACTED"] == 0
    assert any_store.scalar("MATCH (b:IngestBatch) RETURN count(b) AS n") == 0
    assert sorted(send(), key=lambda r: r["key"]) == [{"key": "b1", "events": 5},
                                                      {"key": "b2", "events": 6}]
    assert any_store.read(INTERACTIONS).rows == [
        {"a": "0", "b": "1", "t": "like", "c": 2, "m": 0.5},
        {"a": "1", "b": "2", "t": "reply", "c": 3, "m": 0.0}]
    # without relationships, or with none, it is the query alone
    assert any_store.bulk.prepare("MATCH (b:IngestBatch) RETURN count(b) AS n", {},
                                  Relationships("R", np.array([]), np.array([])))() == [{"n": 2}]


def test_bulk_creates_relationships_between_node_ids(any_store, monkeypatch):
    monkeypatch.setattr(bulk, "RELATIONSHIP_BATCH", 2)  # several writes
    monkeypatch.setattr(falkordb_writer, "BULK_BATCH", 2)
    ids = _account_ids(any_store, 5)
    any_store.bulk.create_relationships(Relationships(
        "INTERACTED", np.array(ids[:4]), np.array(ids[1:]),
        [("type", pd.Series(["like"] * 4)), ("count", np.arange(4)),
         ("amount", np.full(4, 1.5))]))
    any_store.bulk.create_relationships(Relationships("FOLLOWS", np.array(ids[4:]),
                                                      np.array(ids[:1])))
    assert any_store.read(INTERACTIONS).rows == [
        {"a": str(i), "b": str(i + 1), "t": "like", "c": i, "m": 1.5} for i in range(4)]
    assert any_store.read("MATCH (a)-[r:FOLLOWS]->(b) RETURN a.account_key AS a, "
                          "b.account_key AS b, properties(r) AS p").rows == [
        {"a": "4", "b": "0", "p": {}}]


def test_compact_leaves_the_graph_as_it_is(any_store):
    _load(any_store)
    before = {**any_store.node_counts(), **any_store.relationship_counts()}
    any_store.compact()
    any_store.compact()  # again at once: a compaction under way is no error
    assert {**any_store.node_counts(), **any_store.relationship_counts()} == before
