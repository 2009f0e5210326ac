"""Row-wise operations on sparse score matrices (one row per source person): look up the
values of given (row, column) pairs, keep the best entries of each row, rank within rows.

These are the vectorised building blocks of candidate generation and pair features: a batch
of persons is a block of rows, and every candidate is a (row, column) pair of it.

>>> import scipy.sparse as sp
>>> m = sp.csr_matrix(np.array([[0, 3, 1], [2, 0, 0]], dtype=np.float32))
>>> lookup(m, np.array([0, 0, 1]), np.array([1, 2, 1])).tolist()
[3.0, 1.0, 0.0]
>>> rows, cols, vals = top_per_row(m, 1)
>>> rows.tolist(), cols.tolist(), vals.tolist()
([0, 1], [1, 0], [3.0, 2.0])
>>> prune_rows(sp.csr_matrix(np.array([[1, 2, 2, 0]], dtype=np.float32)), 2).toarray().tolist()
[[0.0, 2.0, 2.0, 0.0]]
>>> rank_within(np.array([0, 0, 0, 1]), np.array([5.0, 1.0, 3.0, 7.0])).tolist()
[1.0, 0.3333333333333333, 0.6666666666666666, 1.0]
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import scipy.sparse as sp

#: What these functions take: a sparse matrix of a format that converts to CSR (products,
#: transposes and element-wise products of CSR matrices come out as CSR, CSC, COO or BSR).
SparseMatrix: TypeAlias = sp.csr_matrix | sp.csc_matrix | sp.coo_matrix | sp.bsr_matrix


def canonical(matrix: SparseMatrix) -> sp.csr_matrix:
    """``matrix`` as CSR with summed duplicates and sorted column indices (in place when it
    already is CSR)."""
    out = matrix.tocsr()
    out.sum_duplicates()
    out.sort_indices()
    return out


def product(left: SparseMatrix, right: sp.csr_matrix) -> sp.csr_matrix:
    """``canonical(left @ right)`` for a short ``left`` (a block of rows) and a large
    ``right``, computed as the transpose of ``right[K]ᵀ @ left[:, K]ᵀ`` over the columns
    ``K`` that ``left`` uses.

    Each entry is the same sum as in the row-wise product, in the same order (over the
    inner index ascending; products commute exactly), so the result is identical. But
    the row-wise product accumulates each row in arrays as long as ``right`` is wide (a
    cache miss per step through a hub's neighbours on a large graph) and leaves the
    columns unsorted; here the accumulator is as long as the block and the final
    transpose sorts the columns.

    >>> left = sp.csr_matrix(np.array([[1.0, 2.0], [0.0, 3.0]]))
    >>> right = sp.csr_matrix(np.array([[0.0, 1.0, 4.0], [5.0, 0.0, 6.0]]))
    >>> product(left, right).toarray().tolist()
    [[10.0, 1.0, 16.0], [15.0, 0.0, 18.0]]
    """
    left = canonical(left)
    used = np.flatnonzero(np.bincount(left.indices, minlength=left.shape[1]))
    if len(used) == 0:
        return sp.csr_matrix((left.shape[0], right.shape[1]),
                             dtype=np.result_type(left.dtype, right.dtype))
    return canonical((right[used].T.tocsr() @ left[:, used].T.tocsr()).T.tocsr())


def entry_keys(matrix: sp.csr_matrix) -> np.ndarray:
    """``row * n_cols + col`` of every stored entry of a canonical CSR matrix: sorted.
    32-bit when every key fits (a block of rows of a graph), else 64-bit."""
    n_rows, n_cols = matrix.shape
    dtype = np.dtype(np.int32 if max(n_rows, 1) * n_cols < 2**31 else np.int64)
    starts = np.arange(0, n_rows * n_cols, n_cols, dtype=dtype)
    return np.repeat(starts, np.diff(matrix.indptr)) + matrix.indices.astype(dtype, copy=False)


def lookup(matrix: SparseMatrix, rows: np.ndarray, cols: np.ndarray,
           keys: np.ndarray | None = None) -> np.ndarray:
    """``matrix[rows[i], cols[i]]`` for every ``i`` (0.0 where nothing is stored), float64.
    ``keys``: ``entry_keys`` of the canonical ``matrix``, when a matrix that does not change
    is looked up again and again."""
    m = canonical(matrix)
    pos, found = _positions(m, entry_keys(m) if keys is None else keys, rows, cols)
    return _values(m, pos, found)


def lookup_many(matrices: list[sp.csr_matrix], rows: np.ndarray, cols: np.ndarray
                ) -> list[np.ndarray]:
    """``lookup`` of each of ``matrices`` at the same pairs; a matrix that stores the same
    entries as the one before it (products of one pattern with other weights) reuses its
    positions instead of searching again.

    >>> a = sp.csr_matrix(np.array([[0, 2.0], [1.0, 0]]))
    >>> [x.tolist() for x in lookup_many([a, a * 3], np.array([0, 1]), np.array([1, 1]))]
    [[2.0, 0.0], [6.0, 0.0]]
    """
    out: list[np.ndarray] = []
    previous: sp.csr_matrix | None = None
    for matrix in matrices:
        m = canonical(matrix)
        if (previous is None or not np.array_equal(m.indptr, previous.indptr)
                or not np.array_equal(m.indices, previous.indices)):
            pos, found = _positions(m, entry_keys(m), rows, cols)
        out.append(_values(m, pos, found))
        previous = m
    return out


def _positions(m: sp.csr_matrix, keys: np.ndarray, rows: np.ndarray, cols: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Where each pair ``(rows[i], cols[i])`` is stored in ``m`` (``keys`` its
    ``entry_keys``), and whether it is."""
    if len(keys) == 0 or len(rows) == 0:
        return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=bool)
    query = rows.astype(keys.dtype) * m.shape[1] + cols.astype(keys.dtype)
    pos = np.searchsorted(keys, query).clip(0, len(keys) - 1)
    return pos, keys[pos] == query


