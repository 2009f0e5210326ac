"""Training: split, features, GraphSAGE link prediction for both tasks, early stopping,
evaluation against the heuristics on the same split. Plain functions over ``GraphData``.

Each epoch a random share (``mask_frac``, at most ``epoch_pairs`` per task) of the training
edges is the supervision target and is removed from the graph that messages pass over, so the
model never learns to find an edge by seeing it. Validation and test edges are never in that
graph. Full-batch up to ``minibatch_above_edges`` training edges (or when ``batch_size`` is
0), else mini-batches on subgraphs from ``gnn.loader.sampler``.
"""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import cast

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from gnn.data.features import FeatureSchema, content_topic_index, fit_schema, node_features
from gnn.data.features import topic_profile as make_profile
from gnn.data.graph import GraphData
from gnn.data.split import GraphSplit, pair_keys, sample_negatives, split_graph
from gnn.data.structural import (
    PC_HEURISTICS,
    PP_HEURISTICS,
    pc_decoder_features,
    pc_scores,
    pp_decoder_features,
    pp_scores,
)
from gnn.evaluate import GNN, MetricRow, link_metrics
from gnn.loader.sampler import NeighborSampler
from gnn.nn.model import LinkPredictor
from graph.errors import InvalidInput

Log = Callable[[str], None]


@dataclass
class TrainParams:
    """Hyper-parameters; all of them are saved with the model."""

    hidden: int = 64
    layers: int = 2
    dropout: float = 0.1
    lr: float = 0.01
    epochs: int = 150
    eval_every: int = 5
    patience: int = 6
    mask_frac: float = 0.5
    epoch_pairs: int = 200_000
    val_frac: float = 0.05
    test_frac: float = 0.10
    seed: int = 0
    device: str = "auto"
    batch_size: int = 0
    fanouts: tuple[int, ...] = (15, 10)
    minibatch_above_edges: int = 20_000_000
    eval_positives: int = 20_000
    mrr_negatives: int = 100
    max_topics: int = 32

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "fanouts": list(self.fanouts)}


