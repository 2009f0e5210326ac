"""Inductive node features and the feature schema saved with every model.

Every feature can be computed for a person the model has never seen: degree statistics on
the person graph, platform membership, the topic profile of the contents it engaged with,
and its activity. Contents get their topic, platform, price and popularity. Persons and
contents share one feature vector ``[person block | content block | is_content]`` so that one
GraphSAGE encoder serves both node types.

The ``FeatureSchema`` (names in order, platform and topic vocabularies, normalisation
statistics) is fitted on the training data and stored with the model; applying a model to
data that does not fit its schema raises ``FeatureSchemaError`` naming what is wrong.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from gnn.data.graph import GraphData
from graph.errors import KolgraphError

SCHEMA_VERSION = 1
PERSON_NUMERIC = ("deg_log", "nbr_deg_log", "followers_log", "platforms_count",
                  "engaged_log", "spend_log")
CONTENT_NUMERIC = ("price_log", "popularity_log")


class FeatureSchemaError(KolgraphError, ValueError):
    """A saved model's feature schema does not fit the data; the message names the field."""


@dataclass
class FeatureSchema:
    """Names, vocabularies and normalisation of the node features of one model."""

    platforms: list[str]
    topics: list[str]
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)
    version: int = SCHEMA_VERSION

    @property
    def names(self) -> list[str]:
        """Feature names in column order."""
        return ([f"person.{n}" for n in PERSON_NUMERIC]
                + [f"person.platform.{p}" for p in self.platforms]
                + [f"person.topic.{t}" for t in self.topics]
                + [f"content.topic.{t}" for t in self.topics]
                + [f"content.platform.{p}" for p in self.platforms]
                + [f"content.{n}" for n in CONTENT_NUMERIC]
                + ["is_content"])

    @property
    def dim(self) -> int:
        return len(self.names)

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "names": self.names}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FeatureSchema:
        """Rebuild a saved schema; a missing field or a stale version is an error."""
        try:
            schema = cls(platforms=list(raw["platforms"]), topics=list(raw["topics"]),
                         mean=list(raw["mean"]), std=list(raw["std"]),
                         version=int(raw["version"]))
        except KeyError as exc:
            raise FeatureSchemaError(f"feature schema: missing field {exc.args[0]!r}") from exc
        if schema.version != SCHEMA_VERSION:
            raise FeatureSchemaError(
                f"feature schema: version {schema.version}, this code computes version "
                f"{SCHEMA_VERSION}; retrain the model (kolgraph train)")
        if "names" in raw and list(raw["names"]) != schema.names:
            raise FeatureSchemaError("feature schema: saved feature names differ from the "
                                     "names this code computes; retrain the model")
        return schema


def person_platforms(data: GraphData) -> list[list[str]]:
    """The platforms of each person, from the ``|``-joined ``platforms`` column."""
    return [[p for p in s.split("|") if p] for s in data.persons["platforms"].tolist()]


def fit_schema(data: GraphData, adjacency: sp.csr_matrix, engagements: sp.csr_matrix,
               max_topics: int = 32, max_platforms: int = 16) -> FeatureSchema:
    """Fit vocabularies (most frequent first) and mean/std on the training graph."""
    plat_counts: dict[str, int] = {}
    for plats in person_platforms(data):
        for p in plats:
            plat_counts[p] = plat_counts.get(p, 0) + 1
    for p in data.contents["platform"].tolist():
        if p:
            plat_counts[p] = plat_counts.get(p, 0) + 1
    platforms = sorted(plat_counts, key=lambda p: (-plat_counts[p], p))[:max_platforms]
    topic_pop = np.asarray(engagements.sum(axis=0)).ravel()
    topic_counts: dict[str, float] = {}
    for t, n in zip(data.contents["topic"].tolist(), topic_pop.tolist(), strict=True):
        if t:
            topic_counts[t] = topic_counts.get(t, 0.0) + n + 1e-3
    topics = sorted(topic_counts, key=lambda t: (-topic_counts[t], t))[:max_topics]
    schema = FeatureSchema(platforms=sorted(platforms), topics=sorted(topics))
    raw = raw_features(data, adjacency, engagements, schema)
    mean = raw.mean(axis=0)
    std = raw.std(axis=0)
    std[std < 1e-6] = 1.0
    schema.mean, schema.std = mean.tolist(), std.tolist()
    return schema


