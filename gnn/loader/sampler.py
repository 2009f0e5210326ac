"""Fast uniform neighbour sampling on a CSR adjacency, in NumPy.

PyG's ``NeighborLoader`` needs ``pyg-lib`` or ``torch-sparse``; this sampler needs neither.
For a batch of seed nodes it samples up to ``fanout[l]`` neighbours per node per hop (all of
them when a node has fewer) and returns the sampled subgraph with local ids, seeds first, as
an ``edge_index`` (row 0 = source, row 1 = target) that ``SAGEConv`` takes directly.

>>> import scipy.sparse as sp
>>> A = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=np.float32))
>>> s = NeighborSampler(A.indptr, A.indices, fanouts=[5, 5])
>>> nodes, edge_index = s.sample(np.array([0]), np.random.default_rng(0))
>>> nodes.tolist(), sorted(map(tuple, edge_index.T.tolist()))
([0, 1, 2], [(0, 1), (1, 0), (2, 1)])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class NeighborSampler:
    """Samples k-hop subgraphs around seed nodes of a CSR graph (``indptr``, ``indices``)."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, fanouts: Sequence[int]):
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.indices = np.asarray(indices, dtype=np.int64)
        self.fanouts = list(fanouts)
        self._local = np.full(len(self.indptr) - 1, -1, dtype=np.int64)

    def neighbours(self, frontier: np.ndarray, fanout: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Sampled ``(target, source)`` pairs: up to ``fanout`` neighbours of each frontier
        node (all when it has at most ``fanout``; else drawn uniformly, de-duplicated)."""
        start = self.indptr[frontier]
        deg = self.indptr[frontier + 1] - start
        small = deg <= fanout
        # every neighbour of the low-degree nodes
        s_nodes, s_deg, s_start = frontier[small], deg[small], start[small]
        tgt_a = np.repeat(s_nodes, s_deg)
        offs = np.arange(int(s_deg.sum())) - np.repeat(np.cumsum(s_deg) - s_deg, s_deg)
        src_a = self.indices[np.repeat(s_start, s_deg) + offs]
        # ``fanout`` draws with replacement for the others
        b_nodes, b_deg, b_start = frontier[~small], deg[~small], start[~small]
        tgt_b = np.repeat(b_nodes, fanout)
        draw = (rng.random(len(tgt_b)) * np.repeat(b_deg, fanout)).astype(np.int64)
        src_b = self.indices[np.repeat(b_start, fanout) + draw]
        tgt, src = np.concatenate([tgt_a, tgt_b]), np.concatenate([src_a, src_b])
        if len(tgt_b):
            key = np.unique(tgt * len(self._local) + src)
            tgt, src = key // len(self._local), key % len(self._local)
        return tgt, src

    def sample(self, seeds: np.ndarray,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(nodes, edge_index)``: global ids of the subgraph's nodes (the unique seeds
        first, in order) and its edges in local ids, shape ``[2, E]``."""
        seeds = np.asarray(seeds, dtype=np.int64)
        local = self._local
        nodes = [seeds]
        local[seeds] = np.arange(len(seeds))
        count = len(seeds)
        frontier = seeds
        edges_t, edges_s = [], []
        try:
            for fanout in self.fanouts:
                tgt, src = self.neighbours(frontier, fanout, rng)
                new = np.unique(src[local[src] < 0])
                local[new] = np.arange(count, count + len(new))
                count += len(new)
                nodes.append(new)
                edges_t.append(local[tgt])
                edges_s.append(local[src])
                frontier = new
            all_nodes = np.concatenate(nodes)
        finally:
            local[np.concatenate(nodes)] = -1
        edge_index = np.stack([np.concatenate(edges_s), np.concatenate(edges_t)])
        return all_nodes, edge_index