@dataclass
class Graphs:
    """The matrices that the encoder and the pair features are computed from."""

    data: GraphData
    adjacency: sp.csr_matrix  # person × person
    engagements: sp.csr_matrix  # person × content
    profile: np.ndarray
    content_topic: np.ndarray
    topic_totals: np.ndarray  # per person: engaged contents whose topic is in the schema

    @classmethod
    def build(cls, data: GraphData, schema: FeatureSchema, pp_src: np.ndarray,
              pp_dst: np.ndarray, pc_person: np.ndarray, pc_content: np.ndarray) -> Graphs:
        a = data.person_adjacency(pp_src, pp_dst)
        b = data.engagement_matrix(pc_person, pc_content)
        content_topic = content_topic_index(data, schema.topics)
        totals = b @ (content_topic >= 0).astype(np.float64)
        return cls(data, a, b, make_profile(data, b, schema.topics), content_topic,
                   np.asarray(totals).ravel())

    def node_adjacency(self, drop_pp: np.ndarray | None = None,
                       drop_pc: np.ndarray | None = None) -> sp.csr_matrix:
        """Symmetric adjacency over persons then contents; ``drop_*`` are pairs
        (``[2, n]`` arrays) left out."""
        n_p, n_c = self.data.num_persons, self.data.num_contents
        a, b = self.adjacency, self.engagements
        if drop_pp is not None and drop_pp.shape[1]:
            a = a - _pairs_matrix(drop_pp[0], drop_pp[1], n_p, n_p, symmetric=True)
            a.eliminate_zeros()
        if drop_pc is not None and drop_pc.shape[1]:
            b = b - _pairs_matrix(drop_pc[0], drop_pc[1], n_p, n_c)
            b.eliminate_zeros()
        # scipy-stubs type bmat(format="csr") as any sparse matrix: it is CSR
        full = cast(sp.csr_matrix,
                    sp.bmat([[a, b], [b.T, None]], format="csr", dtype=np.float32))
        full.sort_indices()
        return full

    def pp_features(self, u: np.ndarray, v: np.ndarray, by_source: bool = False
                    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Heuristic scores and decoder features of person pairs (``by_source``: see
        ``gnn.data.structural.pp_scores``)."""
        scores = pp_scores(self.adjacency, u, v, by_source=by_source)
        return scores, pp_decoder_features(scores)

    def pc_features(self, u: np.ndarray, c: np.ndarray, drop_self: bool = False,
                    by_source: bool = False) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Heuristic scores and decoder features of (person, content) pairs."""
        scores = pc_scores(self.adjacency, self.engagements, u, c, self.profile,
                           self.content_topic, by_source=by_source)
        if drop_self:
            # a training positive must not count its own engagement in the popularity or
            # in the person's topic profile (a test positive is in neither)
            scores["popularity"] = np.maximum(scores["popularity"] - 1, 0)
            scores["topic_match"] = self._match_without_self(u, c, scores["topic_match"])
        return scores, pc_decoder_features(scores)

    def _match_without_self(self, u: np.ndarray, c: np.ndarray,
                            match: np.ndarray) -> np.ndarray:
        """Topic match of engaged pairs ``(u, c)`` as if ``u`` had not engaged ``c``:
        ``(share * total - 1) / (total - 1)`` for a content of a known topic."""
        total = self.topic_totals[u]
        known = (self.content_topic[c] >= 0) & (total > 1)
        out = np.where(self.content_topic[c] >= 0, 0.0, match)
        out[known] = (match[known] * total[known] - 1.0) / (total[known] - 1.0)
        return np.clip(out, 0.0, 1.0)


def _pairs_matrix(r: np.ndarray, c: np.ndarray, n: int, m: int,
                  symmetric: bool = False) -> sp.csr_matrix:
    if symmetric:
        r, c = np.concatenate([r, c]), np.concatenate([c, r])
    mat = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(n, m))
    mat.data[:] = 1.0
    return mat


def to_torch_adjacency(adj: sp.csr_matrix, device: torch.device) -> Tensor:
    """A scipy CSR matrix as a torch sparse CSR tensor (rows = receiving nodes)."""
    return _csr(torch.from_numpy(adj.indptr.astype(np.int64)),
                torch.from_numpy(adj.indices.astype(np.int64)),
                torch.from_numpy(adj.data.astype(np.float32)), adj.shape).to(device)