def _values(m: sp.csr_matrix, pos: np.ndarray, found: np.ndarray) -> np.ndarray:
    out = np.zeros(len(pos), dtype=np.float64)
    out[found] = m.data[pos[found]]
    return out


def top_per_row(matrix: SparseMatrix, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``m`` largest stored entries of each row (ties: smaller column first), as
    ``(rows, cols, values)`` grouped by row (in column order within a row)."""
    mat = canonical(matrix)
    counts = np.diff(mat.indptr)
    rows = np.repeat(np.arange(mat.shape[0], dtype=np.int64), counts)
    keep = np.ones(len(rows), dtype=bool)
    for r in np.flatnonzero(counts > m).tolist():
        lo, hi = int(mat.indptr[r]), int(mat.indptr[r + 1])
        values = mat.data[lo:hi]
        # the m-th largest value; among equal values the smaller columns are kept
        kth = np.partition(values, len(values) - m)[len(values) - m]
        above = values > kth
        at = np.flatnonzero(values == kth)[:m - int(above.sum())]
        row_keep = above
        row_keep[at] = True
        keep[lo:hi] = row_keep
    return rows[keep], mat.indices[keep].astype(np.int64), mat.data[keep]


def prune_rows(matrix: SparseMatrix, m: int) -> sp.csr_matrix:
    """``matrix`` keeping only the ``m`` largest entries of each row (rows with at most
    ``m`` entries unchanged)."""
    mat = canonical(matrix)
    if mat.shape[0] == 0 or np.diff(mat.indptr).max(initial=0) <= m:
        return mat
    rows, cols, vals = top_per_row(mat, m)
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=mat.shape[0]))]
    return sp.csr_matrix((vals, cols, indptr), shape=mat.shape)


def rank_within(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Percentile rank of each value within its group (1.0 = the group's largest; ties
    broken by position). ``groups`` need not be sorted."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.float64)
    order = np.lexsort((values, groups))  # a stable sort: equal values keep their order
    g = groups[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    size = np.diff(np.r_[start, len(g)])
    position = np.arange(len(g)) - np.repeat(start, size) + 1
    out = np.empty(len(values), dtype=np.float64)
    out[order] = position / np.repeat(size, size)
    return out


def group_starts(sorted_groups: np.ndarray) -> np.ndarray:
    """Index where each run of equal values starts in ``sorted_groups``."""
    if len(sorted_groups) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]


def top_k_per_group(groups: np.ndarray, items: np.ndarray, score: np.ndarray,
                    k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the best ``k`` entries of each group (ties: smaller item first), ordered
    by group then rank, and the 1-based rank of each.

    >>> idx, rank = top_k_per_group(np.array([1, 1, 1, 0]), np.array([5, 6, 7, 8]),
    ...                             np.array([0.1, 0.9, 0.9, 0.5]), 2)
    >>> idx.tolist(), rank.tolist()
    ([3, 1, 2], [1, 1, 2])
    """
    order = np.lexsort((items, -score, groups))
    start = group_starts(groups[order])
    rank = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)])) + 1
    keep = rank <= k
    return order[keep], rank[keep]
