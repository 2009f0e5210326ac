"""Database I/O: the only package that knows a database exists.

``open_store(settings)`` returns the ``GraphStore`` that the settings select.
"""

from __future__ import annotations

from graph.config import Settings
from graph.store.base import (
    ConstraintViolation,
    GraphStore,
    NodeRef,
    ParameterValueError,
    QueryMemoryExceeded,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    StoreError,
)

__all__ = [
    "ConstraintViolation",
    "GraphStore",
    "NodeRef",
    "ParameterValueError",
    "QueryMemoryExceeded",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeout",
    "ReadOnlyViolation",
    "StoreError",
    "open_store",
]


def open_store(settings: Settings, *, apply_schema: bool = True) -> GraphStore:
    """Connect to the configured backend (starting the embedded server when needed)."""
    store: GraphStore
    if settings.backend == "neo4j":
        from graph.store.neo4j_store import Neo4jStore

        assert settings.neo4j_uri is not None
        store = Neo4jStore(settings.neo4j_uri, settings.neo4j_username,
                           settings.neo4j_password, settings.neo4j_database)
    else:
        from graph.store.falkordb_store import FalkorDBStore

        store = FalkorDBStore(settings.db_dir, settings.graph_name)
    if apply_schema:
        store.apply_schema()
    return store