def _csr(crow: Tensor, col: Tensor, values: Tensor, shape: tuple[int, int]) -> Tensor:
    """``torch.sparse_csr_tensor`` without its "beta" and "invariant checks" warnings (the
    indices come from scipy or from a gather of such, so they are valid)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse (CSR tensor support|invariant)")
        return torch.sparse_csr_tensor(crow, col, values, size=shape)


class MessageGraph:
    """The training graph (persons then contents) in CSR order, each stored entry tagged with
    the training edge it comes from, so that dropping an epoch's target edges is one gather
    on the device instead of rebuilding a sparse matrix."""

    def __init__(self, full: sp.csr_matrix, tr_pp: np.ndarray, tr_pc: np.ndarray, n_p: int,
                 device: torch.device):
        n = full.shape[0]
        n_c = max(n - n_p, 1)
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(full.indptr))
        cols = full.indices.astype(np.int64)
        owner = np.full(len(cols), -1, dtype=np.int64)
        pp = (rows < n_p) & (cols < n_p)
        keys = np.minimum(rows[pp], cols[pp]) * n_p + np.maximum(rows[pp], cols[pp])
        owner[pp] = _positions(tr_pp[0].astype(np.int64) * n_p + tr_pp[1], keys)
        pc = (rows < n_p) & (cols >= n_p)
        cp = (rows >= n_p) & (cols < n_p)
        pc_keys = np.concatenate([rows[pc] * n_c + (cols[pc] - n_p),
                                  cols[cp] * n_c + (rows[cp] - n_p)])
        pos = _positions(tr_pc[0].astype(np.int64) * n_c + tr_pc[1], pc_keys)
        owner[np.flatnonzero(pc)] = tr_pp.shape[1] + pos[:pc.sum()]
        owner[np.flatnonzero(cp)] = tr_pp.shape[1] + pos[pc.sum():]
        self.n, self.n_edges, self.n_pp = n, tr_pp.shape[1] + tr_pc.shape[1], tr_pp.shape[1]
        self.device = device
        self.rows = torch.from_numpy(rows).to(device)
        self.cols = torch.from_numpy(cols).to(device)
        self.owner = torch.from_numpy(owner).to(device)

    def without(self, pp_idx: np.ndarray, pc_idx: np.ndarray) -> Tensor:
        """Sparse CSR adjacency without the training edges ``pp_idx`` / ``pc_idx``."""
        masked = torch.zeros(self.n_edges, dtype=torch.bool, device=self.device)
        masked[torch.from_numpy(pp_idx).to(self.device)] = True
        masked[torch.from_numpy(pc_idx + self.n_pp).to(self.device)] = True
        keep = ~masked[self.owner]
        r, c = self.rows[keep], self.cols[keep]
        crow = torch.zeros(self.n + 1, dtype=torch.int64, device=self.device)
        crow[1:] = torch.cumsum(torch.bincount(r, minlength=self.n), 0)
        return _csr(crow, c, torch.ones(len(c), device=self.device), (self.n, self.n))


def _positions(sorted_source: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Index in ``sorted_source`` (any order) of each of ``keys`` (all present)."""
    order = np.argsort(sorted_source, kind="stable")
    return order[np.searchsorted(sorted_source[order], keys)]


