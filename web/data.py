"""What the pages and the JSON API show, as plain dictionaries: both render the same data
(the pages through templates, the API as JSON). Reads go through ``graph.store``; values that
change only with a new run are cached per run id (``web.cache.RunCache``)."""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import numpy as np
import pandas as pd
from flask import abort, g, has_request_context, url_for

from graph.analytics.community_ids import UNASSIGNED_ID
from graph.analytics.overlap import audience_overlap
from graph.errors import InvalidInput
from graph.store import GraphStore, gnn_io, overview_reads, web_reads
from graph.store.runs import list_runs
from kolgraph.usecases import analyze as analyze_usecase
from kolgraph.usecases.seeds import plan_seeds
from web.context import CURRENT_KINDS, current_run, current_run_id, get_context, get_store

NETWORK_CORE = 150
NEIGHBOURS = 40
RECOMMENDATIONS = 10
LOOKALIKE_POOL = 60    # nearest persons looked at for look-alike KOLs
KOL_SHARE = 0.1        # a KOL: kol_score in the top 10% of the run
COMMUNITY_SORTS = ("size", "modularity_share", "density", "community_id")

T = TypeVar("T")


@dataclass(frozen=True)
class LeaderboardFilters:
    """The leaderboard's filters and sort column (one of ``web_reads.SORT_COLUMNS``)."""

    community: int | None = None
    platform: str | None = None
    topic: str | None = None
    sort: str = "kol_score"

    def query(self) -> dict[str, str | int]:
        """The filters that are set, as URL query parameters.

        >>> LeaderboardFilters(platform="zhihu").query()
        {'platform': 'zhihu', 'sort': 'kol_score'}
        """
        values = {"community": self.community, "platform": self.platform,
                  "topic": self.topic, "sort": self.sort}
        return {k: v for k, v in values.items() if v is not None}


def store() -> GraphStore:
    return get_store()


def _cached(key: Hashable, compute: Callable[[], T]) -> T:
    return get_context().cache.get(key, compute)


def runs_now() -> dict[str, dict[str, Any] | None]:
    """The current complete run of each kind shown by the UI."""
    return {kind: current_run(kind) for kind in CURRENT_KINDS}


def analyze_run_id(required: bool = True) -> str | None:
    """The current analyze run id; 503 when ``required`` and there is none yet."""
    run_id = current_run_id("analyze")
    if run_id is None and required:
        abort(503, description="no complete analyze run yet: run kolgraph analyze")
    return run_id


def _ingest_key() -> str | None:
    return current_run_id("ingest")


def person_url(person_id: str) -> str:
    """The person page's URL (``url_for`` once per request, then a string substitution:
    pages link hundreds of persons)."""
    if not has_request_context():
        return url_for("pages.person", person_id=person_id)
    template = g.get("person_url_template")
    if template is None:
        template = g.person_url_template = url_for("pages.person", person_id="__PERSON__")
    return template.replace("__PERSON__", quote(str(person_id), safe=""))


# ------------------------------------------------------------------------ overview
def _overview_aggregates(ingest_id: str | None) -> tuple[list[Any], list[Any], list[Any]]:
    """Accounts per platform, persons per platform and growth per month, cached per ingest
    run (each a scan of the accounts)."""
    return (_cached(("accounts_per_platform", ingest_id),
                    lambda: web_reads.accounts_per_platform(store())),
            _cached(("persons_per_platform", ingest_id),
                    lambda: overview_reads.persons_per_platform(store())),
            _cached(("growth_per_month", ingest_id),
                    lambda: overview_reads.growth_per_month(store())))


def overview() -> dict[str, Any]:
    """The dashboard: counts (persons, accounts, listed communities, unassigned persons),
    ``persons_per_platform`` (``platform, persons, accounts``, most persons first),
    ``accounts_per_platform`` (``platform, accounts``), ``growth`` (``month, persons,
    accounts`` first seen per month, ``graph.store.overview_reads``), ``top_communities``
    (the 5 largest: ``community_id, title, size, top_kol, url``), ``last`` (the newest
    ``analyze`` and ``refresh`` run, any status, or ``None``) and ``current_runs``. The
    aggregations are cached per ingest or analyze run."""
    ingest_id, run_id = _ingest_key(), analyze_run_id(required=False)
    per_platform, persons_rows, growth = _overview_aggregates(ingest_id)
    accounts_of = {r["platform"]: int(r["accounts"]) for r in per_platform}
    persons_per_platform = [{**r, "accounts": accounts_of.get(r["platform"], 0)}
                            for r in persons_rows]
    listed = listed_communities(run_id) if run_id else []
    top = sorted(listed, key=lambda c: (-int(c["size"]), int(c["community_id"])))[:5]
    top_communities = []
    for c in top:
        summary = _community_summary(c)
        kols = summary["top_kols"]
        top_communities.append({
            "community_id": summary["community_id"], "title": summary["title"],
            "size": summary["size"], "url": summary["url"],
            "top_kol": ({"person_id": kols[0]["person_id"],
                         "display_name": kols[0].get("display_name")} if kols else None)})
    last = {kind: next(iter(list_runs(store(), kind, limit=1)), None)
            for kind in ("analyze", "refresh")}
    return {"persons": web_reads.person_count(store()),
            "accounts_per_platform": per_platform,
            "accounts": sum(int(r["accounts"]) for r in per_platform),
            "persons_per_platform": persons_per_platform,
            "growth": growth,
            "communities": len(listed),
            "unassigned": unassigned_count(run_id) if run_id else 0,
            "top_communities": top_communities,
            "last": last,
            "current_runs": runs_now()}


