"""Pairwise structural scores on a (training) graph: the classic link-prediction heuristics,
used both as baselines and as inputs of the link decoder.

Person → person, on the symmetric adjacency ``A``: common neighbours, Adamic–Adar, resource
allocation, preferential attachment. Person → content, with the engagement matrix ``B``:
"connections who engaged" (common neighbours across the bipartite graph: persons tied to
``u`` who engaged ``c``), popularity of ``c``, and the topic match of ``u``'s profile.

>>> import scipy.sparse as sp
>>> A = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=np.float32))
>>> pp_scores(A, np.array([0]), np.array([1]))["common_neighbours"].tolist()
[1.0]
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

PP_HEURISTICS = ("common_neighbours", "adamic_adar", "resource_allocation",
                 "preferential_attachment")
PC_HEURISTICS = ("popularity", "connections_engaged")


def _shared(rows: sp.csr_matrix, u: np.ndarray, cols: sp.csr_matrix,
            v: np.ndarray) -> sp.csr_matrix:
    """Element-wise product of ``rows[u]`` and ``cols[v]`` (one row per pair)."""
    return rows[u].multiply(cols[v]).tocsr()


def pp_scores(adjacency: sp.csr_matrix, u: np.ndarray, v: np.ndarray,
              chunk: int = 200_000) -> dict[str, np.ndarray]:
    """Heuristic scores of the person pairs ``(u[i], v[i])`` on ``adjacency``."""
    deg = np.asarray(adjacency.sum(axis=1)).ravel()
    inv_log = np.divide(1.0, np.log(np.maximum(deg, 1.0)), out=np.zeros_like(deg),
                        where=deg > 1)
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    out = {name: np.zeros(len(u), dtype=np.float64) for name in PP_HEURISTICS}
    for lo in range(0, len(u), chunk):
        cu, cv = u[lo:lo + chunk], v[lo:lo + chunk]
        m = _shared(adjacency, cu, adjacency, cv)
        out["common_neighbours"][lo:lo + chunk] = np.asarray(m.sum(axis=1)).ravel()
        out["adamic_adar"][lo:lo + chunk] = m @ inv_log
        out["resource_allocation"][lo:lo + chunk] = m @ inv
        out["preferential_attachment"][lo:lo + chunk] = deg[cu] * deg[cv]
    return out


def pc_scores(adjacency: sp.csr_matrix, engagements: sp.csr_matrix, u: np.ndarray,
              c: np.ndarray, profile: np.ndarray | None = None,
              content_topic: np.ndarray | None = None,
              chunk: int = 200_000) -> dict[str, np.ndarray]:
    """Heuristic scores of the (person, content) pairs ``(u[i], c[i])``.

    ``profile`` (person × topic shares) and ``content_topic`` (topic index per content,
    -1 unknown) add ``topic_match``.
    """
    popularity = np.asarray(engagements.sum(axis=0)).ravel()
    eng_t = engagements.T.tocsr()
    out = {"popularity": popularity[c].astype(np.float64),
           "connections_engaged": np.zeros(len(u), dtype=np.float64)}
    for lo in range(0, len(u), chunk):
        m = _shared(adjacency, u[lo:lo + chunk], eng_t, c[lo:lo + chunk])
        out["connections_engaged"][lo:lo + chunk] = np.asarray(m.sum(axis=1)).ravel()
    if profile is not None and content_topic is not None:
        t = content_topic[c]
        match = np.zeros(len(u), dtype=np.float64)
        ok = t >= 0
        match[ok] = profile[u[ok], t[ok]]
        out["topic_match"] = match
    return out


def pp_decoder_features(scores: dict[str, np.ndarray]) -> np.ndarray:
    """The pair features the person → person decoder sees, log-scaled: ``[n, 3]``."""
    return np.stack([np.log1p(scores["common_neighbours"]), scores["adamic_adar"],
                     scores["resource_allocation"] * 10.0], axis=1).astype(np.float32)


def pc_decoder_features(scores: dict[str, np.ndarray]) -> np.ndarray:
    """The pair features the person → content decoder sees: ``[n, 3]``."""
    return np.stack([np.log1p(scores["connections_engaged"]),
                     np.log1p(scores["popularity"]),
                     scores.get("topic_match", np.zeros(len(scores["popularity"])))],
                    axis=1).astype(np.float32)