def pick_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA when available, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InvalidInput("device", "cuda: no CUDA device is available")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    """Seed NumPy-free global RNGs of torch and ask for deterministic kernels."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


@dataclass
class EvalSet:
    """Fixed pairs of one split and task with their decoder features and heuristic scores."""

    task: str
    pos: tuple[np.ndarray, np.ndarray]
    neg: tuple[np.ndarray, np.ndarray]
    mrr: tuple[np.ndarray, np.ndarray]
    feats: dict[str, np.ndarray] = field(default_factory=dict)
    scores: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def make_eval_set(task: str, graphs: Graphs, u: np.ndarray, v: np.ndarray,
                  all_keys: np.ndarray, params: TrainParams, seed: int) -> EvalSet:
    """Positives (capped at ``params.eval_positives``), shared negatives and per-positive
    negatives for MRR, all sampled among pairs that are edges nowhere in the data."""
    rng = np.random.default_rng(seed)
    if len(u) > params.eval_positives:
        keep = np.sort(rng.choice(len(u), params.eval_positives, replace=False))
        u, v = u[keep], v[keep]
    data = graphs.data
    n_dst = data.num_persons if task == "people" else data.num_contents
    undirected = task == "people"
    n_neg = int(min(max(2 * len(u), 1000), 100_000))
    neg = sample_negatives(data.num_persons, n_dst, n_neg, all_keys, rng, undirected=undirected)
    mrr_src = np.repeat(u, params.mrr_negatives)
    mrr = sample_negatives(data.num_persons, n_dst, 0, all_keys, rng, undirected=undirected,
                           src=mrr_src)
    es = EvalSet(task, (u, v), neg, mrr)
    feature_fn = graphs.pp_features if undirected else graphs.pc_features
    for name, (a, b) in (("pos", es.pos), ("neg", es.neg), ("mrr", es.mrr)):
        es.scores[name], es.feats[name] = feature_fn(a, b)
    return es


def heuristic_rows(es: EvalSet, split: str, k: int) -> list[MetricRow]:
    """One metrics row per heuristic for this evaluation set."""
    names = PP_HEURISTICS if es.task == "people" else PC_HEURISTICS
    rows: list[MetricRow] = []
    for name in names:
        m = link_metrics(es.scores["pos"][name], es.scores["neg"][name],
                         es.scores["mrr"][name].reshape(-1, k))
        rows.append({"split": split, "task": es.task, "method": name, **m})
    return rows


@torch.no_grad()
def score_pairs(model: LinkPredictor, h: Tensor, task: str, u: np.ndarray, v: np.ndarray,
                feats: np.ndarray, n_persons: int, chunk: int = 262_144) -> np.ndarray:
    """Decoder logits of pairs given all node embeddings ``h`` (contents offset by
    ``n_persons``)."""
    dec = model.people if task == "people" else model.content
    offset = 0 if task == "people" else n_persons
    out = []
    for lo in range(0, len(u), chunk):
        iu = torch.from_numpy(u[lo:lo + chunk]).to(h.device)
        iv = torch.from_numpy(v[lo:lo + chunk] + offset).to(h.device)
        f = torch.from_numpy(feats[lo:lo + chunk]).to(h.device)
        out.append(dec(h[iu], h[iv], f).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def gnn_row(model: LinkPredictor, h: Tensor, es: EvalSet, split: str, k: int,
            n_persons: int) -> MetricRow:
    scored = {name: score_pairs(model, h, es.task, *pairs, es.feats[name], n_persons)
              for name, pairs in (("pos", es.pos), ("neg", es.neg), ("mrr", es.mrr))}
    m = link_metrics(scored["pos"], scored["neg"], scored["mrr"].reshape(-1, k))
    return {"split": split, "task": es.task, "method": GNN, **m}


@torch.no_grad()
def embed(model: LinkPredictor, x: Tensor, adj: Tensor) -> Tensor:
    """All node embeddings, in evaluation mode, full-batch."""
    model.eval()
    return model(x, adj)


@dataclass
class TrainResult:
    """What ``kolgraph train`` stores: the model, its schema, metrics rows, the curve."""

    model: LinkPredictor
    schema: FeatureSchema
    params: TrainParams
    metrics: list[MetricRow]
    curve: list[dict[str, float]]
    counts: dict[str, int]
    split: GraphSplit
    seconds_per_epoch: float
    epochs_run: int


def train(data: GraphData, params: TrainParams | None = None,
          log: Log | None = None) -> TrainResult:
    """Train and evaluate a link predictor on ``data``; see the module docstring."""
    params = params or TrainParams()
    log = log or (lambda _msg: None)
    seed_everything(params.seed)
    rng = np.random.default_rng(params.seed)
    device = pick_device(params.device)
    split = split_graph(data, params.val_frac, params.test_frac, params.seed)
    tr = split.train_graph(data)
    a0 = data.person_adjacency(tr[0], tr[1])
    b0 = data.engagement_matrix(tr[2], tr[3])
    schema = fit_schema(data, a0, b0, max_topics=params.max_topics)
    graphs = Graphs.build(data, schema, *tr)
    x = torch.from_numpy(node_features(data, graphs.adjacency, graphs.engagements,
                                       schema)).to(device)
    n_p = data.num_persons
    has_content = len(data.pc_person) > 0 and data.num_contents > 0
    pp_keys = pair_keys(data.pp_src, data.pp_dst, n_p, undirected=True)
    pc_keys = pair_keys(data.pc_person, data.pc_content, max(data.num_contents, 1))
    k = params.mrr_negatives
    evals: dict[str, list[EvalSet]] = {"val": [], "test": []}
    for si, name in enumerate(("val", "test")):
        idx = getattr(split.pp, name)
        evals[name].append(make_eval_set("people", graphs, data.pp_src[idx], data.pp_dst[idx],
                                         pp_keys, params, params.seed + 10 + si))
        if has_content:
            idx = getattr(split.pc, name)
            evals[name].append(make_eval_set("content", graphs, data.pc_person[idx],
                                             data.pc_content[idx], pc_keys, params,
                                             params.seed + 20 + si))
    model = LinkPredictor(schema.dim, params.hidden, params.layers, params.dropout).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=params.lr)
    full_scipy = graphs.node_adjacency()
    full_adj = to_torch_adjacency(full_scipy, device)
    tr_pp = np.stack([tr[0], tr[1]])
    tr_pc = np.stack([tr[2], tr[3]])
    minibatch = params.batch_size > 0 or (
        len(tr[0]) + len(tr[2]) > params.minibatch_above_edges)
    best_state, best_val, bad, curve = None, -1.0, 0, []
    messages: MessageGraph | None = None
    started = time.perf_counter()
    epoch = 0
    for epoch in range(1, params.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        pp_idx = _mask(tr_pp.shape[1], params, rng)
        pc_idx = _mask(tr_pc.shape[1], params, rng) if has_content else pp_idx[:0]
        sup_pp, sup_pc = tr_pp[:, pp_idx], tr_pc[:, pc_idx]
        batch = _supervision(graphs, sup_pp, sup_pc, pp_keys, pc_keys, rng)
        if minibatch:
            msg = graphs.node_adjacency(sup_pp, sup_pc)
            loss = _minibatch_epoch(model, opt, x, msg, batch, params, rng, n_p, device)
        else:
            if messages is None:
                messages = MessageGraph(full_scipy, tr_pp, tr_pc, n_p, device)
            loss = _step(model, opt, x, messages.without(pp_idx, pc_idx), batch, n_p,
                         device)
        point = {"epoch": epoch, "loss": loss, "seconds": time.perf_counter() - t0}
        if epoch % params.eval_every == 0 or epoch == params.epochs:
            h = embed(model, x, full_adj)
            val = float(np.mean([float(gnn_row(model, h, es, "val", k, n_p)["hits@50"])
                                 for es in evals["val"]]))
            point["val_hits@50"] = float(val)
            log(f"epoch {epoch:4d}  loss {loss:.4f}  val hits@50 {val:.4f}")
            if val > best_val:
                best_val, bad = val, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                bad += 1
                if bad >= params.patience:
                    curve.append(point)
                    break
        curve.append(point)
    seconds_per_epoch = (time.perf_counter() - started) / max(epoch, 1)
    if best_state is not None:
        model.load_state_dict(best_state)
    h = embed(model, x, full_adj)
    rows: list[MetricRow] = []
    for name in ("val", "test"):
        for es in evals[name]:
            rows.append(gnn_row(model, h, es, name, k, n_p))
            rows.extend(heuristic_rows(es, name, k))
    model = model.cpu()
    return TrainResult(model, schema, params, rows, curve, data.counts(), split,
                       seconds_per_epoch, epoch)


def _mask(n: int, params: TrainParams, rng: np.random.Generator) -> np.ndarray:
    """Indices of this epoch's target edges among ``n``: a ``mask_frac`` share, at most
    ``epoch_pairs``."""
    count = min(int(round(n * params.mask_frac)), params.epoch_pairs or n)
    return np.sort(rng.choice(n, size=count, replace=False))


@dataclass
class Supervision:
    pp: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # u, v, feats, labels
    pc: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

    def take(self, ip: np.ndarray, ic: np.ndarray) -> Supervision:
        """The person pairs ``ip`` and the person-content pairs ``ic``."""
        u, v, feats, labels = self.pp
        cu, cv, cfeats, clabels = self.pc
        return Supervision((u[ip], v[ip], feats[ip], labels[ip]),
                           (cu[ic], cv[ic], cfeats[ic], clabels[ic]))


def _supervision(graphs: Graphs, sup_pp: np.ndarray, sup_pc: np.ndarray,
                 pp_keys: np.ndarray, pc_keys: np.ndarray,
                 rng: np.random.Generator) -> Supervision:
    data = graphs.data
    n_p = data.num_persons
    nu, nv = sample_negatives(n_p, n_p, sup_pp.shape[1], pp_keys, rng, undirected=True)
    u = np.concatenate([sup_pp[0], nu])
    v = np.concatenate([sup_pp[1], nv])
    _, f = graphs.pp_features(u, v)
    y = np.concatenate([np.ones(sup_pp.shape[1]), np.zeros(len(nu))]).astype(np.float32)
    pp = (u, v, f, y)
    if sup_pc.shape[1]:
        pu, pcn = sample_negatives(n_p, data.num_contents, 0, pc_keys, rng, undirected=False,
                                   src=sup_pc[0])
        _, fpos = graphs.pc_features(sup_pc[0], sup_pc[1], drop_self=True)
        _, fneg = graphs.pc_features(pu, pcn)
        pc = (np.concatenate([sup_pc[0], pu]), np.concatenate([sup_pc[1], pcn]),
              np.concatenate([fpos, fneg]),
              np.concatenate([np.ones(sup_pc.shape[1]), np.zeros(len(pu))]).astype(np.float32))
    else:
        empty = np.zeros(0, dtype=np.int64)
        pc = (empty, empty, np.zeros((0, 3), dtype=np.float32), np.zeros(0, dtype=np.float32))
    return Supervision(pp, pc)


def _loss(model: LinkPredictor, h: Tensor, sup: Supervision, n_p: int,
          device: torch.device, local: np.ndarray | None = None) -> Tensor:
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    total = torch.zeros((), device=device)
    for dec, (u, v, f, y), offset in ((model.people, sup.pp, 0), (model.content, sup.pc, n_p)):
        if len(u) == 0:
            continue
        iu, iv = u, v + offset
        if local is not None:
            iu, iv = local[iu], local[iv]
        logits = dec(h[torch.from_numpy(iu).to(device)], h[torch.from_numpy(iv).to(device)],
                     torch.from_numpy(f).to(device))
        total = total + bce(logits, torch.from_numpy(y).to(device))
    return total


def _step(model: LinkPredictor, opt: torch.optim.Optimizer, x: Tensor, adj: Tensor,
          sup: Supervision, n_p: int, device: torch.device) -> float:
    opt.zero_grad()
    h = model(x, adj)
    loss = _loss(model, h, sup, n_p, device)
    loss.backward()
    opt.step()
    return float(loss.detach())


def _minibatch_epoch(model: LinkPredictor, opt: torch.optim.Optimizer, x: Tensor,
                     msg: sp.csr_matrix, sup: Supervision, params: TrainParams,
                     rng: np.random.Generator, n_p: int, device: torch.device) -> float:
    """One epoch over the supervision pairs in batches, each on a sampled subgraph."""
    sampler = NeighborSampler(msg.indptr, msg.indices, params.fanouts[:params.layers])
    bs = params.batch_size or 4096
    n_pp, n_pc = len(sup.pp[0]), len(sup.pc[0])
    order_pp, order_pc = rng.permutation(n_pp), rng.permutation(n_pc)
    steps = max(1, int(np.ceil((n_pp + n_pc) / bs)))
    total = 0.0
    local = np.full(x.shape[0], -1, dtype=np.int64)
    for s in range(steps):
        ip = order_pp[s * n_pp // steps:(s + 1) * n_pp // steps]
        ic = order_pc[s * n_pc // steps:(s + 1) * n_pc // steps]
        part = sup.take(ip, ic)
        seeds = np.unique(np.concatenate([part.pp[0], part.pp[1], part.pc[0],
                                          part.pc[1] + n_p]))
        nodes, edge_index = sampler.sample(seeds, rng)
        local[nodes] = np.arange(len(nodes))
        opt.zero_grad()
        h = model(x[torch.from_numpy(nodes).to(device)],
                  torch.from_numpy(edge_index).to(device))
        loss = _loss(model, h, part, n_p, device, local)
        loss.backward()
        opt.step()
        local[nodes] = -1
        total += float(loss.detach())
    return total / steps
