"""In-database analytics on Neo4j with the Graph Data Science library (``kolgraph analyze
--engine gds``): the person graph projected inside Neo4j, Leiden and PageRank run there,
their results streamed back per person.

The projection lifts every account tie (``FOLLOWS``, ``INTERACTED``) to the persons that own
the two accounts, with weight = the number of ties (an ``INTERACTED`` relationship counts
``count`` times); persons without ties are projected too. This is simpler than the Python
projection (no per-type weights, no recency decay, no content ties): see README.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from graph.store.base import GraphStore, StoreError

_PROJECT = (
    "MATCH (p:Person) "
    "OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(:Account)-[r:FOLLOWS|INTERACTED]->(:Account)"
    "<-[:HAS_ACCOUNT]-(q:Person) WHERE q <> p "
    "WITH p, q, sum(coalesce(r.count, 1)) AS ties "
    "WITH gds.graph.project($name, p, q, "
    "{relationshipProperties: CASE WHEN q IS NULL THEN null "
    "ELSE {weight: toFloat(ties)} END}, $config) AS g "
    "RETURN g.nodeCount AS nodes, g.relationshipCount AS relationships"
)


def gds_version(store: GraphStore) -> str | None:
    """The version of the GDS library in the store's database, or ``None`` when the store
    is not Neo4j or the library is not loaded."""
    if store.dialect != "neo4j":
        return None
    try:
        return str(store.scalar("RETURN gds.version() AS v"))
    except StoreError:
        return None


def _project(store: GraphStore, name: str, undirected: bool) -> None:
    store.write("CALL gds.graph.drop($name, false) YIELD graphName RETURN graphName",
                {"name": name})
    config = {"undirectedRelationshipTypes": ["*"]} if undirected else {}
    store.write(_PROJECT, {"name": name, "config": config})


def _drop(store: GraphStore, name: str) -> None:
    store.write("CALL gds.graph.drop($name, false) YIELD graphName RETURN graphName",
                {"name": name})


def leiden_and_pagerank(store: GraphStore, person_ids: Sequence[str], *,
                        resolution: float = 1.0, seed: int = 0,
                        prefix: str = "kolgraph_persons") -> tuple[np.ndarray, np.ndarray]:
    """Project the person graph in Neo4j, run GDS Leiden (undirected, weighted, ``gamma`` =
    ``resolution``, ``randomSeed`` = ``seed``, one thread so that the seed decides) and
    weighted PageRank (directed, damping 0.85), and drop the projections.

    In: the person ids in the order wanted. Out: the Leiden community of each person (GDS's
    own numbers) and its PageRank scaled to sum to 1 (as ``graph.analytics.ranking.pagerank``),
    both aligned with ``person_ids``. Raises ``StoreError`` when GDS is not there or a person
    is missing from the graph.
    """
    undirected, directed = f"{prefix}_undirected", f"{prefix}_directed"
    try:
        _project(store, undirected, undirected=True)
        _project(store, directed, undirected=False)
        communities = store.read(
            "CALL gds.leiden.stream($name, {relationshipWeightProperty: 'weight', "
            "gamma: $gamma, randomSeed: $seed, concurrency: 1}) YIELD nodeId, communityId "
            "RETURN gds.util.asNode(nodeId).person_id AS person_id, communityId AS c",
            {"name": undirected, "gamma": float(resolution), "seed": int(seed)}).rows
        ranks = store.read(
            "CALL gds.pageRank.stream($name, {relationshipWeightProperty: 'weight', "
            "dampingFactor: 0.85, maxIterations: 200, tolerance: 1.0e-10}) "
            "YIELD nodeId, score RETURN gds.util.asNode(nodeId).person_id AS person_id, score",
            {"name": directed}).rows
    finally:
        _drop(store, undirected)
        _drop(store, directed)
    by_person = {r["person_id"]: r["c"] for r in communities}
    score = {r["person_id"]: r["score"] for r in ranks}
    missing = [p for p in person_ids if p not in by_person or p not in score]
    if missing:
        raise StoreError(f"GDS returned no result for {len(missing)} persons, e.g. {missing[0]}")
    membership = np.array([by_person[p] for p in person_ids], dtype=np.int64)
    pagerank = np.array([score[p] for p in person_ids], dtype=float)
    total = pagerank.sum()
    return membership, pagerank / total if total > 0 else pagerank
