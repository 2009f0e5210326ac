"""The graph the GNN works on, as plain arrays: persons, contents and two edge sets.

``GraphData.from_frames`` turns the DataFrames that ``graph.store.gnn_io`` reads (or that a
sample/synthetic generator builds) into integer-indexed arrays:

- person→person ties, undirected, one row per unordered pair ``u < v`` with a weight;
- person→content engagements, one row per (person, content) with a count and an amount.

>>> import pandas as pd
>>> g = GraphData.from_frames(
...     pd.DataFrame({"person_id": ["a", "b", "c"]}),
...     pd.DataFrame({"src": ["a", "b", "b"], "dst": ["b", "a", "c"], "weight": [1, 2, 1]}),
... )
>>> g.num_persons, g.pp_src.tolist(), g.pp_dst.tolist(), g.pp_weight.tolist()
(3, [0, 1], [1, 2], [3.0, 1.0])
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

PERSON_COLUMNS = ("person_id", "followers_total", "platforms", "community_id", "display_name",
                  "community_label")
CONTENT_COLUMNS = ("content_key", "platform", "topic", "price", "title", "creator")


@dataclass
class GraphData:
    """Persons, contents and their edges as integer-indexed arrays.

    ``persons`` has the columns of ``PERSON_COLUMNS`` (``platforms`` is a ``|``-joined
    string), ``contents`` those of ``CONTENT_COLUMNS`` (``creator``: the creator's person
    index, -1 unknown); row ``i`` is node ``i``. ``pp_time`` / ``pc_time``: when each tie and
    engagement was first seen (epoch seconds, NaN unknown).
    """

    persons: pd.DataFrame
    contents: pd.DataFrame
    pp_src: np.ndarray
    pp_dst: np.ndarray
    pp_weight: np.ndarray
    pc_person: np.ndarray
    pc_content: np.ndarray
    pc_count: np.ndarray
    pc_amount: np.ndarray
    pp_time: np.ndarray | None = None
    pc_time: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.pp_time is None:
            self.pp_time = np.full(len(self.pp_src), np.nan)
        if self.pc_time is None:
            self.pc_time = np.full(len(self.pc_person), np.nan)

    def subgraph(self, keep_pp: np.ndarray, keep_pc: np.ndarray) -> GraphData:
        """The same nodes with only the ties ``keep_pp`` and engagements ``keep_pc`` (boolean
        masks or index arrays)."""
        return GraphData(self.persons, self.contents, self.pp_src[keep_pp],
                         self.pp_dst[keep_pp], self.pp_weight[keep_pp],
                         self.pc_person[keep_pc], self.pc_content[keep_pc],
                         self.pc_count[keep_pc], self.pc_amount[keep_pc],
                         None if self.pp_time is None else self.pp_time[keep_pp],
                         None if self.pc_time is None else self.pc_time[keep_pc])

    @property
    def num_persons(self) -> int:
        return len(self.persons)

    @property
    def num_contents(self) -> int:
        return len(self.contents)

    @property
    def person_ids(self) -> np.ndarray:
        return self.persons["person_id"].to_numpy()

    @property
    def content_keys(self) -> np.ndarray:
        return self.contents["content_key"].to_numpy()

    def counts(self) -> dict[str, int]:
        """Sizes of the data, stored with each model and each refresh."""
        return {"persons": self.num_persons, "contents": self.num_contents,
                "person_edges": int(len(self.pp_src)),
                "engagements": int(len(self.pc_person))}

    def fingerprint(self) -> str:
        """A hash of the node ids and edges: equal data gives an equal fingerprint."""
        h = hashlib.sha256()
        for arr in (self.person_ids.astype(str), self.content_keys.astype(str)):
            h.update("\n".join(arr.tolist()).encode())
        for arr in (self.pp_src, self.pp_dst, self.pc_person, self.pc_content):
            h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
        return h.hexdigest()[:16]

    def person_adjacency(self, src: np.ndarray | None = None,
                         dst: np.ndarray | None = None) -> sp.csr_matrix:
        """Symmetric 0/1 person adjacency (CSR) of the given pairs (default: all ties)."""
        src = self.pp_src if src is None else src
        dst = self.pp_dst if dst is None else dst
        return symmetric_adjacency(src, dst, self.num_persons)

    def engagement_matrix(self, person: np.ndarray | None = None,
                          content: np.ndarray | None = None) -> sp.csr_matrix:
        """0/1 person × content matrix (CSR) of the given engagements (default: all)."""
        person = self.pc_person if person is None else person
        content = self.pc_content if content is None else content
        data = np.ones(len(person), dtype=np.float32)
        m = sp.csr_matrix((data, (person, content)),
                          shape=(self.num_persons, self.num_contents))
        m.data[:] = 1.0
        return m

    @classmethod
    def from_frames(cls, persons: pd.DataFrame, person_edges: pd.DataFrame,
                    contents: pd.DataFrame | None = None,
                    engagements: pd.DataFrame | None = None) -> GraphData:
        """Index the frames read from the store.

        ``persons``: ``person_id`` (+ optional ``followers_total``, ``platforms``,
        ``community_id``, ``display_name``, ``community_label``); ``person_edges``:
        ``src``, ``dst`` person ids (+ ``weight``, ``time``), either direction, duplicates
        summed (earliest time kept), self-ties dropped; ``contents``: ``content_key``
        (+ ``platform``, ``topic``, ``price``, ``title``, ``creator`` person id);
        ``engagements``: ``person_id``, ``content_key`` (+ ``count``, ``amount``, ``time``).
        Edges whose ends are not in the
        node frames are dropped.
        """
        persons = _with_columns(persons, PERSON_COLUMNS, {"followers_total": 0.0,
                                                          "platforms": "",
                                                          "community_id": None,
                                                          "display_name": None,
                                                          "community_label": None})
        persons = persons.drop_duplicates("person_id").sort_values(
            "person_id", kind="stable").reset_index(drop=True)
        contents = _with_columns(
            contents if contents is not None else pd.DataFrame({"content_key": []}),
            CONTENT_COLUMNS, {"platform": "", "topic": "", "price": 0.0, "title": None,
                              "creator": None})
        contents = contents.drop_duplicates("content_key").sort_values(
            "content_key", kind="stable").reset_index(drop=True)
        persons["platforms"] = persons["platforms"].fillna("").astype(str)
        persons["followers_total"] = pd.to_numeric(persons["followers_total"],
                                                   errors="coerce").fillna(0.0)
        contents["topic"] = contents["topic"].fillna("").astype(str)
        contents["platform"] = contents["platform"].fillna("").astype(str)
        contents["price"] = pd.to_numeric(contents["price"], errors="coerce").fillna(0.0)

        pindex = pd.Index(persons["person_id"])
        persons["display_name"] = persons["display_name"].where(
            persons["display_name"].notna(), persons["person_id"])
        contents["creator"] = pindex.get_indexer(contents["creator"]) if len(contents) \
            else np.zeros(0, dtype=np.int64)
        src = pindex.get_indexer(person_edges["src"]) if len(person_edges) else np.array([])
        dst = pindex.get_indexer(person_edges["dst"]) if len(person_edges) else np.array([])
        w = (person_edges["weight"].to_numpy(dtype=np.float64)
             if "weight" in person_edges and len(person_edges) else np.ones(len(src)))
        t = _times(person_edges, "time", len(src))
        keep = (src >= 0) & (dst >= 0) & (src != dst)
        u, v = np.minimum(src[keep], dst[keep]), np.maximum(src[keep], dst[keep])
        pp_src, pp_dst, pp_w = _sum_duplicates(u, v, w[keep], len(persons))
        pp_t = _earliest(u, v, t[keep], len(persons))

        cindex = pd.Index(contents["content_key"])
        eng = engagements if engagements is not None else pd.DataFrame(
            {"person_id": [], "content_key": []})
        pe = pindex.get_indexer(eng["person_id"]) if len(eng) else np.array([], dtype=int)
        ce = cindex.get_indexer(eng["content_key"]) if len(eng) else np.array([], dtype=int)
        cnt = (pd.to_numeric(eng["count"], errors="coerce").fillna(1).to_numpy(float)
               if "count" in eng and len(eng) else np.ones(len(pe)))
        amt = (pd.to_numeric(eng["amount"], errors="coerce").fillna(0).to_numpy(float)
               if "amount" in eng and len(eng) else np.zeros(len(pe)))
        te = _times(eng, "time", len(pe))
        keep = (pe >= 0) & (ce >= 0)
        pc_p, pc_c, sums = _sum_duplicates(pe[keep], ce[keep], np.stack(
            [cnt[keep], amt[keep]], axis=1), max(len(contents), 1))
        pc_t = _earliest(pe[keep], ce[keep], te[keep], max(len(contents), 1))
        return cls(persons, contents, pp_src, pp_dst, pp_w.astype(np.float64),
                   pc_p, pc_c, sums[:, 0].astype(np.float64) if len(sums) else np.zeros(0),
                   sums[:, 1].astype(np.float64) if len(sums) else np.zeros(0), pp_t, pc_t)


def symmetric_adjacency(src: np.ndarray, dst: np.ndarray, n: int) -> sp.csr_matrix:
    """0/1 symmetric CSR adjacency of ``n`` nodes from pairs (no self-loops).

    >>> symmetric_adjacency(np.array([0]), np.array([1]), 3).toarray().tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, n))
    m.data[:] = 1.0
    m.sort_indices()
    return m


