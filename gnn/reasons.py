"""Why a recommendation was made, in words that name the evidence.

For each recommended pair: a short English ``reason`` ("3 contacts in common: 张三, 李四,
王五; same community: 育儿") and the same evidence as a JSON-ready dict, so that another
surface can word it in its own language. At most ``MAX_PARTS`` pieces of evidence, strongest
first; at most ``MAX_NAMES`` names, the best connected first.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gnn.data.rowwise import top_per_row
from gnn.pairs import PairBatch, RecGraph

MAX_NAMES = 3
MAX_PARTS = 2


def _names(g: RecGraph, left: sp.csr_matrix, u: np.ndarray, right: sp.csr_matrix,
           v: np.ndarray) -> list[list[str]]:
    """For each pair, the display names of up to ``MAX_NAMES`` persons in both
    ``left[u]`` and ``right[v]`` (person columns), the most connected first."""
    if len(u) == 0:
        return []
    both = left[u].multiply(right[v]).tocsr()
    both.eliminate_zeros()
    # ``both @ diag(connectedness)``: each stored 1 becomes the person's connectedness
    weight = sp.csr_matrix((both.data.astype(np.float64) * _connectedness(g)[both.indices],
                            both.indices, both.indptr), shape=both.shape)
    rows, cols, _ = top_per_row(weight, MAX_NAMES)
    names = _display_names(g, cols)
    out: list[list[str]] = [[] for _ in range(len(u))]
    for r, name in zip(rows.tolist(), names, strict=True):
        out[r].append(name)
    return out


def _connectedness(g: RecGraph) -> np.ndarray:
    """What orders the names of a reason: ties, then followers (always > 0)."""
    return g._memo("connectedness", lambda: g.degree + g.followers_log + 1.0)


def _display_names(g: RecGraph, persons: np.ndarray) -> list[str]:
    """Display names of ``persons`` (read for them only, not for the whole graph)."""
    return [str(x) for x in
            g.data.persons["display_name"].take(persons).astype(str).tolist()]


def _community_labels(g: RecGraph) -> np.ndarray:
    """Each person's community label (``#id`` when the analysis gave none)."""
    def make() -> np.ndarray:
        persons = g.data.persons
        ids = "#" + persons["community_id"].astype(str)
        labels = persons.get("community_label", ids)
        good = labels.map(lambda x: isinstance(x, str) and bool(x))
        return labels.where(good, ids).astype(str).to_numpy()
    return g._memo("community_labels", make)


def _community_label(g: RecGraph, person: int) -> str:
    return str(_community_labels(g)[person])


def _count(n: float, one: str, many: str) -> str:
    n = int(round(n))
    return f"{n} {one if n == 1 else many}"


def _join(parts: list[str], fallback: str) -> str:
    return "; ".join(parts[:MAX_PARTS]) if parts else fallback


def people_reasons(g: RecGraph, batch: PairBatch, rows: np.ndarray
                   ) -> tuple[list[str], list[dict[str, object]]]:
    """Reasons and evidence for the pairs ``rows`` of a people ``batch``: one English
    sentence and one JSON-ready dict per pair, in the order of ``rows``.

    The columns are gathered for all pairs with NumPy and turned into Python lists once;
    the loop only words them (the same values as reading the arrays pair by pair)."""
    u, v = batch.u[rows], batch.v[rows]
    cn = batch.column("common_neighbours")[rows].tolist()
    same = (batch.column("same_community")[rows] > 0).tolist()
    co = batch.column("co_engaged")[rows].tolist()
    co_paid = _co_purchases(g, u, v).tolist()
    topic_sim = batch.column("topic_similarity")[rows].tolist()
    ppr = batch.column("personalized_pagerank")[rows].tolist()
    common = _names(g, g.adjacency, u, g.adjacency, v)
    fav_u, fav_v = g.favourite_topic(u).tolist(), g.favourite_topic(v).tolist()
    labels = _community_labels(g)[u].tolist()
    degree_v = g.degree[v].tolist()
    topics = g.topics
    reasons, evidence = [], []
    for i in range(len(cn)):
        parts: list[str] = []
        ev: dict[str, object] = {}
        if cn[i] > 0:
            ev["contacts_in_common"] = int(cn[i])
            ev["names"] = common[i]
            parts.append(f"{_count(cn[i], 'contact', 'contacts')} in common: "
                         + ", ".join(common[i]))
        if same[i]:
            label = labels[i]
            ev["community"] = label
            parts.append(f"same community: {label}")
        if co_paid[i] > 0:
            ev["bought_same"] = int(co_paid[i])
            n = int(co_paid[i])
            parts.append("bought the same course" if n == 1
                         else f"bought {n} of the same courses")
        elif co[i] > 0:
            ev["engaged_same"] = int(co[i])
            parts.append(f"engaged {_count(co[i], 'content', 'contents')} you engaged")
        if fav_u[i] >= 0 and fav_u[i] == fav_v[i] and topic_sim[i] > 0:
            topic = topics[fav_u[i]]
            ev["topic"] = topic
            parts.append(f"both mostly engage {topic}")
        if not parts and ppr[i] > 0:
            ev["wider_network"] = True
            parts.append("close in your wider network (contacts of contacts)")
        ev.setdefault("contacts", int(degree_v[i]))
        contacts = _count(degree_v[i], "contact", "contacts")
        reasons.append(_join(parts, f"well connected: {contacts}"))
        evidence.append(ev)
    return reasons, evidence


