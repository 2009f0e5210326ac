"""GraphSAGE encoder with two link decoders (person → person, person → content).

The encoder runs over one graph that holds persons and contents (the feature vector says
which); each decoder scores a pair from the product of the two embeddings and a few
pairwise structural features of the training graph (common neighbours, Adamic–Adar, ...).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import SAGEConv

PAIR_FEATURES = 3


class SAGEEncoder(nn.Module):
    """``layers`` ``SAGEConv`` (mean aggregation) with ReLU and dropout between them.

    ``adj`` is an ``edge_index`` ``[2, E]`` or a sparse CSR adjacency whose rows are the
    receiving nodes.
    """

    def __init__(self, in_dim: int, hidden: int = 64, layers: int = 2, dropout: float = 0.2):
        super().__init__()
        self.inp = nn.Linear(in_dim, hidden)
        self.convs = nn.ModuleList(SAGEConv(hidden, hidden) for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))
        self.dropout = dropout

    def forward(self, x: Tensor, adj: Tensor) -> Tensor:
        h = torch.relu(self.inp(x))
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = h + torch.relu(norm(conv(h, adj)))
            h = nn.functional.dropout(h, self.dropout, self.training)
        return h


class PairDecoder(nn.Module):
    """MLP over ``[h_u * h_v, pair_features]`` → one logit per pair."""

    def __init__(self, hidden: int, pair_features: int = PAIR_FEATURES):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(hidden + pair_features, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 1))

    def forward(self, hu: Tensor, hv: Tensor, pair: Tensor) -> Tensor:
        return self.mlp(torch.cat([hu * hv, pair], dim=1)).squeeze(-1)


class LinkPredictor(nn.Module):
    """The whole model: ``encoder``, ``people`` decoder, ``content`` decoder."""

    def __init__(self, in_dim: int, hidden: int = 64, layers: int = 2, dropout: float = 0.2):
        super().__init__()
        self.encoder = SAGEEncoder(in_dim, hidden, layers, dropout)
        self.people = PairDecoder(hidden)
        self.content = PairDecoder(hidden)
        self.config = {"in_dim": in_dim, "hidden": hidden, "layers": layers,
                       "dropout": dropout}

    def forward(self, x: Tensor, adj: Tensor) -> Tensor:
        """Embeddings of every node of the graph ``adj``."""
        return self.encoder(x, adj)
