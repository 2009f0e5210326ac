"""Turning projection DataFrames into indexed arrays, sparse matrices and igraph graphs.

Persons are numbered ``0..n-1`` in the order of ``PersonIndex.ids``; every algorithm works on
those integer ids and the results are mapped back to person ids at the end.

>>> import pandas as pd
>>> idx = PersonIndex.build(["c"], pd.DataFrame({"src": ["a"], "dst": ["b"], "weight": [1.0]}))
>>> idx.ids.tolist(), idx.edge_arrays(pd.DataFrame({"src": ["a"], "dst": ["b"],
...                                                 "weight": [2.0]}))[0].tolist()
(['a', 'b', 'c'], [0])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp


@dataclass(frozen=True)
class PersonIndex:
    """A sorted array of person ids and the lookup from id to position."""

    ids: np.ndarray

    @classmethod
    def build(cls, persons: Iterable[str], edges: pd.DataFrame | None = None) -> PersonIndex:
        """All persons of ``persons`` and of the edges' endpoints (``src``, ``dst``), sorted.
        (Distinct values are found by hashing, in Arrow; only they are sorted.)"""
        parts = [_strings(persons)]
        if edges is not None and len(edges):
            parts += [_strings(edges["src"]), _strings(edges["dst"])]
        distinct = pc.unique(pa.chunked_array(parts, type=pa.large_string()))
        ordered = distinct.take(pc.sort_indices(distinct))
        return cls(np.asarray(ordered.to_pylist(), dtype=str))

    @property
    def n(self) -> int:
        return int(self.ids.size)

    def positions(self, values: Iterable[str]) -> np.ndarray:
        """Positions of ``values`` (every value must be in the index; -1 for one that is
        not), by hash look-up."""
        found = pc.index_in(_strings(values), value_set=pa.array(self.ids, pa.large_string()))
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)

    def edge_arrays(self, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(src positions, dst positions, weights)`` of a projection DataFrame."""
        return (self.positions(edges["src"].to_numpy()), self.positions(edges["dst"].to_numpy()),
                edges["weight"].to_numpy(dtype=float))


def _strings(values: Iterable[str]) -> pa.Array:
    """``values`` as an Arrow large-string array (no Python object per value when they are
    pandas' Arrow-backed strings)."""
    if isinstance(values, pd.Series | pd.Index):
        array = pa.array(values)
    else:
        array = pa.array(np.asarray(values if isinstance(values, np.ndarray) else list(values),
                                    dtype=object))
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def sparse_matrix(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> sp.csr_matrix:
    """``n x n`` CSR matrix with ``M[src, dst] = weight`` (duplicates summed)."""
    return sp.csr_matrix((weight, (src, dst)), shape=(n, n))


def igraph_graph(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, *,
                 directed: bool) -> ig.Graph:
    """An igraph graph on ``n`` vertices with the edge attribute ``weight``."""
    g = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist() if len(src) else [],
                 directed=directed)
    g.es["weight"] = weight.tolist()
    return g
