"""The console and the query API cannot hurt the database (issue 18): a query past the
memory cap, LOAD CSV and NUL characters are answered 400 with a message naming what is at
fault, and the database keeps answering."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from tests.loopback import loopback_listener


def _token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get("/console").get_data(as_text=True)).group(1)


@pytest.fixture
def refused_port() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback port that records every connection made to it."""
    with loopback_listener() as port_and_seen:
        yield port_and_seen


def test_console_refuses_load_csv_and_nothing_connects(client_as, refused_port):
    port, seen = refused_port
    client = client_as("analyst")
    token = _token(client)
    cypher = f"LOAD CSV FROM 'https://leak.localhost:{port}/' AS row RETURN row"
    page = client.post("/console", data={"cypher": cypher, "csrf_token": token})
    assert page.status_code == 400
    assert "LOAD CSV is not allowed" in page.get_data(as_text=True)
    api = client.post("/api/v1/query", json={"cypher": cypher.replace("leak.localhost",
                                                                       "127.0.0.1")},
                      headers={"X-CSRF-Token": token})
    assert api.status_code == 400 and "LOAD CSV is not allowed" in api.get_json()["message"]
    time.sleep(0.5)
    assert seen == []


def test_console_nul_characters_are_bad_input(client_as):
    client = client_as("analyst")
    token = _token(client)
    page = client.post("/console", data={"cypher": "RETURN 1 AS a\0", "csrf_token": token})
    assert page.status_code == 400 and "NUL" in page.get_data(as_text=True)
    queries = [q for q in client.get("/api/v1/queries").get_json()["items"]
               if [p["type"] for p in q["params"] if p["required"]] == ["string"]]
    if not queries:
        pytest.skip("no library query with a text parameter")
    name = queries[0]["name"]
    param = next(p["name"] for p in queries[0]["params"] if p["required"])
    api = client.post("/api/v1/query", json={"name": name, "params": {param: "x\0y"}},
                      headers={"X-CSRF-Token": token})
    assert api.status_code == 400, api.get_data(as_text=True)
    assert param in api.get_json()["message"] and "NUL" in api.get_json()["message"]


def test_console_query_past_the_memory_cap_leaves_the_database_up(client_as):
    client = client_as("analyst")
    token = _token(client)
    headers = {"X-CSRF-Token": token}
    big = client.post("/api/v1/query", json={"cypher": "RETURN size(range(1, 100000000)) "
                                                       "AS n"}, headers=headers)
    assert big.status_code == 400 and big.get_json()["kind"] == "memory"
    assert "memory limit" in big.get_json()["message"]
    ok = client.post("/api/v1/query", json={"cypher": "MATCH (p:Person) RETURN count(p) AS n"},
                     headers=headers)
    assert ok.status_code == 200 and ok.get_json()["rows"][0][0] > 0
    assert client.get("/").status_code == 200
