"""The limits that keep one query from hurting the database, whoever sends it.

The embedded FalkorDB server gets them as module arguments when it starts
(``falkordb_module_args``): ``QUERY_MEM_CAPACITY`` kills any single query that allocates
more than ``query_memory_bytes()`` with ``Query's mem consumption exceeded capacity``
instead of letting the server allocate until the system aborts it. The cap is global
(FalkorDB has no per-query memory option), so it is sized for the product's own queries at
1M persons: every large read and write of kolgraph works in windows of at most 50,000
nodes or 5,000 rows, far below it. ``KOLGRAPH_DB_QUERY_MEMORY_MB`` overrides it when the
server starts (0: no cap).

Neo4j gets the matching settings in its own configuration (``NEO4J_SETTINGS``, see
docs/operations.md); the driver passes each analyst query's timeout with the transaction.
"""

from __future__ import annotations

import os

from graph.errors import InvalidInput

DEFAULT_QUERY_MEMORY_MB = 1024
MEMORY_VARIABLE = "KOLGRAPH_DB_QUERY_MEMORY_MB"

#: neo4j.conf lines that give a Neo4j server the same protection as the embedded database:
#: a memory cap per transaction and for all of them, and no file or network access from
#: ``LOAD CSV`` (every address blocked).
NEO4J_SETTINGS: dict[str, str] = {
    "db.memory.transaction.max": "256m",
    "dbms.memory.transaction.total.max": "512m",
    "dbms.security.allow_csv_import_from_file_urls": "false",
    "internal.dbms.cypher_ip_blocklist": "0.0.0.0/0,::/0",
}


def query_memory_bytes(env: dict[str, str] | None = None) -> int:
    """Bytes one query may allocate in the embedded server (0: unlimited), from
    ``KOLGRAPH_DB_QUERY_MEMORY_MB`` in ``env`` (default: the process environment) or
    1024 MiB.

    >>> query_memory_bytes({})
    1073741824
    >>> query_memory_bytes({"KOLGRAPH_DB_QUERY_MEMORY_MB": "256"})
    268435456
    """
    raw = (os.environ if env is None else env).get(MEMORY_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_QUERY_MEMORY_MB * 1024 * 1024
    try:
        megabytes = int(raw)
    except ValueError as exc:
        message = f"expected a whole number of MiB, got {raw!r}"
        raise InvalidInput(MEMORY_VARIABLE, message) from exc
    return max(megabytes, 0) * 1024 * 1024


def falkordb_module_args(env: dict[str, str] | None = None) -> list[str]:
    """The FalkorDB module arguments (after ``--loadmodule falkordb.so``) that set the
    limits.

    >>> falkordb_module_args({"KOLGRAPH_DB_QUERY_MEMORY_MB": "0"})
    ['QUERY_MEM_CAPACITY', '0']
    """
    return ["QUERY_MEM_CAPACITY", str(query_memory_bytes(env))]
