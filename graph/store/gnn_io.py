"""Every query the GNN part needs: reading feature inputs (persons, contents; the person ties
and engagements come from ``graph.store.analytics_io``, shared with the analytics);
writing embeddings (staged, then published with the run), the vector index and
``RECOMMENDED`` relationships of a refresh run;
reading recommendations back and vector look-ups for ``kolgraph similar``. The feature
readers return pandas frames; pandas is imported when they run.

Queries are valid in FalkorDB and in Neo4j 5 unless a per-dialect variant is given
(vector values, the vector index and its query procedure differ).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from graph.store.base import GraphStore, Progress, Row
from graph.store.runs import utc_now

if TYPE_CHECKING:
    import pandas as pd

VECTOR_INDEX_NAME = "person_embedding"
REC_KINDS = ("people", "content")

_PERSONS = (
    "MATCH (p:Person) WHERE id(p) >= $lo AND id(p) < $hi "
    "RETURN p.person_id AS person_id, p.followers_total AS followers_total, "
    "p.community_id AS community_id, p.display_name AS display_name"
)

_CONTENTS = (
    "MATCH (c:Content) WHERE id(c) >= $lo AND id(c) < $hi "
    "OPTIONAL MATCH (c)-[:ABOUT]->(t:Topic) "
    "OPTIONAL MATCH (m:Person)-[:HAS_ACCOUNT]->(:Account)-[:CREATED]->(c) "
    "RETURN c.content_key AS content_key, c.platform AS platform, c.price AS price, "
    "c.title AS title, min(t.name) AS topic, min(m.person_id) AS creator"
)

def _frame(store: GraphStore, query: str, anchor: str, columns: list[str],
           batch_size: int) -> pd.DataFrame:
    import pandas as pd  # here, not above: reading recommendations back needs no frames

    parts = [pd.DataFrame(rows, columns=columns)
             for rows in store.stream(query, anchor_label=anchor, batch_size=batch_size)]
    if not parts:
        return pd.DataFrame({c: [] for c in columns})
    return pd.concat(parts, ignore_index=True)


def read_persons(store: GraphStore, batch_size: int = 50_000) -> pd.DataFrame:
    """``person_id, followers_total, community_id`` (null before any analysis),
    ``display_name``."""
    return _frame(store, _PERSONS, "Person",
                  ["person_id", "followers_total", "community_id", "display_name"], batch_size)


def read_contents(store: GraphStore, batch_size: int = 50_000) -> pd.DataFrame:
    """``content_key, platform, price, title, topic`` (first topic by name), ``creator`` (the
    person id of its creator, the smallest when several; null unknown)."""
    return _frame(store, _CONTENTS, "Content",
                  ["content_key", "platform", "price", "title", "topic", "creator"],
                  batch_size)


# --------------------------------------------------------------------- embeddings
def _falkordb_vector_dimension(store: GraphStore) -> int | None:
    rows = store.read("CALL db.indexes() YIELD label, types, options "
                      "RETURN label, types, options").rows
    for row in rows:
        if row["label"] == "Person" and "VECTOR" in (row["types"] or {}).get("embedding", []):
            return int(row["options"]["embedding"]["dimension"])
    return None


def _falkordb_vector_index(store: GraphStore, dimension: int) -> None:
    current = _falkordb_vector_dimension(store)
    if current == int(dimension):
        return
    if current is not None:
        store.write("DROP VECTOR INDEX FOR (p:Person) ON (p.embedding)")
    # Index options cannot be parameters in either dialect; ``dimension`` is an int.
    store.write("CREATE VECTOR INDEX FOR (p:Person) ON (p.embedding) OPTIONS "
                f"{{dimension: {int(dimension)}, similarityFunction: 'cosine'}}")


def _neo4j_vector_index(store: GraphStore, dimension: int) -> None:
    # Quantization off: Neo4j 5.26 quantizes vectors by default, and the scores of the
    # quantized index are off by up to 0.002 from the embeddings' cosine (look-alikes then
    # rank differently than on FalkorDB, whose index scores the float32 vectors).
    rows = store.read("SHOW VECTOR INDEXES YIELD name, options WHERE name = $name "
                      "RETURN options", {"name": VECTOR_INDEX_NAME}).rows
    if rows:
        config = (rows[0]["options"] or {}).get("indexConfig", {})
        if (int(config.get("vector.dimensions", -1)) == int(dimension)
                and config.get("vector.quantization.enabled") is False):
            return
        store.write(f"DROP INDEX {VECTOR_INDEX_NAME} IF EXISTS")
    store.write(
        f"CREATE VECTOR INDEX {VECTOR_INDEX_NAME} IF NOT EXISTS FOR (p:Person) "
        f"ON (p.embedding) OPTIONS {{indexConfig: {{`vector.dimensions`: {int(dimension)}, "
        "`vector.similarity_function`: 'cosine', `vector.quantization.enabled`: false}}")


def ensure_vector_index(store: GraphStore, dimension: int) -> None:
    """A cosine vector index on ``Person.embedding`` of ``dimension`` (recreated when the
    dimension changed)."""
    if store.dialect == "neo4j":
        _neo4j_vector_index(store, dimension)
    else:
        _falkordb_vector_index(store, dimension)


def write_embeddings(store: GraphStore, rows: list[dict[str, Any]], run_id: str) -> int:
    """Stage embeddings of run ``run_id`` (``rows``: ``{"person_id", "embedding": [float]}``)
    in ``Person.embedding_stage`` and ``Person.embedding_stage_run``; one transaction.
    Readers keep seeing the published ``Person.embedding`` until ``complete_refresh_run``."""
    value = "vecf32(row.embedding)" if store.dialect == "falkordb" else "row.embedding"
    store.write(
        "UNWIND $rows AS row MATCH (p:Person {person_id: row.person_id}) "
        f"SET p.embedding_stage = {value}, p.embedding_stage_run = $run_id",
        {"rows": rows, "run_id": run_id})
    return len(rows)


_COMPLETE_REFRESH = (
    "MATCH (r:Run {run_id: $run_id}) "
    "SET r.status = 'complete', r.finished_at = $now, r.metrics = $metrics "
    "WITH r OPTIONAL MATCH (p:Person) WHERE p.embedding_stage_run = $run_id "
    "SET p.embedding = p.embedding_stage, p.refresh_run_id = $run_id, "
    "p.embedding_stage = null, p.embedding_stage_run = null "
    "RETURN count(p) AS published"
)


def complete_refresh_run(store: GraphStore, run_id: str, metrics: dict[str, Any]) -> int:
    """In one write query: mark refresh run ``run_id`` complete (its recommendations become
    the current ones) and publish its staged embeddings as ``Person.embedding`` (with
    ``Person.refresh_run_id``), so readers see all of the run or none of it. Returns the
    number of embeddings published."""
    rows = store.write(_COMPLETE_REFRESH, {
        "run_id": run_id, "now": utc_now(),
        "metrics": json.dumps(metrics, ensure_ascii=False, default=str)})
    return int(rows[0]["published"]) if rows else 0


def _recommendation_merge(kind: str, row: dict[str, str]) -> str:
    """The write query of ``kind``'s recommendations from ``$rows``; ``row`` says how a row
    gives each value (``row.name`` of a map, ``row[i]`` of a list)."""
    if kind not in REC_KINDS:
        raise ValueError(f"kind must be one of {REC_KINDS}, got {kind!r}")
    target = (f"MATCH (t:Person {{person_id: {row['target_id']}}}) " if kind == "people"
              else f"MATCH (t:Content {{content_key: {row['target_id']}}}) ")
    return (f"UNWIND $rows AS row MATCH (p:Person {{person_id: {row['person_id']}}}) " + target
            + "MERGE (p)-[r:RECOMMENDED {run_id: $run_id, kind: $kind, "
            f"rank: {row['rank']}}}]->(t) SET r.score = {row['score']}, "
            f"r.reason = {row['reason']}, r.evidence = {row['evidence']}")


#: The columns of a recommendation table (``write_recommendation_table``), in order.
REC_TABLE_COLUMNS = ("person_id", "target_id", "score", "rank", "reason", "evidence")


def write_recommendations(store: GraphStore, rows: list[dict[str, Any]], run_id: str,
                          kind: str) -> int:
    """MERGE ``(Person)-[:RECOMMENDED {run_id, kind}]->(Person|Content)`` with ``score``,
    ``rank``, ``reason``, ``evidence``; ``rows``: ``person_id, target_id, score, rank, reason,
    evidence`` (a JSON string). Idempotent,
    so a batch written twice (an interrupted refresh resumed) leaves one relationship."""
    store.write(_recommendation_merge(kind, {c: f"row.{c}" for c in REC_TABLE_COLUMNS}),
                {"rows": rows, "run_id": run_id, "kind": kind})
    return len(rows)


def write_recommendation_table(store: GraphStore, frame: pd.DataFrame, run_id: str,
                               kind: str) -> int:
    """As ``write_recommendations``, for the rows of ``frame`` (the columns
    ``REC_TABLE_COLUMNS``: person and target ids as text, score a float, rank an integer,
    reason and evidence as text), sent as one ``Table`` parameter through ``store.bulk``:
    the embedded database gets it serialised column-wise (``graph.store.cypher_literal``)
    instead of value by value; every backend stores the same values. One write; returns
    the number of rows."""
    from graph.store.cypher_literal import Table  # pandas and Arrow: here, not above

    query = _recommendation_merge(kind, {c: f"row[{i}]"
                                         for i, c in enumerate(REC_TABLE_COLUMNS)})
    if len(frame) == 0:
        return 0
    table = Table([frame[c] for c in REC_TABLE_COLUMNS])
    store.bulk.prepare(query, {"rows": table, "run_id": run_id, "kind": kind})()
    return len(frame)


def delete_other_recommendations(store: GraphStore, keep_run_id: str,
                                 batch: int = 50_000, progress: Progress | None = None) -> int:
    """Delete every ``RECOMMENDED`` not of ``keep_run_id``, in batches; return how many."""
    total = 0
    while True:
        rows = store.write(
            "MATCH ()-[r:RECOMMENDED]->() WHERE r.run_id <> $run_id "
            "WITH r LIMIT $batch DELETE r RETURN count(*) AS n",
            {"run_id": keep_run_id, "batch": batch})
        n = int(rows[0]["n"]) if rows else 0
        total += n
        if progress and n:
            progress(n)
        if n < batch:
            return total


def recommendations_for(store: GraphStore, run_id: str, person_id: str, kind: str,
                        k: int) -> list[dict[str, Any]]:
    """Top ``k`` recommendations of one person in one refresh run, by rank: ``rank,
    target_id, score, reason, evidence`` (JSON text), ``name`` and, for contents,
    ``platform, content_kind, price`` (``None`` for persons)."""
    target = "t.person_id" if kind == "people" else "t.content_key"
    return store.read(
        "MATCH (p:Person {person_id: $person_id})-[r:RECOMMENDED]->(t) "
        "WHERE r.run_id = $run_id AND r.kind = $kind "
        f"RETURN r.rank AS rank, {target} AS target_id, r.score AS score, r.reason AS reason, "
        "r.evidence AS evidence, "
        "coalesce(t.display_name, t.title) AS name, t.platform AS platform, "
        "t.kind AS content_kind, t.price AS price "
        "ORDER BY r.rank LIMIT $k",
        {"person_id": person_id, "run_id": run_id, "kind": kind, "k": k}).rows


_EXPORT = (
    "MATCH (p:Person)-[r:RECOMMENDED]->(t) "
    "WHERE id(p) >= $lo AND id(p) < $hi AND r.run_id = $run_id "
    "RETURN p.person_id AS person_id, r.kind AS kind, r.rank AS rank, "
    "coalesce(t.person_id, t.content_key) AS target_id, r.score AS score, r.reason AS reason "
    "ORDER BY person_id, kind, rank"
)


def stream_recommendations(store: GraphStore, run_id: str,
                           batch_size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    """Every recommendation of a run, in batches of persons (ordered within a batch)."""
    yield from store.stream(_EXPORT, {"run_id": run_id}, anchor_label="Person",
                            batch_size=batch_size)


def person_exists(store: GraphStore, person_id: str) -> bool:
    return bool(store.scalar("MATCH (p:Person {person_id: $id}) RETURN count(p) AS n",
                             {"id": person_id}))


def person_embedding(store: GraphStore, person_id: str) -> list[float] | None:
    """The stored embedding of one person as a list of floats, or ``None``."""
    value = store.scalar("MATCH (p:Person {person_id: $id}) RETURN p.embedding AS e",
                         {"id": person_id})
    if value is None:
        return None
    return [float(v) for v in value]


def similar_persons(store: GraphStore, person_id: str, k: int) -> list[dict[str, Any]]:
    """The ``k`` persons nearest to ``person_id`` by embedding, through the vector index
    (the person itself excluded): ``person_id, display_name, similarity, community_id,
    kol_score``. Raises ``LookupError`` when the person or its embedding is missing."""
    vector = person_embedding(store, person_id)
    if vector is None:
        raise LookupError(person_id)
    return store.read(
        _vector_call(store) + "WHERE node.person_id <> $id "
        "RETURN node.person_id AS person_id, node.display_name AS display_name, "
        "similarity, node.community_id AS community_id, node.kol_score AS kol_score "
        "ORDER BY similarity DESC LIMIT $k",
        {"index": VECTOR_INDEX_NAME, "k1": max(2 * k + 1, k + 20), "vec": vector, "id": person_id,
         "k": k}).rows


def _vector_call(store: GraphStore) -> str:
    """The vector-index call yielding ``node, similarity`` (cosine, -1..1) for ``$vec``
    among the ``$k1`` nearest persons."""
    if store.dialect == "neo4j":
        # Neo4j's cosine score is (1 + cosine) / 2, in [0, 1]: similarity = 2 * score - 1
        return ("CALL db.index.vector.queryNodes($index, $k1, $vec) YIELD node, score "
                "WITH node, 2 * score - 1 AS similarity ")
    # FalkorDB returns the cosine distance: similarity = 1 - distance
    return ("CALL db.idx.vector.queryNodes('Person', 'embedding', $k1, vecf32($vec)) "
            "YIELD node, score WITH node, 1.0 - score AS similarity ")


def kol_vectors(store: GraphStore, min_score: float,
                batch_size: int = 50_000) -> Iterator[list[Row]]:
    """The persons with an embedding and ``kol_score >= min_score`` (a missing score counts
    as 0), in batches of the persons scanned (memory stays bounded): ``person_id``,
    ``embedding`` (a list of floats), ``display_name``, ``community_id``, ``kol_score``,
    ``followers_total``, ``reach``. One full pass: callers cache what they build of it."""
    return store.stream(
        "MATCH (p:Person) WHERE id(p) >= $lo AND id(p) < $hi AND p.embedding IS NOT NULL "
        "AND coalesce(p.kol_score, 0.0) >= $min_score "
        "RETURN p.person_id AS person_id, p.embedding AS embedding, "
        "p.display_name AS display_name, p.community_id AS community_id, "
        "p.kol_score AS kol_score, p.followers_total AS followers_total, p.reach AS reach",
        {"min_score": float(min_score)}, anchor_label="Person", batch_size=batch_size)


def write_frames(store: GraphStore, frames: dict[str, pd.DataFrame],
                 batch_size: int = 5_000) -> None:
    """Load frames shaped like ``gnn.data.synthetic.synthetic_frames`` into the schema of
    DESIGN.md (one Account per person and platform; ties and engagements from the first
    account by key; edge ends may be persons already in the store). For tests and
    benchmarks without a sample folder; idempotent."""
    persons = frames["persons"]
    accounts: list[dict[str, Any]] = []
    person_rows: list[dict[str, Any]] = []
    for person_id, platforms, followers in zip(
            persons["person_id"].astype(str), persons["platforms"].astype(str),
            persons["followers_total"].astype(int), strict=True):
        plats = [p for p in platforms.split("|") if p] or ["unknown"]
        person_rows.append({"person_id": person_id, "display_name": person_id,
                            "platforms": len(plats), "followers_total": int(followers)})
        for p in plats:
            accounts.append({"account_key": f"{p}:{person_id}", "platform": p,
                             "account_id": person_id, "person_id": person_id,
                             "followers": 0})
    first = {a["person_id"]: a["account_key"] for a in sorted(
        accounts, key=lambda a: a["account_key"], reverse=True)}
    edges = frames["person_edges"]
    eng = frames["engagements"]
    others = sorted((set(edges["src"]) | set(edges["dst"]) | set(eng["person_id"])) - set(first))
    if others:
        first.update({r["id"]: r["key"] for r in store.read(
            "UNWIND $ids AS id MATCH (p:Person {person_id: id})-[:HAS_ACCOUNT]->(a:Account) "
            "RETURN id, min(a.account_key) AS key", {"ids": others}).rows})
    store.upsert_nodes("Platform", "name",
                       ({"name": p} for p in sorted({a["platform"] for a in accounts})))
    store.upsert_nodes("Person", "person_id", person_rows, batch_size=batch_size)
    store.upsert_nodes("Account", "account_key",
                       ({k: v for k, v in a.items() if k != "person_id"} for a in accounts),
                       batch_size=batch_size)
    store.write_batches(
        "UNWIND $rows AS row MATCH (p:Person {person_id: row.person_id}) "
        "MATCH (a:Account {account_key: row.account_key}) MATCH (f:Platform {name: row.platform}) "
        "MERGE (p)-[:HAS_ACCOUNT]->(a) MERGE (a)-[:ON]->(f)", accounts, batch_size=batch_size)
    store.write_batches(
        "UNWIND $rows AS row MATCH (a:Account {account_key: row.src}) "
        "MATCH (b:Account {account_key: row.dst}) MERGE (a)-[r:FOLLOWS]->(b) "
        "SET r.since = 0",
        ({"src": first[s], "dst": first[d]} for s, d in zip(edges["src"], edges["dst"],
                                                             strict=True)),
        batch_size=batch_size)
    contents = frames["contents"]
    store.upsert_nodes("Topic", "name", ({"name": t} for t in sorted(set(contents["topic"]))))
    store.upsert_nodes("Content", "content_key", (
        {"content_key": key, "platform": platform, "content_id": key.split(":", 1)[-1],
         "title": key, "kind": "course", "price": float(price)}
        for key, platform, price in zip(contents["content_key"].astype(str),
                                        contents["platform"].astype(str),
                                        contents["price"].astype(float), strict=True)),
        batch_size=batch_size)
    store.write_batches(
        "UNWIND $rows AS row MATCH (c:Content {content_key: row.c}) "
        "MATCH (t:Topic {name: row.t}) MERGE (c)-[:ABOUT]->(t)",
        ({"c": c, "t": t} for c, t in zip(contents["content_key"], contents["topic"],
                                          strict=True)), batch_size=batch_size)
    store.write_batches(
        "UNWIND $rows AS row MATCH (a:Account {account_key: row.a}) "
        "MATCH (c:Content {content_key: row.c}) "
        "MERGE (a)-[e:ENGAGED {type: 'view'}]->(c) "
        "SET e.count = row.n, e.amount = row.amount, e.last_at = 0",
        ({"a": first[p], "c": c, "n": int(n), "amount": float(a)}
         for p, c, n, a in zip(eng["person_id"], eng["content_key"], eng["count"],
                               eng["amount"], strict=True)), batch_size=batch_size)
