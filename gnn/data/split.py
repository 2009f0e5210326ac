"""Leakage-free edge splits and negative sampling.

Validation and test edges are removed from the graph that messages pass over and that the
structural features are computed on; negatives are pairs that are not edges anywhere in the
full graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gnn.data.graph import GraphData


@dataclass
class EdgeSplit:
    """Row indices into one edge list: ``train`` (message passing and supervision),
    ``val`` (early stopping, promotion) and ``test`` (reported only)."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def split_indices(n: int, val_frac: float, test_frac: float, seed: int) -> EdgeSplit:
    """Shuffle ``range(n)`` and cut it into train / val / test.

    >>> s = split_indices(10, 0.2, 0.3, seed=0)
    >>> sorted(len(x) for x in (s.train, s.val, s.test))
    [2, 3, 5]
    >>> sorted(np.concatenate([s.train, s.val, s.test]).tolist()) == list(range(10))
    True
    """
    perm = np.random.default_rng(seed).permutation(n)
    n_val, n_test = int(round(n * val_frac)), int(round(n * test_frac))
    return EdgeSplit(train=np.sort(perm[n_val + n_test:]), val=np.sort(perm[:n_val]),
                     test=np.sort(perm[n_val:n_val + n_test]))


@dataclass
class GraphSplit:
    """The two tasks' splits over one ``GraphData``."""

    pp: EdgeSplit
    pc: EdgeSplit

    def train_graph(self, data: GraphData) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                    np.ndarray]:
        """``(pp_src, pp_dst, pc_person, pc_content)`` of the training edges only."""
        return (data.pp_src[self.pp.train], data.pp_dst[self.pp.train],
                data.pc_person[self.pc.train], data.pc_content[self.pc.train])


def split_graph(data: GraphData, val_frac: float = 0.05, test_frac: float = 0.10,
                seed: int = 0) -> GraphSplit:
    """Split both edge sets of ``data`` independently with the same seed."""
    return GraphSplit(pp=split_indices(len(data.pp_src), val_frac, test_frac, seed),
                      pc=split_indices(len(data.pc_person), val_frac, test_frac, seed + 1))


def pair_keys(src: np.ndarray, dst: np.ndarray, n_dst: int,
              undirected: bool = False) -> np.ndarray:
    """Sorted int64 keys ``src * n_dst + dst`` (``min, max`` first when undirected)."""
    if undirected:
        src, dst = np.minimum(src, dst), np.maximum(src, dst)
    return np.sort(src.astype(np.int64) * n_dst + dst.astype(np.int64))


def contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``keys`` are in ``sorted_keys``."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    pos = np.searchsorted(sorted_keys, keys).clip(0, len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def sample_negatives(n_src: int, n_dst: int, count: int, existing: np.ndarray,
                     rng: np.random.Generator, *, undirected: bool,
                     src: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``count`` uniform random pairs that are not in ``existing`` (sorted keys, as built
    by ``pair_keys``) and not self-pairs when ``undirected``. With ``src`` given, the
    sources are those (one negative per entry, only the destination is drawn)."""
    out_s: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    need = count if src is None else len(src)
    fixed = src
    for _ in range(20):
        if need <= 0 or n_dst == 0:
            break
        s = rng.integers(0, n_src, size=need) if fixed is None else fixed
        d = rng.integers(0, n_dst, size=len(s))
        keys = (np.minimum(s, d).astype(np.int64) * n_dst + np.maximum(s, d)
                if undirected else s.astype(np.int64) * n_dst + d)
        ok = ~contains(existing, keys)
        if undirected:
            ok &= s != d
        if fixed is not None:
            # keep the alignment with ``src``: resample only the failures
            d = d.copy()
            if ok.all():
                out_s.append(s)
                out_d.append(d)
                need = 0
                break
            d[~ok] = -1
            out_s.append(s)
            out_d.append(d)
            redo = np.flatnonzero(~ok)
            fixed = s[redo]
            need = len(fixed)
            continue
        out_s.append(s[ok])
        out_d.append(d[ok])
        need -= int(ok.sum())
    if src is not None:
        return _merge_aligned(src, out_s, out_d)
    s_all = np.concatenate(out_s) if out_s else np.zeros(0, dtype=np.int64)
    d_all = np.concatenate(out_d) if out_d else np.zeros(0, dtype=np.int64)
    return s_all[:count], d_all[:count]


def _merge_aligned(src: np.ndarray, parts_s: list[np.ndarray],
                   parts_d: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if not parts_d:
        return src, np.zeros(len(src), dtype=np.int64)
    dst = parts_d[0].copy()
    holes = np.flatnonzero(dst < 0)
    for part in parts_d[1:]:
        dst[holes] = part
        holes = holes[part < 0]
    dst[dst < 0] = 0  # only after 20 failed draws: a dense row; a rare duplicate is harmless
    return src, dst


def holdout_mask(src: np.ndarray, dst: np.ndarray, n_src: int, n_dst: int, frac: float,
                 seed: int, times: np.ndarray | None = None,
                 bipartite: bool = False) -> tuple[np.ndarray, str]:
    """Which edges to hide from a recommender to measure it: about ``frac`` of them, never
    one whose removal leaves a node without edges.

    By time when ``times`` allow it (at least 90 % known and more than one distinct value):
    the newest edges are hidden first, as a nightly job meets them. Otherwise at random.
    ``bipartite``: ``src`` and ``dst`` are different node sets (persons and contents).
    Returns the boolean mask and ``"time"`` or ``"random"``.

    >>> mask, how = holdout_mask(np.array([0, 0, 1, 2]), np.array([1, 2, 2, 3]), 4, 4, 0.5,
    ...                          seed=0, times=np.array([1.0, 2.0, 3.0, 4.0]))
    >>> mask.tolist(), how  # edge (2, 3) would isolate node 3
    ([False, True, True, False], 'time')
    """
    m = len(src)
    rng = np.random.default_rng(seed)
    noise = rng.random(m)
    known = times is not None and m > 0 and np.isfinite(times).mean() >= 0.9 \
        and len(np.unique(times[np.isfinite(times)])) > 1
    if known and times is not None:
        t = np.where(np.isfinite(times), times, -np.inf)
        order = np.lexsort((noise, -t))
        how = "time"
    else:
        order = np.argsort(noise, kind="stable")
        how = "random"
    offset = n_src if bipartite else 0
    deg = np.bincount(np.concatenate([src, dst + offset]),
                      minlength=n_src + (n_dst if bipartite else 0)).tolist()
    want = int(round(frac * m))
    hidden = np.zeros(m, dtype=bool)
    s_list, d_list = src.tolist(), (dst + offset).tolist()
    count = 0
    for i in order.tolist():
        if count >= want:
            break
        a, b = s_list[i], d_list[i]
        if deg[a] > 1 and deg[b] > 1:
            hidden[i] = True
            deg[a] -= 1
            deg[b] -= 1
            count += 1
    return hidden, how
