"""What only Neo4j has, on the session's Neo4j server (tests/conftest.py): transient errors
retried (a deadlock forced between two writers on two threads), ``drop_all`` in an implicit
transaction over several inner transactions, the launcher itself, and a clear error for an
unreachable server. The rest of the adapter is covered by the contract suite."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import neo4j
import pytest

from graph.store import StoreError
from graph.store.neo4j_store import Neo4jStore
from tests.conftest import neo4j_store


@pytest.fixture
def nstore(neo4j_env: dict[str, str]) -> Iterator[Neo4jStore]:
    s = neo4j_store(neo4j_env)
    yield s
    s.drop_all()
    s.close()


@pytest.fixture
def driver(neo4j_env: dict[str, str]) -> Iterator[neo4j.Driver]:
    """A driver of the test's own, to hold locks outside the store."""
    d = neo4j.GraphDatabase.driver(neo4j_env["KOLGRAPH_TEST_NEO4J_URI"],
                                   auth=(neo4j_env["KOLGRAPH_TEST_NEO4J_USERNAME"],
                                         neo4j_env["KOLGRAPH_TEST_NEO4J_PASSWORD"]))
    yield d
    d.close()


def _blocked(driver: neo4j.Driver, expected: int, wait_s: float = 60.0) -> bool:
    """Wait (bounded) until ``expected`` transactions wait for a lock."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        records, _, _ = driver.execute_query(
            "SHOW TRANSACTIONS YIELD status WHERE status STARTS WITH 'Blocked' "
            "RETURN count(*) AS n")
        if records[0]["n"] >= expected:
            return True
        time.sleep(0.05)
    return False


# Each writer locks its first node, then a gate node, then the other writer's first node.
_WRITER = ("MATCH (x:Lock {k: $first}) SET x.v = $v WITH x "
           "MATCH (g:Lock {k: $gate}) SET g.v = $v WITH x "
           "MATCH (y:Lock {k: $second}) SET y.v = $v RETURN $v AS v")


def test_a_deadlock_between_two_writers_is_retried(nstore: Neo4jStore, driver: neo4j.Driver,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    nstore.write("UNWIND ['a', 'b', 'gate1', 'gate2'] AS k CREATE (:Lock {k: k, v: 0})")
    outcomes: dict[str, object] = {}

    def writer(name: str, first: str, gate: str, second: str) -> None:
        try:
            outcomes[name] = nstore.write(_WRITER, {"first": first, "gate": gate,
                                                    "second": second, "v": name})
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes[name] = exc

    caplog.set_level(logging.WARNING, logger="neo4j")
    threads = [threading.Thread(target=writer, args=("w1", "a", "gate1", "b")),
               threading.Thread(target=writer, args=("w2", "b", "gate2", "a"))]
    with driver.session() as session, session.begin_transaction() as gates:
        # hold both gates: each writer takes its first node, then waits at its gate
        gates.run("MATCH (g:Lock) WHERE g.k IN ['gate1', 'gate2'] SET g.v = 'held'").consume()
        for thread in threads:
            thread.start()
        assert _blocked(driver, 2), "the writers never reached their gates"
        gates.rollback()  # open the gates: w1 holds a and wants b, w2 holds b and wants a
    for thread in threads:
        thread.join(120)
    assert outcomes == {"w1": [{"v": "w1"}], "w2": [{"v": "w2"}]}, outcomes
    retried = [r.getMessage() for r in caplog.records if "retried" in r.getMessage()]
    assert any("DeadlockDetected" in message for message in retried), caplog.text
    # one writer ran after the other: all three of its nodes carry its name
    values = {r["k"]: r["v"] for r in nstore.read("MATCH (n:Lock) RETURN n.k AS k, n.v AS v").rows}
    assert values["a"] == values["b"] in ("w1", "w2")


def test_drop_all_runs_its_inner_transactions(nstore: Neo4jStore) -> None:
    nstore.write("UNWIND range(1, 25000) AS i CREATE (:Account {account_key: 'k' + i})"
                 "-[:ON]->(:Platform {name: 'p' + i})")
    assert nstore.node_counts()["Account"] == 25_000
    nstore.drop_all()  # three inner transactions of 10,000 nodes (and their relationships)
    assert nstore.scalar("MATCH (n) RETURN count(n) AS n") == 0


def test_call_in_transactions_is_refused_in_a_managed_transaction(nstore: Neo4jStore) -> None:
    # why drop_all uses Session.run: write() runs in a managed transaction. Neo4j refuses it
    # when the first inner transaction starts, so on an empty database it passes unnoticed.
    nstore.write("UNWIND range(1, 10) AS i CREATE (:Topic {name: 't' + i})")
    with pytest.raises(StoreError, match="implicit transaction"):
        nstore.write("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS")
    assert nstore.node_counts()["Topic"] == 10


def test_an_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot reach Neo4j at NEO4J_URI=bolt://127.0.0.1:9"):
        Neo4jStore("bolt://127.0.0.1:9", "neo4j", "wrong-password")


def test_the_server_runs_with_authentication(neo4j_env: dict[str, str]) -> None:
    with pytest.raises(StoreError, match="cannot reach Neo4j"):
        Neo4jStore(neo4j_env["KOLGRAPH_TEST_NEO4J_URI"], "neo4j", "not-the-password")


def test_queries_log_no_server_notifications(nstore: Neo4jStore,
                                             caplog: pytest.LogCaptureFixture) -> None:
    # an unknown property key and id() (deprecated) would each bring a warning on stderr
    caplog.set_level(logging.INFO, logger="neo4j")
    nstore.read("MATCH (p:Person) WHERE id(p) >= 0 RETURN p.no_such_key AS x")
    assert [r.getMessage() for r in caplog.records if "notification" in r.getMessage()] == []


def test_a_server_that_cannot_start_is_one_error_not_a_hang() -> None:
    from tests.neo4j_server import launch

    # Neo4j validates its settings strictly: an unknown one stops the database at start
    with pytest.raises(launch.Neo4jServerError, match="exited with status 1") as failure:
        launch.start(conf_lines=("server.no_such_setting=1",), timeout_s=120)
    assert "no_such_setting" in str(failure.value)