# ---------------------------------------------------------------------- communities
def _communities(run_id: str) -> list[dict[str, Any]]:
    """Every community of ``run_id`` (the unassigned bucket included), their top KOLs named
    (the stored ``top_kols`` hold ids and scores only); cached per run."""
    def compute() -> list[dict[str, Any]]:
        rows = web_reads.communities(store(), run_id)
        ids = [k["person_id"] for c in rows for k in (c.get("top_kols") or [])[:3]]
        names = {r["person_id"]: r["display_name"]
                 for r in web_reads.persons_by_ids(store(), ids)} if ids else {}
        for c in rows:
            c["top_kols"] = [{**k, "display_name": names.get(k["person_id"])}
                             for k in (c.get("top_kols") or [])[:3]]
        return rows

    return _cached(("communities", run_id), compute)


def listed_communities(run_id: str) -> list[dict[str, Any]]:
    """The communities of ``run_id`` shown as communities: the unassigned bucket left out,
    each with the name an admin gave it now (names are not cached: a rename shows at once)."""
    names = web_reads.community_names(store(), run_id)
    return [{**c, "name": names.get(int(c["community_id"]), "")}
            for c in _communities(run_id) if c["community_id"] != UNASSIGNED_ID]


def community_names() -> dict[int, str]:
    """``community_id -> name`` of the current run's communities an admin has named (not
    cached; empty before any analyze run)."""
    run_id = analyze_run_id(required=False)
    return web_reads.community_names(store(), run_id) if run_id else {}


def unassigned_count(run_id: str) -> int:
    """How many persons of ``run_id`` are in no community (their group was too small)."""
    return sum(int(c["size"] or 0) for c in _communities(run_id)
               if c["community_id"] == UNASSIGNED_ID)


def communities(sort: str, page: int, page_size: int) -> dict[str, Any]:
    """One page of the communities of the current run, sorted by ``sort`` (descending but
    ``community_id``); ``total`` counts communities, ``unassigned`` the persons in none."""
    run_id = analyze_run_id()
    assert run_id is not None
    rows = sorted(listed_communities(run_id), key=lambda c: c.get(sort) or 0,
                  reverse=sort != "community_id")
    start = (page - 1) * page_size
    items = [_community_summary(c) for c in rows[start:start + page_size]]
    return {"run_id": run_id, "sort": sort, "page": page, "total": len(rows),
            "unassigned": unassigned_count(run_id),
            "unassigned_url": url_for("pages.community", community_id=UNASSIGNED_ID),
            "has_next": start + page_size < len(rows), "items": items}


def _community_summary(c: dict[str, Any]) -> dict[str, Any]:
    """What a page shows of a community: ``title`` is the admin's ``name``, else the
    ``label`` (top topics and top KOL); ``unassigned`` marks the bucket of persons in no
    community."""
    topics = c.get("topics") or {}
    top_topics = sorted(topics, key=lambda t: -topics[t])[:3] if isinstance(topics, dict) \
        else list(topics)[:3]
    unassigned = c["community_id"] == UNASSIGNED_ID
    name = c.get("name") or ""
    return {"community_id": c["community_id"], "size": c["size"], "label": c["label"],
            "name": name, "title": "" if unassigned else (name or c["label"] or ""),
            "unassigned": unassigned, "lineage": c.get("lineage") or [],
            "top_platform": c["top_platform"], "density": c["density"],
            "modularity_share": c["modularity_share"], "top_topics": top_topics,
            "platform_mix": c.get("platform_mix") or {}, "top_kols": c.get("top_kols") or [],
            "url": url_for("pages.community", community_id=c["community_id"])}