def _with_columns(frame: pd.DataFrame, columns: tuple[str, ...],
                  defaults: dict[str, str | float | None]) -> pd.DataFrame:
    frame = frame.copy()
    for col in columns:
        if col not in frame:
            frame[col] = defaults.get(col)
    return frame[list(columns)]


def _times(frame: pd.DataFrame, column: str, n: int) -> np.ndarray:
    """The ``column`` of ``frame`` as float seconds (NaN when absent or unparsable)."""
    if column not in frame or n == 0:
        return np.full(n, np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)


def _earliest(a: np.ndarray, b: np.ndarray, times: np.ndarray, nb: int) -> np.ndarray:
    """The smallest non-NaN time of each distinct ``(a, b)`` pair, in the sorted pair order
    of ``_sum_duplicates`` (NaN when a pair has none)."""
    if len(a) == 0:
        return np.zeros(0)
    key = a.astype(np.int64) * nb + b.astype(np.int64)
    uniq, inverse = np.unique(key, return_inverse=True)
    out = np.full(len(uniq), np.inf)
    np.minimum.at(out, inverse, np.where(np.isnan(times), np.inf, times))
    out[np.isinf(out)] = np.nan
    return out


def _sum_duplicates(a: np.ndarray, b: np.ndarray, values: np.ndarray,
                    nb: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(a) == 0:
        return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                values[:0] if values.ndim > 1 else np.zeros(0))
    key = a.astype(np.int64) * nb + b.astype(np.int64)
    uniq, inverse = np.unique(key, return_inverse=True)
    shape = (len(uniq),) + values.shape[1:]
    sums = np.zeros(shape, dtype=np.float64)
    np.add.at(sums, inverse, values)
    return uniq // nb, uniq % nb, sums
