"""Candidate pairs and their features: the first stage of every recommender.

For a batch of persons, ``people_pairs`` and ``content_pairs`` list the candidates a person
could be recommended — never itself, an existing tie or a content it already engaged — and
compute one row of features per (person, candidate) pair. Heuristic recommenders rank by one
column; the learned ranker reads them all. Plain functions over a ``RecGraph`` (the matrices
of one state of the graph); no database.

People candidates: every person two hops away (the best ``two_hop`` by Adamic–Adar for hubs),
the best ``walk`` by personalized PageRank (truncated random walks of up to four steps),
persons who engaged the same contents, and the best-known persons overall, of the person's
community and of its platforms (ties first, then followers).
Content candidates: contents engaged by contacts, contents engaged by persons who engaged
the same contents (item-based co-engagement), contents of creators the person is tied to,
and the most engaged contents overall, of the person's community and of its favourite topic.

>>> from gnn.data.synthetic import synthetic_graph
>>> g = RecGraph.build(synthetic_graph(300, seed=1))
>>> batch = people_pairs(g, np.arange(10))
>>> batch.features.shape[1] == len(PEOPLE_FEATURES), bool((batch.u != batch.v).all())
(True, True)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gnn.data.features import topic_profile
from gnn.data.graph import GraphData
from gnn.data.rowwise import (
    canonical,
    entry_keys,
    lookup,
    lookup_many,
    product,
    prune_rows,
    rank_within,
    top_per_row,
)
from gnn.data.structural import pc_decoder_features, pp_decoder_features
from graph.analytics.communities import detect_communities
from graph.arrays import sorted_unique

if TYPE_CHECKING:
    import torch

    from gnn.nn.model import LinkPredictor

_T = TypeVar("_T")

#: Restart probability of the personalized PageRank walks.
PPR_ALPHA = 0.25

#: Resolutions of the finer partitions of the persons that ``RecGraph.partition`` finds on
#: the graph's own ties, for the ``same_community_r*`` and ``community_size_r*`` features
#: (deezer, recall@50 over personalized PageRank, mean of 4 ranker seeds: validation
#: +0.0144 without them, +0.0184 with them; ties hidden before ingest +0.0153 and +0.0186;
#: every seed gained on both).
COMMUNITY_RESOLUTIONS: tuple[int, ...] = (3, 10)

PEOPLE_FEATURES: tuple[str, ...] = (
    "common_neighbours", "adamic_adar", "resource_allocation", "preferential_attachment",
    "personalized_pagerank", "walk3", "walk4", "jaccard", "degree_u", "degree_v",
    "neighbour_degree_u", "adamic_adar_rank", "pagerank_rank", "pagerank_reverse",
    "same_community", "community_share", "community_size_v",
    *(f"{name}_r{r}" for r in COMMUNITY_RESOLUTIONS
      for name in ("same_community", "community_size")),
    "platform_overlap", "topic_similarity", "co_engaged", "followers_v", "gnn_cosine",
    "gnn_logit")

CONTENT_FEATURES: tuple[str, ...] = (
    "contacts_engaged", "contacts_engaged_share", "item_cf", "co_engagement_paths",
    "popularity", "popularity_rank", "community_popularity", "topic_match", "platform_match",
    "price_log", "creator_tie", "creator_followers", "degree_u", "engaged_u",
    "contacts_engaged_rank", "item_cf_rank", "gnn_cosine", "gnn_logit")

#: The pair features computed last (``complete``) from the other columns of a batch: the
#: GraphSAGE decoder's logit runs a small network once per candidate, so the recommendation
#: path (``pairs_for(..., defer_gnn=True)``) leaves it NaN until its first stage has kept
#: the candidates worth scoring (``gnn.recommenders.FirstStage``). The embeddings' cosine
#: (``gnn_cosine``) is cheap and computed for every candidate: the first stage reads it.
GNN_FEATURES: tuple[str, ...] = ("gnn_logit",)


@dataclass
class Limits:
    """How many candidates each source contributes, per person."""

    two_hop: int = 1000
    walk: int = 300
    popular_people: int = 50
    community_people: int = 20
    platform_people: int = 20
    co_engaged_people: int = 50
    contacts_content: int = 300
    item_cf: int = 300
    popular_content: int = 50
    community_content: int = 30
    topic_content: int = 15
    creator_content: int = 50
    walk_prune: int = 400  # entries kept per row between walk steps (a quarter before the
    #                        fourth step): bounds the cost on large graphs


@dataclass
class Embeddings:
    """GraphSAGE embeddings of every node of one graph (persons then contents) and the
    model whose decoders give the ``gnn_logit`` features."""

    h: torch.Tensor
    model: LinkPredictor | None

    @property
    def normalised(self) -> np.ndarray:
        hn = self.h.float().cpu().numpy()
        return hn / np.maximum(np.linalg.norm(hn, axis=1, keepdims=True), 1e-9)


@dataclass
class RecGraph:
    """The matrices of one state of the graph that candidates and features come from."""

    data: GraphData
    adjacency: sp.csr_matrix  # person × person, 0/1, symmetric
    engagements: sp.csr_matrix  # person × content, 0/1
    purchases: sp.csr_matrix  # person × content, 0/1 where an amount was paid
    degree: np.ndarray
    popularity: np.ndarray  # persons engaged, per content
    community: np.ndarray  # community index per person, -1 unknown
    community_onehot: sp.csr_matrix  # person × community
    community_size: np.ndarray
    topics: list[str]
    profile: np.ndarray  # person × topic shares
    content_topic: np.ndarray  # topic index per content, -1 unknown
    person_platforms: np.ndarray  # person × platform, 0/1
    content_platform: np.ndarray  # platform index per content, -1 unknown
    creator: np.ndarray  # person index of each content's creator, -1 unknown
    embeddings: Embeddings | None = None
    _cache: dict[str, object] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def build(cls, data: GraphData, pp_src: np.ndarray | None = None,
              pp_dst: np.ndarray | None = None, pc_person: np.ndarray | None = None,
              pc_content: np.ndarray | None = None,
              embeddings: Embeddings | None = None) -> RecGraph:
        """The graph of ``data`` restricted to the given ties and engagements (default: all
        of them)."""
        pp_src = data.pp_src if pp_src is None else pp_src
        pp_dst = data.pp_dst if pp_dst is None else pp_dst
        pc_person = data.pc_person if pc_person is None else pc_person
        pc_content = data.pc_content if pc_content is None else pc_content
        a = data.person_adjacency(pp_src, pp_dst)
        b = data.engagement_matrix(pc_person, pc_content)
        paid = _paid_pairs(data, pc_person, pc_content)
        c = data.engagement_matrix(pc_person[paid], pc_content[paid])
        codes, uniques = pd.factorize(data.persons["community_id"], use_na_sentinel=True)
        community = np.asarray(codes, dtype=np.int64)
        n_comm = max(len(uniques), 1)
        known = community >= 0
        onehot = sp.csr_matrix((np.ones(int(known.sum()), dtype=np.float32),
                                (np.flatnonzero(known), community[known])),
                               shape=(data.num_persons, n_comm))
        topics = sorted({t for t in data.contents["topic"].tolist() if t})
        tindex = {t: i for i, t in enumerate(topics)}
        platforms = sorted({p for s in data.persons["platforms"].tolist()
                            for p in str(s).split("|") if p}
                           | {p for p in data.contents["platform"].tolist() if p})
        pindex = {p: i for i, p in enumerate(platforms)}
        person_plat = np.zeros((data.num_persons, max(len(platforms), 1)), dtype=np.float32)
        for i, s in enumerate(data.persons["platforms"].tolist()):
            for p in str(s).split("|"):
                if p in pindex:
                    person_plat[i, pindex[p]] = 1.0
        creator = (data.contents["creator"].to_numpy(np.int64) if "creator" in data.contents
                   else np.full(data.num_contents, -1, dtype=np.int64))
        return cls(
            data=data, adjacency=a, engagements=b, purchases=c,
            degree=np.asarray(a.sum(axis=1)).ravel(),
            popularity=np.asarray(b.sum(axis=0)).ravel(),
            community=community, community_onehot=onehot,
            community_size=np.bincount(community[known], minlength=n_comm).astype(np.float64),
            topics=topics, profile=topic_profile(data, b, topics),
            content_topic=np.array([tindex.get(t, -1) for t in data.contents["topic"]],
                                   dtype=np.int64),
            person_platforms=person_plat,
            content_platform=np.array([pindex.get(p, -1) for p in data.contents["platform"]],
                                      dtype=np.int64),
            creator=creator, embeddings=embeddings)

    # -- derived, computed once per graph ------------------------------------------------
    def _memo(self, key: str, make: Callable[[], _T]) -> _T:
        """``make()``, made once per graph: threads computing chunks at once wait for the
        first one instead of making it again (``partition`` must not run twice at once:
        igraph's random generator is one for the process)."""
        if key not in self._cache:
            with self._lock:
                if key not in self._cache:
                    self._cache[key] = make()
        return cast(_T, self._cache[key])  # each key is made by one ``make`` only

    @property
    def inv_degree(self) -> np.ndarray:
        return self._memo("inv_deg", lambda: np.divide(
            1.0, self.degree, out=np.zeros_like(self.degree), where=self.degree > 0))

    @property
    def inv_log_degree(self) -> np.ndarray:
        return self._memo("inv_log_deg", lambda: np.divide(
            1.0, np.log(np.maximum(self.degree, 1.0)), out=np.zeros_like(self.degree),
            where=self.degree > 1))

    @property
    def engaged_count(self) -> np.ndarray:
        """Contents engaged, per person."""
        return self._memo("engaged_count", lambda: np.asarray(
            self.engagements.sum(axis=1)).ravel())

    @property
    def inv_engaged(self) -> np.ndarray:
        return self._memo("inv_engaged", lambda: np.divide(
            1.0, self.engaged_count, out=np.zeros_like(self.engaged_count),
            where=self.engaged_count > 0))

    @property
    def inv_popularity(self) -> np.ndarray:
        return self._memo("inv_popularity", lambda: np.divide(
            1.0, self.popularity, out=np.zeros_like(self.popularity),
            where=self.popularity > 0))

    def diagonal(self, name: str) -> sp.csr_matrix:
        """``diag`` of the vector property ``name`` (``inv_degree``, ``inv_popularity``…)
        as CSR: what a product with ``sp.diags`` converts it to, made once per graph."""
        return self._memo(f"diag_{name}", lambda: sp.diags(getattr(self, name)).tocsr())

    @property
    def walk(self) -> sp.csr_matrix:
        """Row-stochastic random-walk matrix ``D^-1 A``."""
        return self._memo("walk", lambda: canonical(
            sp.diags(self.inv_degree) @ self.adjacency))

    @property
    def neighbour_degree(self) -> np.ndarray:
        return self._memo("nbr_deg", lambda: np.divide(
            self.adjacency @ self.degree, self.degree, out=np.zeros_like(self.degree),
            where=self.degree > 0))

    @property
    def followers_log(self) -> np.ndarray:
        return self._memo("followers_log", lambda: np.log1p(
            self.data.persons["followers_total"].to_numpy(float).clip(0)))

    @property
    def standing(self) -> np.ndarray:
        """How well known each person is: ties first, then followers (always > 0)."""
        return self._memo("standing", lambda: (
            self.degree + self.followers_log / (1.0 + self.followers_log.max(initial=0.0))
            + 1e-3))

    def partition(self, resolution: int) -> tuple[np.ndarray, np.ndarray]:
        """Community of each person found on this graph's own ties (Leiden, modularity at
        ``resolution``, seed 0; isolated persons alone) and the size of each community.

        Unlike ``community`` (the stored communities, or ``gnn.fit.own_communities`` on a
        held-out graph), found on exactly the ties the candidates come from, so never on a
        pair the graph hides; the higher resolutions split the graph finer."""
        def make() -> tuple[np.ndarray, np.ndarray]:
            upper = sp.triu(self.adjacency, k=1).tocoo()
            membership = detect_communities(
                self.data.num_persons, upper.row.astype(np.int64),
                upper.col.astype(np.int64), np.ones(upper.nnz), resolution=resolution,
                seed=0).membership
            return membership, np.bincount(membership).astype(np.float64)
        return self._memo(f"partition_{resolution}", make)

    def top_people(self, count: int) -> np.ndarray:
        """The ``count`` best-known persons (ties: smaller index first)."""
        return self._memo(f"top_people_{count}", lambda: np.lexsort(
            (np.arange(len(self.degree)), -self.standing))[:count])

    def top_content(self, count: int) -> np.ndarray:
        """The ``count`` most engaged contents."""
        return self._memo(f"top_content_{count}", lambda: np.lexsort(
            (np.arange(len(self.popularity)), -self.popularity))[:count])

    def community_top_people(self, count: int) -> sp.csr_matrix:
        """Community × person matrix holding each community's ``count`` best-known
        members."""
        def make() -> sp.csr_matrix:
            m = self.community_onehot.T.tocsr() @ sp.diags(self.standing)
            return prune_rows(m, count)
        return self._memo(f"comm_people_{count}", make)

    def platform_top_people(self, count: int) -> sp.csr_matrix:
        """Platform × person matrix of each platform's ``count`` best-known persons."""
        def make() -> sp.csr_matrix:
            m = sp.csr_matrix(self.person_platforms.T) @ sp.diags(self.standing)
            return prune_rows(m, count)
        return self._memo(f"plat_people_{count}", make)

    @property
    def community_engaged(self) -> sp.csr_matrix:
        """Community × content: members of each community who engaged each content."""
        return self._memo("comm_engaged", lambda: canonical(
            self.community_onehot.T.tocsr() @ self.engagements))

    def community_top_content(self, count: int) -> sp.csr_matrix:
        return self._memo(f"comm_content_{count}", lambda: prune_rows(
            self.community_engaged, count))

    def topic_top_content(self, count: int) -> sp.csr_matrix:
        """Topic × content holding each topic's ``count`` most engaged contents."""
        def make() -> sp.csr_matrix:
            known = np.flatnonzero(self.content_topic >= 0)
            m = sp.csr_matrix((self.popularity[known] + 1.0,
                               (self.content_topic[known], known)),
                              shape=(max(len(self.topics), 1), self.data.num_contents))
            return prune_rows(m, count)
        return self._memo(f"topic_content_{count}", make)

    @property
    def engaged_by(self) -> sp.csr_matrix:
        """Content × person: the transpose of ``engagements``."""
        return self._memo("engaged_by", lambda: canonical(
            self.engagements.T.tocsr()))

    @property
    def created_by(self) -> sp.csr_matrix:
        """Person × content: 1 where the person created the content."""
        def make() -> sp.csr_matrix:
            known = np.flatnonzero(self.creator >= 0)
            return canonical(sp.csr_matrix(
                (np.ones(len(known), dtype=np.float32), (self.creator[known], known)),
                shape=(self.data.num_persons, self.data.num_contents)))
        return self._memo("created_by", make)

    def platform_overlap(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Platforms both ``u[i]`` and ``v[i]`` are on, pair by pair (float64): a count of
        common bits of each person's platform mask (what the dot product of the 0/1 rows
        gives, without gathering them)."""
        n_plat = self.person_platforms.shape[1]
        if n_plat > 16:
            return _row_dot(self.person_platforms, u, v)
        def make() -> np.ndarray:
            masks = np.zeros(len(self.person_platforms), dtype=np.int64)
            for p in range(n_plat):
                masks |= (self.person_platforms[:, p] > 0).astype(np.int64) << p
            return masks

        masks = self._memo("platform_masks", make)
        bits = np.array([bin(m).count("1") for m in range(1 << n_plat)], dtype=np.float64)
        return bits[masks[u] & masks[v]]

    def favourite_topic(self, persons: np.ndarray) -> np.ndarray:
        """Index of each person's most engaged topic, -1 when it engaged none."""
        if self.profile.shape[1] == 0:
            return np.full(len(persons), -1, dtype=np.int64)
        prof = self.profile[persons]
        return np.where(prof.sum(axis=1) > 0, prof.argmax(axis=1), -1)


def _paid_pairs(data: GraphData, pc_person: np.ndarray, pc_content: np.ndarray) -> np.ndarray:
    """Mask of the given engagements whose summed amount in ``data`` is positive."""
    if len(pc_person) == 0 or len(data.pc_person) == 0:
        return np.zeros(len(pc_person), dtype=bool)
    n_c = max(data.num_contents, 1)
    keys = data.pc_person.astype(np.int64) * n_c + data.pc_content
    order = np.argsort(keys, kind="stable")
    query = pc_person.astype(np.int64) * n_c + pc_content
    pos = np.searchsorted(keys[order], query).clip(0, len(keys) - 1)
    found = keys[order][pos] == query
    return found & (data.pc_amount[order][pos] > 0)


@dataclass
class PairBatch:
    """Candidate pairs of one batch: person ``u``, target ``v`` (a person or a content
    index), one feature row each (columns ``names``). Sorted by ``u`` then ``v``.

    ``pending`` is the graph of a batch whose ``GNN_FEATURES`` are not computed yet (NaN):
    ``complete`` computes them."""

    kind: str
    u: np.ndarray
    v: np.ndarray
    features: np.ndarray
    names: tuple[str, ...]
    pending: RecGraph | None = field(default=None, repr=False, compare=False)

    def column(self, name: str) -> np.ndarray:
        return self.features[:, self.names.index(name)]

    def __len__(self) -> int:
        return len(self.u)

    def take(self, rows: np.ndarray) -> PairBatch:
        """The pairs ``rows`` (indices or a mask, in order) of this batch."""
        return PairBatch(self.kind, self.u[rows], self.v[rows], self.features[rows],
                         self.names, self.pending)

    @classmethod
    def concat(cls, parts: list[PairBatch]) -> PairBatch:
        """The pairs of ``parts`` (at least one, of one kind and one graph) one after the
        other."""
        first = parts[0]
        if len(parts) == 1:
            return first
        return cls(first.kind, np.concatenate([p.u for p in parts]),
                   np.concatenate([p.v for p in parts]),
                   np.concatenate([p.features for p in parts]), first.names, first.pending)


#: Persons whose candidates are computed together. Every candidate and feature depends on
#: its own person's row only, so the result is the same for any chunk size; chunks bound
#: the memory of a batch (walk rows reach thousands of persons each on a 1M-person graph)
#: and keep the sorts and temporaries small.
PAIR_CHUNK = 250


def _in_chunks(make: Callable[[RecGraph, np.ndarray, Limits], PairBatch], g: RecGraph,
               persons: np.ndarray, lim: Limits, defer_gnn: bool) -> PairBatch:
    """``make`` for ``persons``, ``PAIR_CHUNK`` at a time, concatenated; with the
    ``GNN_FEATURES`` computed unless ``defer_gnn``."""
    persons = np.asarray(persons, dtype=np.int64)

    def one(chunk: np.ndarray) -> PairBatch:
        batch = make(g, chunk, lim)
        return batch if defer_gnn else complete(batch)

    if len(persons) <= PAIR_CHUNK:
        return one(persons)
    return PairBatch.concat([one(persons[lo:lo + PAIR_CHUNK])
                             for lo in range(0, len(persons), PAIR_CHUNK)])


def _candidates(parts: list[tuple[np.ndarray, np.ndarray]], persons: np.ndarray,
                existing: sp.csr_matrix, self_pairs: bool
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct candidate pairs of several lists, sorted, without existing pairs
    (``existing``: the persons' rows of the ties or engagements) and the person itself:
    block rows, targets and persons."""
    rows = np.concatenate([p[0] for p in parts]).astype(np.int64)
    cols = np.concatenate([p[1] for p in parts]).astype(np.int64)
    n_cols = existing.shape[1]
    key = sorted_unique(rows * n_cols + cols)
    rows, cols = key // n_cols, key % n_cols
    keep = lookup(existing, rows, cols) == 0
    if self_pairs:
        keep &= cols != persons[rows]
    return rows[keep], cols[keep], persons[rows[keep]]


def _per_row(lookup_rows: np.ndarray, table: sp.csr_matrix
             ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, col) for each block row ``i`` and every entry of ``table[lookup_rows[i]]``
    (rows of -1 give nothing)."""
    ok = lookup_rows >= 0
    block = table[lookup_rows[ok]]
    counts = np.diff(block.indptr)
    rows = np.repeat(np.flatnonzero(ok), counts)
    return rows, block.indices.astype(np.int64)


def _product_rows(block: sp.csr_matrix, table: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, col) of every entry of ``block @ table`` (a 0/1 union of table rows)."""
    m = canonical(block @ table)
    rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    return rows, m.indices.astype(np.int64)


def _row_dot(a: np.ndarray, u: np.ndarray, v: np.ndarray, b: np.ndarray | None = None,
             chunk: int = 16_384) -> np.ndarray:
    """``sum(a[u[i]] * b[v[i]])`` for every pair, in chunks (``b`` defaults to ``a``).
    Small chunks: the gathered rows (4 MiB for 64 float32 columns) are reused from the
    allocator instead of fresh pages each time (2-12x faster than 200k-row chunks on
    600k pairs at 1M persons; the same sums, bit for bit)."""
    b = a if b is None else b
    out = np.zeros(len(u), dtype=np.float64)
    for lo in range(0, len(u), chunk):
        out[lo:lo + chunk] = np.einsum("ij,ij->i", a[u[lo:lo + chunk]], b[v[lo:lo + chunk]])
    return out


def _gnn_cosine(g: RecGraph, kind: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Cosine of the two GraphSAGE embeddings of each pair (zeros without embeddings)."""
    if g.embeddings is None or len(u) == 0:
        return np.zeros(len(u))
    emb = g.embeddings
    hn = g._memo("hn", lambda: emb.normalised)
    offset = 0 if kind == "people" else g.data.num_persons
    return _row_dot(hn, u, v + offset)


def _gnn_logit(g: RecGraph, kind: str, u: np.ndarray, v: np.ndarray,
               decoder_features: np.ndarray) -> np.ndarray:
    """The GraphSAGE decoder's logit of each pair (zeros without a model)."""
    emb = g.embeddings
    if emb is None or emb.model is None or len(u) == 0:
        return np.zeros(len(u))
    from gnn.train import score_pairs  # torch-heavy; only when a model is there

    return score_pairs(emb.model, emb.h, kind, u, v, decoder_features,
                       g.data.num_persons).astype(np.float64)


def complete(batch: PairBatch) -> PairBatch:
    """``batch`` with its pending ``GNN_FEATURES`` computed (``batch`` itself when none
    are pending). The decoder reads its pair features from the batch's own columns."""
    g = batch.pending
    if g is None:
        return batch
    if batch.kind == "people":
        decoder = pp_decoder_features({name: batch.column(name).astype(np.float64) for name
                                       in ("common_neighbours", "adamic_adar",
                                           "resource_allocation")})
    else:
        decoder = pc_decoder_features({
            "connections_engaged": batch.column("contacts_engaged").astype(np.float64),
            "popularity": batch.column("popularity").astype(np.float64),
            "topic_match": batch.column("topic_match").astype(np.float64)})
    features = batch.features.copy()
    features[:, batch.names.index("gnn_logit")] = _gnn_logit(g, batch.kind, batch.u,
                                                             batch.v, decoder)
    return PairBatch(batch.kind, batch.u, batch.v, features, batch.names)


def people_pairs(g: RecGraph, persons: np.ndarray, limits: Limits | None = None, *,
                 defer_gnn: bool = False) -> PairBatch:
    """Candidates and ``PEOPLE_FEATURES`` for each of ``persons`` (sorted person indices),
    ``PAIR_CHUNK`` persons at a time (``GNN_FEATURES`` pending with ``defer_gnn``)."""
    return _in_chunks(_people_pairs, g, persons, limits or Limits(), defer_gnn)


def _people_pairs(g: RecGraph, persons: np.ndarray, lim: Limits) -> PairBatch:
    a = g.adjacency
    s = a[persons]
    deg = g.degree
    c2 = canonical(s @ a)
    aa = canonical(s @ g.diagonal("inv_log_degree") @ a)
    ra = canonical(s @ g.diagonal("inv_degree") @ a)
    x2 = canonical(sp.diags(np.divide(1.0, deg[persons], out=np.zeros(len(persons)),
                                      where=deg[persons] > 0)) @ ra)
    x3 = product(prune_rows(x2, lim.walk_prune), g.walk)
    x4 = product(prune_rows(x3, lim.walk_prune // 4), g.walk)
    beta = 1.0 - PPR_ALPHA
    ppr = canonical(beta ** 2 * x2 + beta ** 3 * x3 + beta ** 4 * x4)
    ppr.data *= PPR_ALPHA  # in place: one temporary as large as the walk rows less

    parts = [top_per_row(aa, lim.two_hop)[:2],
             top_per_row(ppr, lim.walk)[:2]]
    popular = g.top_people(lim.popular_people)
    parts.append((np.repeat(np.arange(len(persons)), len(popular)),
                  np.tile(popular, len(persons))))
    parts.append(_per_row(g.community[persons],
                          g.community_top_people(lim.community_people)))
    parts.append(_product_rows(sp.csr_matrix(g.person_platforms[persons]),
                               g.platform_top_people(lim.platform_people)))
    eu = g.engagements[persons]
    co = product(eu, g.engaged_by)  # persons who engaged the same contents, how many
    if eu.nnz:
        parts.append(top_per_row(co, lim.co_engaged_people)[:2])
    rows, v, u = _candidates(parts, persons, s, self_pairs=True)

    cn, aa_v, ra_v = lookup_many([c2, aa, ra], rows, v)
    ppr_v = lookup(ppr, rows, v)
    walk3 = lookup(x3, rows, v)
    walk4 = lookup(x4, rows, v)
    comm_u, comm_v = g.community[u], g.community[v]
    share = lookup(canonical(s @ g.community_onehot), rows, np.maximum(comm_v, 0))
    share = np.where(comm_v >= 0, share / np.maximum(deg[u], 1.0), 0.0)
    finer: dict[str, np.ndarray] = {}
    for r in COMMUNITY_RESOLUTIONS:
        membership, size = g.partition(r)
        same = membership[u] == membership[v]
        finer[f"same_community_r{r}"] = same.astype(np.float64)
        finer[f"community_size_r{r}"] = np.where(same, size[membership[v]], 0.0)
    columns = {
        "common_neighbours": cn,
        "adamic_adar": aa_v,
        "resource_allocation": ra_v,
        "preferential_attachment": deg[u] * deg[v],
        "personalized_pagerank": ppr_v,
        "walk3": walk3,
        "walk4": walk4,
        "jaccard": cn / np.maximum(deg[u] + deg[v] - cn, 1.0),
        "degree_u": deg[u],
        "degree_v": deg[v],
        "neighbour_degree_u": g.neighbour_degree[u],
        "adamic_adar_rank": rank_within(rows, aa_v),
        "pagerank_rank": rank_within(rows, ppr_v),
        "pagerank_reverse": ppr_v * deg[u] / np.maximum(deg[v], 1.0),
        "same_community": ((comm_u == comm_v) & (comm_u >= 0)).astype(np.float64),
        "community_share": share,
        "community_size_v": np.where(comm_v >= 0, g.community_size[np.maximum(comm_v, 0)], 0),
        **finer,
        "platform_overlap": g.platform_overlap(u, v),
        "topic_similarity": _row_dot(g.profile, u, v) if g.profile.shape[1] else np.zeros(
            len(u)),
        "co_engaged": lookup(co, rows, v),
        "followers_v": g.followers_log[v],
        "gnn_cosine": _gnn_cosine(g, "people", u, v),
        **_pending_gnn(len(u)),
    }
    return PairBatch("people", u, v, _stack(columns, PEOPLE_FEATURES), PEOPLE_FEATURES, g)


def content_pairs(g: RecGraph, persons: np.ndarray, limits: Limits | None = None, *,
                  defer_gnn: bool = False) -> PairBatch:
    """Candidates and ``CONTENT_FEATURES`` for each of ``persons`` (sorted person indices),
    ``PAIR_CHUNK`` persons at a time (``GNN_FEATURES`` pending with ``defer_gnn``)."""
    return _in_chunks(_content_pairs, g, persons, limits or Limits(), defer_gnn)


def _content_pairs(g: RecGraph, persons: np.ndarray, lim: Limits) -> PairBatch:
    n_c = g.data.num_contents
    if n_c == 0 or len(persons) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return PairBatch("content", empty, empty,
                         np.zeros((0, len(CONTENT_FEATURES)), dtype=np.float32),
                         CONTENT_FEATURES)
    a, e = g.adjacency, g.engagements
    s = a[persons]
    eu = e[persons]
    ce = product(s, e)
    engaged_count = g.engaged_count
    # u -> contents it engaged -> persons who engaged them -> their contents
    middle = prune_rows(canonical(eu @ g.diagonal("inv_popularity") @ g.engaged_by),
                        lim.walk_prune)
    middle_counts = product(eu, g.engaged_by)
    icf = canonical(middle @ g.diagonal("inv_engaged") @ e)
    paths = product(prune_rows(middle_counts, lim.walk_prune), e)
    created = product(s, g.created_by)

    parts = [top_per_row(ce, lim.contacts_content)[:2], top_per_row(icf, lim.item_cf)[:2],
             top_per_row(sp.csr_matrix(created.multiply(g.popularity[None, :] + 1.0)),
                         lim.creator_content)[:2]]
    popular = g.top_content(lim.popular_content)
    parts.append((np.repeat(np.arange(len(persons)), len(popular)),
                  np.tile(popular, len(persons))))
    parts.append(_per_row(g.community[persons], g.community_top_content(lim.community_content)))
    parts.append(_per_row(g.favourite_topic(persons), g.topic_top_content(lim.topic_content)))
    rows, c, u = _candidates(parts, persons, eu, self_pairs=False)

    ce_v = lookup(ce, rows, c)
    icf_v = lookup(icf, rows, c)
    comm_u = g.community[u]
    comm_pop = lookup(g.community_engaged, np.maximum(comm_u, 0), c,
                      g._memo("comm_engaged_keys", lambda: entry_keys(g.community_engaged)))
    comm_pop = np.where(comm_u >= 0, comm_pop / np.maximum(
        g.community_size[np.maximum(comm_u, 0)], 1.0), 0.0)
    topic = g.content_topic[c]
    match = np.zeros(len(u))
    known = topic >= 0
    match[known] = g.profile[u[known], topic[known]]
    plat = g.content_platform[c]
    plat_match = np.zeros(len(u))
    okp = plat >= 0
    plat_match[okp] = g.person_platforms[u[okp], plat[okp]]
    creator = g.creator[c]
    creator_tie = np.zeros(len(u))
    okc = creator >= 0
    creator_tie[okc] = lookup(s, rows[okc], creator[okc])
    creator_followers = np.where(okc, g.followers_log[np.maximum(creator, 0)], 0.0)
    deg_u = g.degree[u]
    columns = {
        "contacts_engaged": ce_v,
        "contacts_engaged_share": ce_v / np.maximum(deg_u, 1.0),
        "item_cf": icf_v,
        "co_engagement_paths": lookup(paths, rows, c),
        "popularity": g.popularity[c],
        "popularity_rank": rank_within(rows, g.popularity[c]),
        "community_popularity": comm_pop,
        "topic_match": match,
        "platform_match": plat_match,
        "price_log": np.log1p(g.data.contents["price"].to_numpy(float).clip(0))[c],
        "creator_tie": creator_tie,
        "creator_followers": creator_followers,
        "degree_u": deg_u,
        "engaged_u": engaged_count[u],
        "contacts_engaged_rank": rank_within(rows, ce_v),
        "item_cf_rank": rank_within(rows, icf_v),
        "gnn_cosine": _gnn_cosine(g, "content", u, c),
        **_pending_gnn(len(u)),
    }
    return PairBatch("content", u, c, _stack(columns, CONTENT_FEATURES), CONTENT_FEATURES,
                     g)


def _pending_gnn(n: int) -> dict[str, np.ndarray]:
    """NaN columns standing for the ``GNN_FEATURES`` of ``n`` pairs until ``complete``."""
    return dict.fromkeys(GNN_FEATURES, np.full(n, np.nan))


def _stack(columns: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    """The named columns side by side, as one float32 matrix (C order)."""
    n = len(next(iter(columns.values()))) if columns else 0
    out = np.empty((len(names), n), dtype=np.float32)
    for i, name in enumerate(names):
        out[i] = columns[name]  # contiguous writes, then one transposing copy
    return np.ascontiguousarray(out.T)


def pairs_for(kind: str, g: RecGraph, persons: np.ndarray, limits: Limits | None = None,
              *, defer_gnn: bool = False) -> PairBatch:
    """``people_pairs`` or ``content_pairs`` by ``kind``."""
    if kind == "people":
        return people_pairs(g, persons, limits, defer_gnn=defer_gnn)
    if kind == "content":
        return content_pairs(g, persons, limits, defer_gnn=defer_gnn)
    raise ValueError(f"kind must be 'people' or 'content', got {kind!r}")