def community(community_id: int) -> tuple[str, dict[str, Any]]:
    """The current run id and one of its communities; 404 when absent."""
    run_id = analyze_run_id()
    assert run_id is not None
    found = web_reads.community(store(), run_id, community_id)
    if found is None:
        abort(404, description=f"community {community_id}: not in the current analyze run")
    return run_id, found


def rename_community(community_id: int, name: str) -> str:
    """Name a community of the current run (``kolgraph.usecases.analyze.rename_community``);
    the name stored."""
    return analyze_usecase.rename_community(store(), community_id, name)


def _member_ids(run_id: str, community_id: int) -> list[str]:
    return _cached(("members", run_id, int(community_id)),
                   lambda: web_reads.community_member_ids(store(), run_id, community_id))


def community_page(community_id: int, page: int, page_size: int) -> dict[str, Any]:
    """A community, one page of its members (by rank in the community) and its top KOLs;
    pages are cut from the member list cached per run and read by id."""
    run_id, c = community(community_id)
    ids = _member_ids(run_id, community_id)
    start = (page - 1) * page_size
    rows = web_reads.persons_by_ids(store(), ids[start:start + page_size])
    kols = rows[:10] if page == 1 else web_reads.persons_by_ids(store(), ids[:10])
    return {"run_id": run_id, "community": _community_summary(c), "page": page,
            "has_next": start + page_size < len(ids), "members": rows, "kols": kols,
            "links": c.get("links") or []}


def _network(persons: list[dict[str, Any]]) -> dict[str, Any]:
    ids = [p["person_id"] for p in persons]
    nodes = [{"id": p["person_id"], "label": p.get("display_name") or p["person_id"],
              "community_id": p.get("community_id"), "kol_score": p.get("kol_score"),
              "url": person_url(p["person_id"])} for p in persons]
    edges = [{"source": e["source"], "target": e["target"], "weight": int(e["weight"])}
             for e in web_reads.ties_among(store(), ids)] if ids else []
    return {"nodes": nodes, "edges": edges}


def community_network(community_id: int) -> dict[str, Any]:
    """The core of a community: its top ``NETWORK_CORE`` members by rank and their ties."""
    run_id, _c = community(community_id)
    members = web_reads.community_members(store(), run_id, community_id, limit=NETWORK_CORE)
    return _network(members)


def community_network_json(community_id: int) -> bytes:
    """``community_network`` encoded as JSON, cached per (analyze run, ingest run): the
    busiest JSON of the UI is then one dictionary look-up."""
    run_id = analyze_run_id()
    key = ("community_network", run_id, _ingest_key(), int(community_id))
    return _cached(key, lambda: json.dumps(community_network(community_id),
                                           ensure_ascii=False).encode("utf-8"))


# ---------------------------------------------------------------------- leaderboard
def filter_choices() -> dict[str, Any]:
    """The values the leaderboard filters offer."""
    run_id = analyze_run_id(required=False)
    ingest_id = _ingest_key()
    return {"communities": [c["community_id"] for c in _communities(run_id)] if run_id else [],
            "platforms": _cached(("platforms", ingest_id),
                                 lambda: web_reads.platforms(store())),
            "topics": _cached(("topics", ingest_id), lambda: web_reads.topics(store())),
            "sorts": list(web_reads.SORT_COLUMNS)}


def _weights(run_id: str) -> dict[str, float]:
    """The ``[kol_score]`` weights the analyze run used: its ``--weights`` file when it still
    exists, else the defaults."""
    from pathlib import Path

    from graph.analytics.weights import WeightsError, load_weights
    from graph.store.runs import get_run

    def compute() -> dict[str, float]:
        recorded = (get_run(store(), run_id) or {}).get("params")
        params: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
        path = params.get("weights_file")
        try:
            return dict(load_weights(Path(path) if path else None).kol_score)
        except (OSError, WeightsError):
            return dict(load_weights(None).kol_score)

    return _cached(("weights", run_id), compute)


def explain_score(row: dict[str, Any], stats: dict[str, dict[str, float]],
                  weights: dict[str, float]) -> list[dict[str, Any]]:
    """Why a person ranks where it does: each component's value, its 0..1 scale
    (``log(1 + x/m) / log(1 + max/m)``, m the median of the positive values) and its share of
    ``kol_score`` (weight x scaled / sum of weights), largest contribution first.

    >>> explain_score({"reach": 3.0}, {"reach": {"median": 1.0, "max": 3.0}}, {"reach": 1.0})
    [{'component': 'reach', 'value': 3.0, 'scaled': 1.0, 'weight': 1.0, 'contribution': 1.0}]
    """
    total = sum(weights.values()) or 1.0
    out = []
    for name, weight in weights.items():
        value = float(row.get(name) or 0.0)
        s = stats.get(name, {})
        m, top = s.get("median", 0.0), s.get("max", 0.0)
        scaled = (math.log1p(max(value, 0.0) / m) / math.log1p(top / m)
                  if m > 0 and top > 0 else 0.0)
        out.append({"component": name, "value": value, "scaled": round(scaled, 4),
                    "weight": weight, "contribution": round(weight * scaled / total, 4)})
    return sorted(out, key=lambda c: -c["contribution"])


