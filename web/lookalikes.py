"""Look-alike KOLs of the person page: the KOLs nearest to a person by embedding, found in
memory.

The embeddings of the current run's KOLs (``kol_score`` at least the run's KOL floor) are
read once per (refresh, analyze, ingest) run into a ``graph.analytics.nearest.CosineIndex``
(about 26 MB for 100,000 KOLs of 64 dimensions); a page then costs one read of the person's
own embedding (none when the person is a KOL) and one matrix-vector product, where asking the
database's vector index took several queries of widening pools (18 ms of database time per
page at 100,000 persons). The answer is exact, not approximate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from graph.analytics.nearest import CosineIndex
from graph.store import GraphStore, gnn_io


@dataclass(frozen=True)
class KolVectors:
    """The KOLs' unit embeddings with what the page shows of each (arrays by row)."""

    index: CosineIndex
    display_name: list[Any]
    community_id: list[Any]
    kol_score: np.ndarray     # float64
    followers_total: np.ndarray
    reach: np.ndarray

    @classmethod
    def read(cls, store: GraphStore, min_score: float) -> KolVectors:
        """The persons of ``gnn_io.kol_vectors(store, min_score)``, ordered by person id."""
        found: list[dict[str, Any]] = [r for batch in gnn_io.kol_vectors(store, min_score)
                                       for r in batch]
        found.sort(key=lambda r: str(r["person_id"]))
        ids = [str(r["person_id"]) for r in found]
        width = max((len(r["embedding"]) for r in found), default=0)
        matrix = np.zeros((len(found), width), dtype=np.float32)
        for i, r in enumerate(found):
            matrix[i, :len(r["embedding"])] = r["embedding"]

        def numbers(column: str) -> np.ndarray:
            return np.array([float(r[column] or 0) for r in found], dtype=np.float64)

        return cls(CosineIndex.build(ids, matrix), [r["display_name"] for r in found],
                   [r["community_id"] for r in found],
                   numbers("kol_score"), numbers("followers_total"), numbers("reach"))

    def vector(self, person_id: str) -> np.ndarray | None:
        """The unit embedding of ``person_id`` when it is one of the KOLs, else ``None``."""
        row = self.index.rows.get(person_id)
        return None if row is None else self.index.unit[row]

    def nearest(self, vector: np.ndarray | list[float], k: int, *, min_audience: float,
                exclude: str) -> list[dict[str, Any]]:
        """The ``k`` KOLs nearest to ``vector`` with ``followers_total`` or ``reach`` at least
        ``min_audience``, ``exclude`` left out: ``person_id, display_name, similarity,
        community_id, kol_score, followers_total, reach``, most similar first (ties by id)."""
        eligible = (self.followers_total >= min_audience) | (self.reach >= min_audience)
        out = []
        for person_id, similarity in self.index.nearest(vector, k, eligible=eligible,
                                                        exclude=exclude):
            row = self.index.rows[person_id]
            out.append({"person_id": person_id, "display_name": self.display_name[row],
                        "similarity": similarity, "community_id": self.community_id[row],
                        "kol_score": float(self.kol_score[row]),
                        "followers_total": int(self.followers_total[row]),
                        "reach": int(self.reach[row])})
        return out