def _co_purchases(g: RecGraph, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    if len(u) == 0 or g.purchases.nnz == 0:
        return np.zeros(len(u))
    return np.asarray(g.purchases[u].multiply(g.purchases[v]).sum(axis=1)).ravel()


def content_reasons(g: RecGraph, batch: PairBatch, rows: np.ndarray
                    ) -> tuple[list[str], list[dict[str, object]]]:
    """Reasons and evidence for the pairs ``rows`` of a content ``batch``: one English
    sentence and one JSON-ready dict per pair, in the order of ``rows`` (columns gathered
    with NumPy and turned into Python lists once, as in ``people_reasons``)."""
    u, c = batch.u[rows], batch.v[rows]
    ce = batch.column("contacts_engaged")[rows].tolist()
    tie_mask = batch.column("creator_tie")[rows] > 0
    creator_tie = tie_mask.tolist()
    icf = batch.column("item_cf")[rows].tolist()
    comm = batch.column("community_popularity")[rows].tolist()
    match = batch.column("topic_match")[rows].tolist()
    contacts = _names(g, g.adjacency, u, g.engaged_by, c)
    creators = dict(zip(np.flatnonzero(tie_mask).tolist(),
                        _display_names(g, g.creator[c[tie_mask]]), strict=True))
    topics = g.data.contents["topic"].astype(str).to_numpy()[c].tolist()
    labels = _community_labels(g)[u].tolist()
    popularity = g.popularity[c].tolist()
    reasons, evidence = [], []
    for i in range(len(ce)):
        parts: list[str] = []
        ev: dict[str, object] = {}
        if creator_tie[i]:
            creator = creators[i]
            ev["creator_contact"] = creator
            parts.append(f"by {creator}, one of your contacts")
        if ce[i] > 0:
            ev["contacts_engaged"] = int(ce[i])
            ev["names"] = contacts[i]
            parts.append(f"{_count(ce[i], 'contact', 'contacts')} engaged it: "
                         + ", ".join(contacts[i]))
        if icf[i] > 0 and not parts:
            ev["similar_tastes"] = True
            parts.append("engaged by people who engaged what you engaged")
        if comm[i] > 0 and len(parts) < MAX_PARTS:
            label = labels[i]
            ev["community"] = label
            ev["community_share"] = round(comm[i], 4)
            parts.append(f"popular in your community {label}: {comm[i]:.0%} engaged")
        if match[i] > 0 and len(parts) < MAX_PARTS:
            ev["topic"] = topics[i]
            ev["topic_share"] = round(match[i], 4)
            parts.append(f"topic {topics[i]}: {match[i]:.0%} of what you engage")
        ev.setdefault("engaged", int(popularity[i]))
        reasons.append(_join(parts, f"popular: {_count(popularity[i], 'person', 'persons')}"
                             " engaged"))
        evidence.append(ev)
    return reasons, evidence


def reasons_for(g: RecGraph, batch: PairBatch, rows: np.ndarray
                ) -> tuple[list[str], list[dict[str, object]]]:
    """``people_reasons`` or ``content_reasons`` by the batch's kind."""
    if batch.kind == "people":
        return people_reasons(g, batch, rows)
    return content_reasons(g, batch, rows)
