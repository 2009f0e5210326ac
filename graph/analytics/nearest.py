"""Exact nearest neighbours by cosine similarity among a fixed set of vectors (the KOLs'
embeddings), with a per-query filter: plain numpy on plain arrays.

Used for the person page's look-alike KOLs: the KOLs of a run are a tenth of the persons,
so one matrix-vector product over them is cheaper than asking the database's vector index
for ever wider pools until enough of the nearest persons pass the filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class CosineIndex:
    """``ids[i]`` (sorted) has the unit vector ``unit[i]`` (a row of zero length stays zero:
    similarity 0 to everything); ``rows`` maps an id to its row."""

    ids: list[str]
    unit: np.ndarray  # float32, (rows, dimensions)
    rows: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, ids: list[str], vectors: np.ndarray) -> CosineIndex:
        """The index of ``vectors`` (one row per id, ``ids`` sorted and distinct).

        >>> index = CosineIndex.build(["a", "b"], np.array([[3.0, 4.0], [0.0, 0.0]]))
        >>> index.unit.tolist(), index.rows
        ([[0.6000000238418579, 0.800000011920929], [0.0, 0.0]], {'a': 0, 'b': 1})
        """
        if any(a >= b for a, b in zip(ids, ids[1:], strict=False)):
            raise ValueError("ids must be sorted and distinct")
        matrix = np.asarray(vectors, dtype=np.float64).reshape(len(ids), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        unit = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
        return cls(list(ids), unit.astype(np.float32), {i: row for row, i in enumerate(ids)})

    def nearest(self, vector: np.ndarray | list[float], k: int, *,
                eligible: np.ndarray | None = None, exclude: str | None = None
                ) -> list[tuple[str, float]]:
        """The ``k`` rows most similar to ``vector`` (cosine, -1..1) among the ``eligible``
        ones (a boolean mask; all when ``None``) but ``exclude``: ``(id, similarity)``, most
        similar first, ties by id. An empty list for a vector of zero length.

        >>> index = CosineIndex.build(["a", "b", "c"], np.array([[1, 0], [1, 1], [0, 1]]))
        >>> [(i, round(s, 3)) for i, s in index.nearest([1, 0.1], 2)]
        [('a', 0.995), ('b', 0.774)]
        >>> [i for i, _ in index.nearest([1, 0.1], 2, eligible=np.array([1, 0, 1], bool))]
        ['a', 'c']
        >>> [i for i, _ in index.nearest([1, 0.1], 5, exclude="a")]
        ['b', 'c']
        """
        query = np.asarray(vector, dtype=np.float64).ravel()
        length = float(np.linalg.norm(query))
        if length == 0.0 or k <= 0 or not self.ids:
            return []
        # einsum's own loop, not BLAS: BLAS threads spin for milliseconds after each call,
        # CPU a busy web server's other requests need
        similarity = np.einsum("ij,j->i", self.unit, (query / length).astype(np.float32))
        score = similarity if eligible is None else np.where(eligible, similarity, -np.inf)
        if exclude is not None and exclude in self.rows:
            score = score.copy() if score is similarity else score
            score[self.rows[exclude]] = -np.inf
        count = min(k, int(np.count_nonzero(score > -np.inf)))
        if count == 0:
            return []
        # every row at least as similar as the count-th best (ties kept), then by id (= row)
        kth = -np.partition(-score, count - 1)[count - 1]
        rows = np.flatnonzero(score >= kth)
        order = rows[np.lexsort((rows, -score[rows]))][:count]
        return [(self.ids[r], float(similarity[r])) for r in order.tolist()]
