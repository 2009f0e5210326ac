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


def _paths_by_pair(left: sp.csr_matrix, right_t: sp.csr_matrix, u: np.ndarray,
                   v: np.ndarray, weights: list[np.ndarray | None],
                   chunk: int) -> list[np.ndarray]:
    """``sum_k left[u, k] * w[k] * right[k, v]`` for each weighting ``w`` (``None`` = 1),
    pair by pair (``right_t`` = ``right`` transposed, CSR)."""
    out = [np.zeros(len(u), dtype=np.float64) for _ in weights]
    for lo in range(0, len(u), chunk):
        m = _shared(left, u[lo:lo + chunk], right_t, v[lo:lo + chunk])
        for o, w in zip(out, weights, strict=True):
            o[lo:lo + chunk] = np.asarray(m.sum(axis=1)).ravel() if w is None else m @ w
    return out


def _paths_by_source(left: sp.csr_matrix, right: sp.csr_matrix, u: np.ndarray,
                     v: np.ndarray, weights: list[np.ndarray | None],
                     sources_per_chunk: int = 256) -> list[np.ndarray]:
    """The same sums as ``_paths_by_pair``, computed as ``left[U] @ diag(w) @ right`` for
    the distinct sources ``U`` and looked up: much faster when each source has many
    pairs (the candidates of a recommendation batch), whatever the targets' degrees."""
    out = [np.zeros(len(u), dtype=np.float64) for _ in weights]
    sources, inverse = np.unique(u, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(0, len(sources) + sources_per_chunk,
                                                        sources_per_chunk))
    n_dst = right.shape[1]
    for i, lo in enumerate(range(0, len(sources), sources_per_chunk)):
        pairs = order[bounds[i]:bounds[i + 1]]
        block = left[sources[lo:lo + sources_per_chunk]]
        query = (inverse[pairs] - lo).astype(np.int64) * n_dst + v[pairs]
        for o, w in zip(out, weights, strict=True):
            prod = ((block if w is None else block @ sp.diags(w)) @ right).tocsr()
            prod.sum_duplicates()
            rows = np.repeat(np.arange(prod.shape[0], dtype=np.int64), np.diff(prod.indptr))
            keys = rows * n_dst + prod.indices
            pos = np.searchsorted(keys, query).clip(0, max(len(keys) - 1, 0))
            found = keys[pos] == query if len(keys) else np.zeros(len(query), dtype=bool)
            o[pairs] = np.where(found, prod.data[pos] if len(keys) else 0.0, 0.0)
    return out


def pp_scores(adjacency: sp.csr_matrix, u: np.ndarray, v: np.ndarray,
              chunk: int = 200_000, by_source: bool = False) -> dict[str, np.ndarray]:
    """Heuristic scores of the person pairs ``(u[i], v[i])`` on ``adjacency``.

    ``by_source``: compute per distinct source (fast when the pairs share few sources)."""
    deg = np.asarray(adjacency.sum(axis=1)).ravel()
    inv_log = np.divide(1.0, np.log(np.maximum(deg, 1.0)), out=np.zeros_like(deg),
                        where=deg > 1)
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    weights: list[np.ndarray | None] = [None, inv_log, inv]
    cn, aa, ra = (_paths_by_source(adjacency, adjacency, u, v, weights) if by_source
                  else _paths_by_pair(adjacency, adjacency, u, v, weights, chunk))
    return {"common_neighbours": cn, "adamic_adar": aa, "resource_allocation": ra,
            "preferential_attachment": deg[u] * deg[v]}


def pc_scores(adjacency: sp.csr_matrix, engagements: sp.csr_matrix, u: np.ndarray,
              c: np.ndarray, profile: np.ndarray | None = None,
              content_topic: np.ndarray | None = None,
              chunk: int = 200_000, by_source: bool = False) -> dict[str, np.ndarray]:
    """Heuristic scores of the (person, content) pairs ``(u[i], c[i])``.

    ``profile`` (person × topic shares) and ``content_topic`` (topic index per content,
    -1 unknown) add ``topic_match``; ``by_source`` as in ``pp_scores``.
    """
    popularity = np.asarray(engagements.sum(axis=0)).ravel()
    if by_source:
        (engaged,) = _paths_by_source(adjacency, engagements, u, c, [None])
    else:
        (engaged,) = _paths_by_pair(adjacency, engagements.T.tocsr(), u, c, [None], chunk)
    out = {"popularity": popularity[c].astype(np.float64), "connections_engaged": engaged}
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