def check_compatible(schema: FeatureSchema, data: GraphData) -> None:
    """Raise ``FeatureSchemaError`` when ``data`` cannot be described by ``schema``.

    A platform the model has never seen would silently become all-zero features, and data
    with none of the model's topics has no usable topic profile: both need a retrain.
    """
    known = set(schema.platforms)
    seen = {p for plats in person_platforms(data) for p in plats}
    seen |= {p for p in data.contents["platform"].tolist() if p}
    unknown = sorted(seen - known)
    if unknown:
        raise FeatureSchemaError(
            f"feature schema: platform(s) {', '.join(unknown)} are not in the model's "
            f"platforms ({', '.join(schema.platforms) or 'none'}); retrain the model")
    topics = {t for t in data.contents["topic"].tolist() if t}
    if schema.topics and topics and not topics & set(schema.topics):
        raise FeatureSchemaError(
            "feature schema: none of the data's topics are among the model's topics "
            f"({', '.join(schema.topics[:5])}, ...); retrain the model")
    if len(schema.mean) != schema.dim or len(schema.std) != schema.dim:
        raise FeatureSchemaError(
            f"feature schema: {len(schema.mean)} normalisation values for {schema.dim} features")


def topic_profile(data: GraphData, engagements: sp.csr_matrix,
                  topics: list[str]) -> np.ndarray:
    """Row-normalised person × topic matrix: the share of each person's engaged contents
    that are about each topic (zeros for a person with no engagement)."""
    index = {t: i for i, t in enumerate(topics)}
    content_topic = np.array([index.get(t, -1) for t in data.contents["topic"].tolist()],
                             dtype=np.int64)
    known = content_topic >= 0
    onehot = sp.csr_matrix((np.ones(known.sum(), dtype=np.float32),
                            (np.flatnonzero(known), content_topic[known])),
                           shape=(data.num_contents, len(topics)))
    counts = np.asarray((engagements @ onehot).todense(), dtype=np.float32)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def content_topic_index(data: GraphData, topics: list[str]) -> np.ndarray:
    """Index of each content's topic in ``topics`` (-1 when not in the vocabulary)."""
    index = {t: i for i, t in enumerate(topics)}
    return np.array([index.get(t, -1) for t in data.contents["topic"].tolist()],
                    dtype=np.int64)


def raw_features(data: GraphData, adjacency: sp.csr_matrix, engagements: sp.csr_matrix,
                 schema: FeatureSchema) -> np.ndarray:
    """Un-normalised feature matrix, persons first then contents, columns ``schema.names``."""
    n_p, n_c = data.num_persons, data.num_contents
    n_plat, n_top = len(schema.platforms), len(schema.topics)
    out = np.zeros((n_p + n_c, schema.dim), dtype=np.float32)
    deg = np.asarray(adjacency.sum(axis=1)).ravel()
    nbr_deg = np.divide(adjacency @ deg, deg, out=np.zeros_like(deg), where=deg > 0)
    engaged = np.asarray(engagements.sum(axis=1)).ravel()
    amount = np.zeros(n_p)
    np.add.at(amount, data.pc_person, data.pc_amount)
    plats = person_platforms(data)
    col = 0
    for values in (np.log1p(deg), np.log1p(nbr_deg),
                   np.log1p(data.persons["followers_total"].to_numpy(float).clip(0)),
                   np.array([len(p) for p in plats], dtype=float),
                   np.log1p(engaged), np.log1p(amount.clip(0))):
        out[:n_p, col] = values
        col += 1
    pidx = {p: i for i, p in enumerate(schema.platforms)}
    rows = [i for i, ps in enumerate(plats) for p in ps if p in pidx]
    cols = [pidx[p] for ps in plats for p in ps if p in pidx]
    out[rows, col + np.array(cols, dtype=np.int64)] = 1.0
    col += n_plat
    out[:n_p, col:col + n_top] = topic_profile(data, engagements, schema.topics)
    col += n_top
    ctop = content_topic_index(data, schema.topics)
    has = np.flatnonzero(ctop >= 0)
    out[n_p + has, col + ctop[has]] = 1.0
    col += n_top
    cplat = np.array([pidx.get(p, -1) for p in data.contents["platform"].tolist()],
                     dtype=np.int64)
    has = np.flatnonzero(cplat >= 0)
    out[n_p + has, col + cplat[has]] = 1.0
    col += n_plat
    popularity = np.asarray(engagements.sum(axis=0)).ravel()
    out[n_p:, col] = np.log1p(data.contents["price"].to_numpy(float).clip(0))
    out[n_p:, col + 1] = np.log1p(popularity)
    out[n_p:, col + 2] = 1.0
    return out


def node_features(data: GraphData, adjacency: sp.csr_matrix, engagements: sp.csr_matrix,
                  schema: FeatureSchema) -> np.ndarray:
    """Normalised features (``schema.mean``/``schema.std``), persons then contents."""
    raw = raw_features(data, adjacency, engagements, schema)
    return ((raw - np.asarray(schema.mean, dtype=np.float32))
            / np.asarray(schema.std, dtype=np.float32)).astype(np.float32)
