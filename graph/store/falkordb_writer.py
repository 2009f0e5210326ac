"""The embedded FalkorDB's large writes (``FalkorDBStore.bulk``): node ids handed to the
run, nodes and relationships created with ``GRAPH.BULK`` (``graph.store.falkordb_bulk``), and
``Table`` parameters serialised column-wise before the write (``graph.store.cypher_literal``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph.store.base import Progress, Row, StoreError, _check_identifier
from graph.store.bulk import EVENT_ROWS, BulkWriter, KeyIds, NodeIdAccess, Relationships
from graph.store.cypher_literal import Table
from graph.store.falkordb_bulk import edge_tokens, node_token

if TYPE_CHECKING:
    from graph.store.falkordb_store import FalkorDBStore

#: Rows per event write of a kind that the graph held none of before the run (mostly new
#: relationships, created in bulk). There, a query that MERGEs relationships right after a
#: bulk insert first brings the graph's relationship matrices up to date, which takes about
#: 0.15 s at 10M relationships however few rows it merges: fewer, larger writes pay that
#: less often.
FRESH_EVENT_ROWS = 1_000_000
#: Nodes or relationships per ``GRAPH.BULK`` command.
BULK_BATCH = 100_000
#: Node ids per window of ``read_columns``.
KEY_SCAN = 200_000

#: Separates the values that ``read_columns`` reads joined into one string (checked: a
#: value holding it makes that window be read row by row).
_KEY_SEPARATOR = "\x1f"
#: Separates the items of a list value inside one joined value (``$inner``).
_LIST_SEPARATOR = "\x1e"


class FalkorDBBulkWriter(BulkWriter, NodeIdAccess):
    """``BulkWriter`` and ``NodeIdAccess`` of one ``FalkorDBStore``."""

    store: FalkorDBStore

    @property
    def node_ids(self) -> NodeIdAccess:
        return self

    def rows_per_write(self, new_relationships: bool) -> int:
        return FRESH_EVENT_ROWS if new_relationships else EVENT_ROWS

    def prepare(self, query: str, params: Mapping[str, Any],
                relationships: Relationships | None = None) -> Callable[[], list[Row]]:
        """As ``BulkWriter.prepare``; the ``Table`` values are serialised here, and the
        relationships encoded for ``GRAPH.BULK``, sent with the query in one
        ``MULTI``/``EXEC`` transaction (``FalkorDBStore.write_with_edges``)."""
        for value in params.values():
            if isinstance(value, Table):
                value.literal()
        if relationships is None or not len(relationships):
            return partial(self.store.write, query, params)
        edges = edge_tokens(relationships.rel_type, relationships.src, relationships.dst,
                            relationships.props)
        return partial(self.store.write_with_edges, edges, query, params)

    def create_relationships(self, relationships: Relationships) -> None:
        """``GRAPH.BULK`` commands of ``BULK_BATCH`` relationships each."""
        rel = relationships
        for start in range(0, len(rel), BULK_BATCH):
            part = slice(start, start + BULK_BATCH)
            self.store.bulk_insert(edges=edge_tokens(
                rel.rel_type, rel.src[part], rel.dst[part],
                [(name, _rows_of(values, part)) for name, values in rel.props]))

    # ------------------------------------------------------------- node ids
    def read_columns(self, label: str, match: str, exprs: Mapping[str, str],
                     lists: Collection[str] = ()) -> dict[str, list[Any]]:
        """Each window of ``KEY_SCAN`` ids comes back as one joined string per expression
        (a list joined first), which the client parses once instead of once per row; a
        window where a value holds the separator is read again row by row."""
        exprs = {name: f"string.join({expr}, $inner)" if name in lists else expr
                 for name, expr in exprs.items()}
        out: dict[str, list[Any]] = {name: [] for name in exprs}
        for bounds in self._id_windows(label):
            params = {**bounds, "sep": _KEY_SEPARATOR, "inner": _LIST_SEPARATOR}
            row = self.store.read(match + "RETURN " + ", ".join(
                f"string.join(collect({expr}), $sep) AS {name}" for name, expr in exprs.items())
                + ", count(*) AS n", params).rows[0]
            if not row["n"]:
                continue
            values = {name: row[name].split(_KEY_SEPARATOR) for name in exprs}
            if any(len(column) != row["n"] for column in values.values()):
                rows = self.store.read(match + "RETURN " + ", ".join(
                    f"{expr} AS {name}" for name, expr in exprs.items()), params).rows
                values = {name: [r[name] for r in rows] for name in exprs}
            for name in exprs:
                out[name] += values[name]
        for name in lists:
            out[name] = [joined.split(_LIST_SEPARATOR) if joined else [] for joined in out[name]]
        return out

    def key_node_ids(self, label: str, key: str) -> KeyIds:
        """Every ``label`` node's ``key`` property and node id, with one scan of the label."""
        label, key = _check_identifier(label), _check_identifier(key)
        window = f"MATCH (n:{label}) WHERE id(n) >= $lo AND id(n) < $hi "
        values = self.read_columns(label, window, {"k": f"n.{key}", "i": "toString(id(n))"})
        return KeyIds(pa.array(values["k"], pa.large_string()),
                      np.array(values["i"], dtype=np.int64))

    def create_nodes(self, label: str, props: Sequence[tuple[str, pa.Array]],
                     progress: Progress | None = None) -> np.ndarray:
        """``GRAPH.BULK`` commands of ``BULK_BATCH`` nodes each (the server checks no
        unique constraint there), then one scan of the label for their ids."""
        count = len(props[0][1])

        def token(start: int) -> tuple[bytes, int]:
            part = [(name, column.slice(start, BULK_BATCH)) for name, column in props]
            return node_token(label, part), len(part[0][1])

        # the next command is encoded (Arrow kernels, no interpreter lock) while the
        # database runs this one
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-encode") as pool:
            starts = range(0, count, BULK_BATCH)
            coming = pool.submit(token, 0) if count else None
            for i in range(len(starts)):
                assert coming is not None
                encoded, rows = coming.result()
                coming = pool.submit(token, starts[i + 1]) if i + 1 < len(starts) else None
                self.store.bulk_insert([encoded], rows)
                if progress:
                    progress(rows)
        key, keys = props[0][0], props[0][1].cast(pa.large_string())
        found = self.key_node_ids(label, key)
        holding = int(pc.sum(pc.is_in(found.keys, value_set=keys)).as_py() or 0)
        positions = pc.index_in(keys, value_set=found.keys)
        if holding != count or positions.null_count:
            raise StoreError(f"{label} nodes: after a bulk write of {count}, {holding} nodes "
                             f"hold their {key} values (another writer changed the graph "
                             "during the ingest)")
        return found.ids[positions.to_numpy(zero_copy_only=False)]

    def _id_windows(self, label: str) -> Iterator[dict[str, int]]:
        """``lo``/``hi`` bounds covering the node ids of ``label``, ``KEY_SCAN`` ids each."""
        top = self.store.scalar(
            f"MATCH (n:{_check_identifier(label)}) RETURN max(id(n)) AS top")
        for lo in range(0, -1 if top is None else int(top) + 1, KEY_SCAN):
            yield {"lo": lo, "hi": lo + KEY_SCAN}


def _rows_of(values: Any, part: slice) -> Any:
    """Rows ``part`` of a column (a pandas Series by position)."""
    return values.iloc[part] if hasattr(values, "iloc") else values[part]
