"""Large writes: the capability that every ``GraphStore`` offers as ``store.bulk``.

The ingest (``graph.store.ingest_writes``) writes millions of rows through it and never asks
which database it talks to. ``BulkWriter`` is the portable path, which any backend can use
as it is (Neo4j does): one parameterized query per write, a ``Table`` parameter sent as a
list of rows (``UNWIND $rows``), relationships between known node ids created by a further
``UNWIND`` in the same query. A backend with a faster path of its own subclasses it (the
embedded FalkorDB: ``GRAPH.BULK``, ``graph.store.falkordb_writer``).

A backend that can hand its internal node ids to a run also implements ``NodeIdAccess`` and
returns it from ``BulkWriter.node_ids``: the ingest then reads the ids of the nodes it links,
creates large numbers of nodes with ``create_nodes``, and writes relationships between
nodes given by id instead of looking their keys up. Where ``node_ids`` is ``None`` the
ingest finds every node by its key: the same graph, written more slowly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from graph.store.base import Progress, Row, _check_identifier
from graph.store.cypher_literal import Table

if TYPE_CHECKING:
    from graph.store.base import GraphStore

#: Event rows per write of the portable path (one moderate transaction per query).
EVENT_ROWS = 50_000
#: Relationships per query of ``BulkWriter.create_relationships``.
RELATIONSHIP_BATCH = 10_000
#: The parameter that carries the relationships of ``BulkWriter.prepare``.
NEW_RELATIONSHIPS = "new_relationships"


@dataclass(frozen=True)
class Relationships:
    """Relationships to create, each from node id ``src[i]`` to ``dst[i]`` (ids that the
    store handed out: ``NodeIdAccess``), with properties given as (name, column) pairs:
    integer columns become integers, float columns floats, object columns strings (no
    nulls)."""

    rel_type: str
    src: np.ndarray
    dst: np.ndarray
    props: Sequence[tuple[str, pd.Series | np.ndarray]] = ()

    def __len__(self) -> int:
        return len(self.src)

    def table(self) -> Table:
        """The relationships as rows: source id, destination id, then each property."""
        return Table([np.asarray(self.src, dtype=np.int64), np.asarray(self.dst, dtype=np.int64),
                      *(values for _, values in self.props)])


def create_by_id(relationships: Relationships, param: str) -> str:
    """The clause that creates ``relationships`` from the rows of ``$param``
    (``Relationships.table``), nodes found by id.

    >>> query = create_by_id(Relationships("R", np.array([1]), np.array([2]), [("k", ["a"])]),
    ...                      "r")
    >>> query.split(" MATCH ")[0], query.split(" CREATE ")[1]
    ('UNWIND $r AS rel', '(a)-[:R {k: rel[2]}]->(b)')
    """
    props = ", ".join(f"{_check_identifier(name)}: rel[{i + 2}]"
                      for i, (name, _) in enumerate(relationships.props))
    return (f"UNWIND ${param} AS rel MATCH (a) WHERE id(a) = rel[0] "
            "MATCH (b) WHERE id(b) = rel[1] "
            f"CREATE (a)-[:{_check_identifier(relationships.rel_type)}"
            + (f" {{{props}}}" if props else "") + "]->(b)")


@dataclass(frozen=True)
class KeyIds:
    """The key property of nodes (``keys``, Arrow strings) and their node ids (``ids``),
    in the same order."""

    keys: pa.Array
    ids: np.ndarray


class NodeIdAccess(ABC):
    """A store's internal node ids, handed to a run that writes many nodes and
    relationships. The ids are read and used within one run (another writer that deletes
    nodes meanwhile may let the database give their ids to new ones)."""

    @abstractmethod
    def read_columns(self, label: str, match: str, exprs: Mapping[str, str],
                     lists: Collection[str] = ()) -> dict[str, list[Any]]:
        """The value of each expression of ``exprs`` (by name) for every row that ``match``
        gives, in one order for all; ``match`` reads the ``label`` nodes whose ids lie in
        ``$lo`` .. ``$hi`` (the store reads the label in windows of ids). Each expression
        gives a string (``toString(id(n))`` for a node's id), or, those named in
        ``lists``, a list of strings (a Python list each)."""

    @abstractmethod
    def create_nodes(self, label: str, props: Sequence[tuple[str, pa.Array]],
                     progress: Progress | None = None) -> np.ndarray:
        """Create one ``label`` node per row of the ``props`` columns (the first holds the
        node keys: distinct, and none in the graph yet; a null is no property) and return
        their node ids in row order. Raises ``StoreError`` when a key is then found on more
        than one node (another writer created it meanwhile)."""


class BulkWriter:
    """The large writes of one store, portable: batched ``UNWIND $rows`` queries. See the
    module's docstring; a backend with a faster path subclasses it."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    @property
    def node_ids(self) -> NodeIdAccess | None:
        """The store's node ids for the writes of a run, or ``None`` (this class): the
        writer then finds every node by its key."""
        return None

    def rows_per_write(self, new_relationships: bool) -> int:
        """About how many event rows one write should hold; ``new_relationships``: the rows
        mostly create relationships (of a type the graph held none of before the run)."""
        return EVENT_ROWS

    def prepare(self, query: str, params: Mapping[str, Any],
                relationships: Relationships | None = None) -> Callable[[], list[Row]]:
        """Do the client's share of a write now and return the call that sends it: the call
        runs ``query`` with ``params`` (a ``Table`` value is a list of rows) and creates
        ``relationships`` in one transaction, and returns the query's rows. A client that
        goes away leaves both or neither; a failed write raises ``StoreError``, whose
        message says when the relationships were created all the same (the embedded
        database does not roll a transaction back). Prepared in one thread while another
        thread sends the previous write, consecutive writes keep the database busy
        (``ingest_writes.write_pipelined``)."""
        values = {name: value.rows() if isinstance(value, Table) else value
                  for name, value in params.items()}
        if relationships is not None and len(relationships):
            query = (create_by_id(relationships, NEW_RELATIONSHIPS)
                     + " WITH count(*) AS bulk_created " + query)
            values[NEW_RELATIONSHIPS] = relationships.table().rows()
        return partial(self.store.write, query, values)

    def create_relationships(self, relationships: Relationships) -> None:
        """Create ``relationships`` (in several transactions when they are many)."""
        table = relationships.table()
        query = create_by_id(relationships, "rows")
        for start in range(0, len(table), RELATIONSHIP_BATCH):
            self.store.write(query, {
                "rows": table.slice(start, start + RELATIONSHIP_BATCH).rows()})