def _ordering(run_id: str, sort: str, platform: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Person ids (UTF-8 bytes, fixed width: about 17 bytes a person) and community ids
    (int32) of the whole leaderboard of ``run_id`` for ``sort`` and ``platform``, computed
    once per run (a full pass) and kept in the app's ``orderings`` cache."""
    def compute() -> tuple[np.ndarray, np.ndarray]:
        rows = web_reads.ranked_ids(store(), run_id, sort, platform)
        ids = np.array([r["person_id"].encode("utf-8") for r in rows], dtype=np.bytes_)
        communities = np.array([-1 if r["community_id"] is None else int(r["community_id"])
                                for r in rows], dtype=np.int32)
        return ids, communities

    return get_context().orderings.get(("ordering", run_id, _ingest_key(), sort, platform),
                                   compute)


def leaderboard_rows(run_id: str, *, community: int | None, platform: str | None,
                     topic: str | None, sort: str, skip: int, limit: int,
                     person_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """``limit`` leaderboard rows from ``skip``. Without a topic or a list of persons, the
    page is cut from the cached ordering (``_ordering``) and read by person id, so no request
    sorts the whole graph; otherwise one filtered query (small sets)."""
    if topic is None and person_ids is None:
        ids, communities = _ordering(run_id, sort, platform)
        if community is not None:
            ids = ids[communities == community]
        page = [i.decode("utf-8") for i in ids[skip:skip + limit].tolist()]
        return web_reads.persons_by_ids(store(), page)
    return web_reads.leaderboard(store(), run_id, community=community, platform=platform,
                                 topic=topic, sort=sort, skip=skip, limit=limit,
                                 person_ids=person_ids)


def leaderboard(filters: LeaderboardFilters, *, page: int, page_size: int,
                person_ids: list[str] | None = None) -> dict[str, Any]:
    """One page of the leaderboard with, per person, ``why`` (``explain_score``)."""
    run_id = analyze_run_id()
    assert run_id is not None
    rows = leaderboard_rows(run_id, community=filters.community, platform=filters.platform,
                            topic=filters.topic, sort=filters.sort,
                            skip=(page - 1) * page_size, limit=page_size + 1,
                            person_ids=person_ids)
    stats = _cached(("component_stats", run_id),
                    lambda: web_reads.component_stats(store(), run_id))
    weights = _weights(run_id)
    items = []
    for row in rows[:page_size]:
        why = explain_score(row, stats, weights)
        items.append({**row, "why": why, "main_reason": why[0]["component"] if why else None,
                      "url": person_url(row["person_id"])})
    return {"run_id": run_id, "page": page, "has_next": len(rows) > page_size,
            "filters": {"community": filters.community, "platform": filters.platform,
                        "topic": filters.topic, "sort": filters.sort}, "items": items}


def warm() -> None:
    """Fill the caches the busiest pages need (the overview's aggregations, component
    statistics, the default leaderboard ordering); run in the background when the server
    starts."""
    _overview_aggregates(_ingest_key())
    run_id = analyze_run_id(required=False)
    if run_id is None:
        return
    _cached(("component_stats", run_id), lambda: web_reads.component_stats(store(), run_id))
    _ordering(run_id, "kol_score", None)


def overlap(person_ids: list[str]) -> list[dict[str, Any]]:
    """Audience overlap (Jaccard of de-duplicated followers) between the given persons."""
    if len(person_ids) < 2:
        return []
    pairs = pd.DataFrame(web_reads.audience_pairs(store(), person_ids),
                         columns=["person", "member"])
    table = audience_overlap(pairs, person_ids)
    return [{"a": a, "b": b, "shared": int(shared), "union": int(union),
             "jaccard": round(float(jaccard), 4)}
            for a, b, shared, union, jaccard in zip(
                table["a"], table["b"], table["shared"].astype(int),
                table["union"].astype(int), table["jaccard"].astype(float), strict=True)]


# --------------------------------------------------------------------------- persons
def person(person_id: str) -> dict[str, Any]:
    """A person with accounts, metrics and, when there are results, community, top
    recommendations (people and content, with reasons) and look-alikes; 404 when unknown."""
    found = web_reads.person(store(), person_id)
    if found is None:
        abort(404, description=f"person {person_id!r}: not found")
    out: dict[str, Any] = {"person": found, "community": None, "recommendations":
                           {"people": [], "content": []}, "similar": []}
    run_id = analyze_run_id(required=False)
    if run_id and found.get("community_id") is not None and found.get("analyze_run_id") == run_id:
        c = web_reads.community(store(), run_id, int(found["community_id"]))
        out["community"] = _community_summary(c) if c else None
    refresh_id = current_run_id("refresh")
    refresh_run = current_run("refresh")
    labels = ((refresh_run or {}).get("metrics") or {}).get("recommender") or {}
    out["recommender"] = "; ".join(f"{kind}: {label}" for kind, label in labels.items())
    if refresh_id is not None:
        for kind in ("people", "content"):
            recs = gnn_io.recommendations_for(store(), refresh_id, person_id, kind,
                                              RECOMMENDATIONS)
            for r in recs:
                r["url"] = person_url(r["target_id"]) if kind == "people" else None
            out["recommendations"][kind] = recs
        out["similar"] = lookalike_kols(person_id, run_id)
    out["neighbours"] = [{**n, "url": person_url(n["person_id"])}
                         for n in web_reads.neighbours(store(), person_id, NEIGHBOURS)]
    return out


def lookalike_kols(person_id: str, run_id: str | None) -> list[dict[str, Any]]:
    """The persons nearest to ``person_id`` by embedding (vector index) that are KOLs —
    ``kol_score`` in the top ``KOL_SHARE`` of the current analyze run — at most
    ``RECOMMENDATIONS``, most similar first."""
    try:
        similar = gnn_io.similar_persons(store(), person_id, LOOKALIKE_POOL)
    except LookupError:
        return []
    if run_id is not None:
        floor = _cached(("kol_floor", run_id), lambda: web_reads.score_quantile(
            store(), run_id, 1.0 - KOL_SHARE))
        similar = [s for s in similar if (s.get("kol_score") or 0.0) >= floor]
    return [{**s, "url": person_url(s["person_id"])} for s in similar[:RECOMMENDATIONS]]


def person_network(person_id: str) -> dict[str, Any]:
    """The person, its ``NEIGHBOURS`` strongest neighbours and the ties among them."""
    found = web_reads.person(store(), person_id)
    if found is None:
        abort(404, description=f"person {person_id!r}: not found")
    around = web_reads.neighbours(store(), person_id, NEIGHBOURS)
    return _network([found, *around])


def search(text: str, page: int, page_size: int) -> dict[str, Any]:
    """One page of the persons found by ``text`` (``web_reads.search``: best match first),
    with the total and the page count; each person with ``initial`` (first character of
    its name, for the avatar), ``colour`` (0..7, from its id: same-named persons differ),
    its main account's platform and handle, its community's label and its ``url``."""
    total = web_reads.search_count(store(), text)
    rows = web_reads.search(store(), text, skip=(page - 1) * page_size, limit=page_size)
    run_id = analyze_run_id(required=False)
    labels = {c["community_id"]: c.get("label") for c in _communities(run_id)} \
        if run_id is not None else {}
    items = [{**r, "initial": (r.get("display_name") or r["person_id"])[:1].upper(),
              "colour": zlib.crc32(r["person_id"].encode()) % 8,
              "community_label": labels.get(r.get("community_id")),
              "url": person_url(r["person_id"])} for r in rows]
    return {"q": text, "page": page, "page_size": page_size, "total": total,
            "pages": max(1, math.ceil(total / page_size)),
            "has_next": page * page_size < total, "items": items}


def seeds(k: int, community: int | None, platform: str | None) -> dict[str, Any]:
    """The campaign plan of the seeds use-case (RIS seeds next to the top-k by PageRank and
    by followers, with their expected reach), cached per (ingest run, analyze run, k,
    community, platform): it reads the whole projection. A bad parameter raises
    ``InvalidInput`` (a 400 naming it), remembered like a plan."""
    key = ("seeds", _ingest_key(), analyze_run_id(required=False), k, community, platform)

    def compute() -> dict[str, Any]:
        try:
            return plan_seeds(store(), k, community=community, platform=platform)
        except InvalidInput as exc:
            return {"error": exc}

    plan = _cached(key, compute)
    if "error" in plan:
        raise InvalidInput(plan["error"].param, plan["error"].message)
    return {**plan, "community": community, "platform": platform,
            "urls": {p: person_url(p) for p in plan["names"]}}
