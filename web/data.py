"""What the pages and the JSON API show, as plain dictionaries: both render the same data
(the pages through templates, the API as JSON). Reads go through ``graph.store``; values that
change only with a new run are cached per run id (``web.cache.RunCache``)."""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import quote

import numpy as np
import pandas as pd
from flask import abort, current_app, g, has_request_context, url_for
from flask_babel import get_timezone

from graph.analytics.community_ids import UNASSIGNED_ID
from graph.analytics.overlap import audience_overlap
from graph.errors import NotReady
from graph.search_index import SearchIndex, SearchRow
from graph.store import GraphStore, campaign_io, gnn_io, overview_reads, person_reads, web_reads
from graph.store.runs import list_runs
from kolgraph.usecases import analyze as analyze_usecase
from kolgraph.usecases import campaigns as campaigns_usecase
from kolgraph.usecases.seeds import plan_seeds
from web.activity import monthly
from web.community_titles import community_label, community_title
from web.context import (
    CURRENT_KINDS,
    current_run,
    current_run_id,
    get_context,
    get_store,
    names_version,
)
from web.display import topic_name
from web.errors import describe
from web.i18n import locale_key, recommenders_text, seed_stage
from web.lookalikes import KolVectors
from web.network_view import localised
from web.person_rows import PersonRows
from web.reasons import parse_evidence, reason_text
from web.seed_jobs import JobStatus, SeedJob
from web.translate import gettext, lazy_gettext
from web.translate import gettext as _
from web.why import Percentiles, reasons

NETWORK_CORE = 150
NEIGHBOURS = 40
RECOMMENDATIONS = 10
KOL_SHARE = 0.1        # a KOL: kol_score in the top 10% of the run
#: Without ``KOLGRAPH_LOOKALIKE_MIN_AUDIENCE``, look-alike KOLs need this share of the
#: person's own audience (``followers_total`` or ``reach``, the larger) ...
LOOKALIKE_AUDIENCE_SHARE = 0.1
#: ... and at least this audience.
LOOKALIKE_MIN_FLOOR = 100
#: Seconds a request waits for a seed plan before answering with its progress (the app's
#: ``SEEDS_WAIT_S`` when set): a plan of a small graph comes at once, a large one in the
#: background.
SEEDS_WAIT_S = 1.0
SEEDS_BUSY = lazy_gettext("too many seed plans are being computed; try again in a minute")
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


def last_runs() -> dict[str, dict[str, Any] | None]:
    """The newest ``analyze`` and ``refresh`` run, any status (``None`` when there is none)."""
    return {kind: next(iter(list_runs(store(), kind, limit=1)), None)
            for kind in ("analyze", "refresh")}


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
    return {"persons": web_reads.person_count(store()),
            "accounts_per_platform": per_platform,
            "accounts": sum(int(r["accounts"]) for r in per_platform),
            "persons_per_platform": persons_per_platform,
            "growth": growth,
            "communities": len(listed),
            "unassigned": unassigned_count(run_id) if run_id else 0,
            "top_communities": top_communities,
            "last": last_runs(),
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
    each with the name an admin gave it (``names_of``)."""
    names = names_of(run_id)
    return [{**c, "name": names.get(int(c["community_id"]), "")}
            for c in _communities(run_id) if c["community_id"] != UNASSIGNED_ID]


def community_names() -> dict[int, str]:
    """``community_id -> name`` of the current run's communities an admin has named (empty
    before any analyze run)."""
    run_id = analyze_run_id(required=False)
    return names_of(run_id) if run_id else {}


def names_of(run_id: str) -> dict[int, str]:
    """``community_id -> name`` of the communities of ``run_id`` an admin has named, cached
    per run and ``names_version`` (a rename shows at once in every worker: the version is
    read with the current runs on every request)."""
    return _cached(("community_names", run_id, names_version()),
                   lambda: web_reads.community_names(store(), run_id))


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
    kols = identify([{**k, "community_id": c["community_id"]} for c in items
                     for k in c["top_kols"]], community_titles(run_id))
    by_id = {k["person_id"]: k for k in kols}
    for c in items:
        c["top_kols"] = [by_id.get(k["person_id"], k) for k in c["top_kols"]]
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
    return {"community_id": c["community_id"], "size": c["size"],
            "label": community_label(c, topic_name),
            "name": name, "title": community_title(c, topic_name),
            "unassigned": unassigned, "lineage": c.get("lineage") or [],
            "top_platform": c["top_platform"], "density": c["density"],
            "modularity_share": c["modularity_share"], "top_topics": top_topics,
            "platform_mix": c.get("platform_mix") or {}, "top_kols": c.get("top_kols") or [],
            "url": url_for("pages.community", community_id=c["community_id"])}


def community_label_of(c: dict[str, Any]) -> str:
    """The label of community ``c`` (a stored community row) in the request's language."""
    return community_label(c, topic_name)


def community(community_id: int) -> tuple[str, dict[str, Any]]:
    """The current run id and one of its communities (cached per run and names version: do
    not change it); 404 when absent."""
    run_id = analyze_run_id()
    assert run_id is not None
    found = _cached(("community", run_id, names_version(), int(community_id)),
                    lambda: web_reads.community(store(), run_id, community_id))
    if found is None:
        abort(404, description=f"community {community_id}: not in the current analyze run")
    return run_id, _with_kol_names(run_id, found)


def _with_kol_names(run_id: str, c: dict[str, Any]) -> dict[str, Any]:
    """``c`` with its top KOLs named as in the cached community list (the stored
    ``top_kols`` hold ids and scores only)."""
    for cached in _communities(run_id):
        if cached["community_id"] == c["community_id"]:
            return {**c, "top_kols": cached.get("top_kols") or []}
    return c


def community_titles(run_id: str | None, only: Collection[int] | None = None
                     ) -> dict[int, str]:
    """``community_id -> title`` (``community_title``: the admin's name, else the label in
    the request's language) of every community of ``run_id``, or of those in ``only``;
    empty without a run. Cached per run, names version and language: do not change it."""
    if run_id is None:
        return {}

    def compute() -> dict[int, str]:
        names = names_of(run_id)
        unassigned = str(_("unassigned"))
        return {int(c["community_id"]): community_title(
            {**c, "name": names.get(int(c["community_id"]), "")}, topic_name,
            unassigned=unassigned) for c in _communities(run_id)}

    titles = _cached(("community_titles", run_id, names_version(), locale_key()), compute)
    if only is None:
        return titles
    return {cid: titles[cid] for cid in only if cid in titles}


def rename_community(community_id: int, name: str) -> str:
    """Name a community of the current run (``kolgraph.usecases.analyze.rename_community``);
    the name stored."""
    return analyze_usecase.rename_community(store(), community_id, name)


def _member_ids(run_id: str, community_id: int) -> list[str]:
    """The members of a community by rank: from the whole run's lists when ``warm`` has read
    them, else read for this community (cached per run)."""
    found, every = get_context().cache.peek(("all_members", run_id))
    if found:
        return every.get(int(community_id), [])
    return _cached(("members", run_id, int(community_id)),
                   lambda: web_reads.community_member_ids(store(), run_id, community_id))


def conversions(person_ids: list[str]) -> dict[str, int]:
    """``web_reads.conversions`` of ``person_ids``: looked up in every person's conversions
    when ``warm`` has read them for the current ingest run, else read for these persons."""
    found, every = get_context().cache.peek(("all_conversions", _ingest_key()))
    if found:
        return {pid: every[pid] for pid in person_ids if pid in every}
    return web_reads.conversions(store(), person_ids) if person_ids else {}


def community_page(community_id: int, page: int, page_size: int) -> dict[str, Any]:
    """A community, one page of its members (by rank in the community) and its top KOLs;
    pages are cut from the member list cached per run and read by id."""
    run_id, c = community(community_id)
    ids = _member_ids(run_id, community_id)
    start = (page - 1) * page_size
    titles = community_titles(run_id, {int(community_id)})
    rows = identify(_persons(ids[start:start + page_size]), titles, with_accounts=True)
    kols = rows[:10] if page == 1 else _cached(
        ("community_kols", run_id, _ingest_key(), names_version(), locale_key(),
         int(community_id)),
        lambda: identify(_persons(ids[:10]), titles, with_accounts=True))
    return {"run_id": run_id, "community": _community_summary(c), "page": page,
            "has_next": start + page_size < len(ids), "members": rows, "kols": kols,
            "links": c.get("links") or []}


def kol_floor(run_id: str) -> float:
    """The lowest ``kol_score`` of a KOL of ``run_id`` (the ``1 - KOL_SHARE`` quantile),
    cached per run."""
    return _cached(("kol_floor", run_id), lambda: web_reads.score_quantile(
        store(), run_id, 1.0 - KOL_SHARE))


def _community_titles(run_id: str | None, ids: set[int]) -> list[dict[str, Any]]:
    """``id, title, unassigned`` of the communities ``ids`` of ``run_id`` (title:
    ``community_titles``, the admin's name or the label in the request's language; empty
    for the unassigned bucket), by id."""
    if run_id is None or not ids:
        return []
    titles = community_titles(run_id, ids)
    return [{"id": cid, "title": "" if cid == UNASSIGNED_ID else titles.get(cid, ""),
             "unassigned": cid == UNASSIGNED_ID} for cid in sorted(ids)]


def _network(person_ids: list[str], focus: str | None = None) -> dict[str, Any]:
    """The network view of the given persons (unknown ids left out) and the ties among them:
    ``nodes`` (``id, label, community_id, kol_score, url``; ``kol``: a KOL of the current
    analyze run (``kol_floor``); ``focus``: the person the view is about; ``followers``
    total and ``accounts``, most followers first), ``edges`` (``source, target, weight``)
    and ``communities`` (``_community_titles`` of those shown). Three reads whatever the
    number of persons: the persons with their accounts, the ties, the community names."""
    ids = list(dict.fromkeys(person_ids))
    run_id = analyze_run_id(required=False)
    floor = kol_floor(run_id) if run_id is not None else None
    cards = {r["person_id"]: r for r in web_reads.network_cards(store(), ids)} if ids else {}
    nodes = []
    for pid in ids:
        card = cards.get(pid)
        if card is None:
            continue
        score = card.get("kol_score")
        nodes.append({
            "id": pid, "label": card.get("display_name") or pid,
            "community_id": card.get("community_id"), "kol_score": score,
            "url": person_url(pid),
            "kol": bool(floor is not None and card.get("analyze_run_id") == run_id
                        and score is not None and score > 0 and score >= floor),
            "focus": pid == focus, "followers": card.get("followers_total"),
            "accounts": card["accounts"]})
    shown = [n["id"] for n in nodes]
    edges = [{"source": e["source"], "target": e["target"], "weight": int(e["weight"])}
             for e in web_reads.ties_among(store(), shown)] if shown else []
    communities = {int(n["community_id"]) for n in nodes if n["community_id"] is not None}
    return {"nodes": nodes, "edges": edges,
            "communities": _community_titles(run_id, communities)}


def community_network(community_id: int) -> dict[str, Any]:
    """The core of a community: its top ``NETWORK_CORE`` members by rank and their ties
    (``_network``)."""
    run_id, _c = community(community_id)
    ids = _member_ids(run_id, community_id)[:NETWORK_CORE]
    return _network(ids)


def community_network_json(community_id: int) -> bytes:
    """``community_network`` in the request's language (``web.network_view.localised``)
    encoded as JSON, cached per (analyze run, ingest run, language, community names): the
    busiest JSON of the UI is then one dictionary look-up."""
    run_id = analyze_run_id()
    assert run_id is not None
    key = ("community_network", run_id, _ingest_key(), locale_key(), names_version(),
           int(community_id))
    return _cached(key, lambda: json.dumps(localised(community_network(community_id)),
                                           ensure_ascii=False).encode("utf-8"))


# ---------------------------------------------------------------------- leaderboard
def filter_choices() -> dict[str, Any]:
    """The values the leaderboard filters offer: ``communities`` are the listed communities
    (the unassigned bucket, community 0, is not one of them), ``community_titles`` their
    titles (admin name, else label) by id. Cached per run, names version and language: do
    not change it."""
    run_id = analyze_run_id(required=False)
    ingest_id = _ingest_key()

    def compute() -> dict[str, Any]:
        listed = [int(c["community_id"]) for c in listed_communities(run_id)] if run_id else []
        titles = community_titles(run_id)
        return {"communities": listed,
                "community_titles": {cid: titles.get(cid, "") for cid in listed},
                "community_labels": [f"#{cid} {titles.get(cid, '')}".strip() for cid in listed],
                "platforms": _platforms(ingest_id),
                "topics": web_reads.topics(store()),
                "sorts": list(web_reads.SORT_COLUMNS)}

    return _cached(("filter_choices", run_id, ingest_id, names_version(), locale_key()),
                   compute)


def _platforms(ingest_id: str | None) -> list[str]:
    """The platforms of the ingested data, cached per ingest run."""
    return _cached(("platforms", ingest_id), lambda: web_reads.platforms(store()))


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
    sorts the whole graph; otherwise one filtered query (small sets). Each row holds its
    ``accounts`` (as ``web_reads.accounts_of`` gives them)."""
    if topic is None and person_ids is None:
        ids, communities = _ordering(run_id, sort, platform)
        if community is not None:
            ids = ids[communities == community]
        return _persons([i.decode("utf-8") for i in ids[skip:skip + limit].tolist()])
    rows = web_reads.leaderboard(store(), run_id, community=community, platform=platform,
                                 topic=topic, sort=sort, skip=skip, limit=limit,
                                 person_ids=person_ids)
    accounts = web_reads.accounts_of(store(), [r["person_id"] for r in rows])
    return [{**r, "accounts": accounts.get(r["person_id"], [])} for r in rows]


#: ``warm`` keeps every person's row in memory (``web.person_rows``, about 0.3 kB a person)
#: when the run has at most this many persons; above it, pages read theirs from the database.
PERSON_ROWS_MAX = 300_000


def _persons(person_ids: list[str]) -> list[dict[str, Any]]:
    """``web_reads.persons_by_ids(..., with_accounts=True)`` of ``person_ids``: cut from the
    rows ``warm`` packed for the current runs when it did (persons it does not hold, e.g. of
    no run, read from the database), else read."""
    found, packed = get_context().person_rows.peek(
        (analyze_run_id(required=False), _ingest_key()))
    if not found:
        return web_reads.persons_by_ids(store(), person_ids, with_accounts=True)
    rows = packed.rows(person_ids)
    if len(rows) == len(set(person_ids)):
        return rows
    held = {r["person_id"] for r in rows}
    by_id = {r["person_id"]: r for r in rows} | {
        r["person_id"]: r for r in web_reads.persons_by_ids(
            store(), [p for p in person_ids if p not in held], with_accounts=True)}
    return [by_id[p] for p in dict.fromkeys(person_ids) if p in by_id]


def person_badges(person_ids: list[str]) -> dict[str, dict[str, Any]]:
    """person id -> the leaderboard columns of that person with the badge fields of
    ``identify`` (unknown ids are left out)."""
    return {r["person_id"]: r for r in identify(_persons(person_ids), with_accounts=True)}


def identify(rows: list[dict[str, Any]], titles: dict[int, str] | None = None, *,
             with_accounts: bool = False) -> list[dict[str, Any]]:
    """``rows`` (persons with ``person_id``, ``display_name``, ``community_id``) with what
    tells namesakes apart: ``initial`` and ``colour`` (0..7, from the id) of the avatar,
    ``accounts`` (``web_reads.accounts_of``: each account's platform, handle, name and
    followers, most followers first), ``main_platform`` and ``main_handle`` (of the first),
    ``community_title`` (``community_titles``) and ``url``. One read for all the rows, none
    ``with_accounts`` (rows of ``persons_by_ids(..., with_accounts=True)``)."""
    if not rows:
        return []
    accounts = ({r["person_id"]: r["accounts"] for r in rows} if with_accounts
                else web_reads.accounts_of(store(), [r["person_id"] for r in rows]))
    if titles is None:
        titles = community_titles(analyze_run_id(required=False),
                                  {int(r["community_id"]) for r in rows
                                   if r.get("community_id") is not None})
    out = []
    for r in rows:
        own = accounts.get(r["person_id"], [])
        community_id = r.get("community_id")
        out.append({**r, "initial": (r.get("display_name") or r["person_id"])[:1].upper(),
                    "colour": zlib.crc32(str(r["person_id"]).encode()) % 8,
                    "accounts": own,
                    "main_platform": own[0]["platform"] if own else None,
                    "main_handle": own[0]["account_id"] if own else None,
                    "community_title": titles.get(int(community_id))
                    if community_id is not None else None,
                    "url": person_url(r["person_id"])})
    return out


def _percentiles(run_id: str) -> Percentiles:
    return _cached(("component_percentiles", run_id),
                   lambda: Percentiles(web_reads.component_values(store(), run_id)))


def leaderboard_total(run_id: str, filters: LeaderboardFilters) -> int:
    """How many persons the leaderboard lists in all for ``filters`` (from the cached
    ordering, or one count query cached per run when a topic is set)."""
    if filters.topic is None:
        ids, communities = _ordering(run_id, filters.sort, filters.platform)
        return int(ids.size if filters.community is None
                   else np.count_nonzero(communities == filters.community))
    return _cached(("leaderboard_total", run_id, _ingest_key(), filters.community,
                    filters.platform, filters.topic),
                   lambda: web_reads.leaderboard_count(
                       store(), run_id, community=filters.community,
                       platform=filters.platform, topic=filters.topic))


def leaderboard(filters: LeaderboardFilters, *, page: int, page_size: int,
                person_ids: list[str] | None = None) -> dict[str, Any]:
    """One page of the leaderboard: ``total`` persons in all, ``pages``, and ``past_end``
    (``page`` beyond the last while there are persons; ``last_page`` then links back);
    per person its identity (``identify``), ``conversions`` (``conversions``),
    ``why`` (``explain_score``) and ``reasons`` (``web.why.reasons``: ``message``,
    ``params`` and ``text`` in the request's language). The page's extra columns are read
    for its ids only, one query each."""
    run_id = analyze_run_id()
    assert run_id is not None
    rows = leaderboard_rows(run_id, community=filters.community, platform=filters.platform,
                            topic=filters.topic, sort=filters.sort,
                            skip=(page - 1) * page_size, limit=page_size + 1,
                            person_ids=person_ids)
    total = len(rows) if person_ids is not None else leaderboard_total(run_id, filters)
    pages = max(1, math.ceil(total / page_size))
    stats = _cached(("component_stats", run_id),
                    lambda: web_reads.component_stats(store(), run_id))
    weights = _weights(run_id)
    percentiles = _percentiles(run_id)
    shown = identify(rows[:page_size], with_accounts=True)
    converted = conversions([r["person_id"] for r in shown])
    items = []
    for row, shares in zip(shown, percentiles.top_shares(shown), strict=True):
        why = explain_score(row, stats, weights)
        found = reasons(row, percentiles, why, shares=shares,
                        unassigned=row.get("community_id") == UNASSIGNED_ID)
        items.append({**row, "why": why, "main_reason": why[0]["component"] if why else None,
                      "conversions": converted.get(row["person_id"], 0),
                      "reasons": [{"message": r.message, "params": r.params,
                                   "text": str(gettext(r.message, **r.params))}
                                  for r in found]})
    return {"run_id": run_id, "page": page, "page_size": page_size, "total": total,
            "pages": pages, "past_end": page > pages and total > 0, "last_page": pages,
            "has_next": len(rows) > page_size,
            "filters": {"community": filters.community, "platform": filters.platform,
                        "topic": filters.topic, "sort": filters.sort}, "items": items}


def warm() -> None:
    """Fill the caches the busiest pages need (the overview's aggregations, the search
    index, component statistics and percentiles, the leaderboard orderings by score, every
    person's row up to ``PERSON_ROWS_MAX`` persons (``web.person_rows``), the
    KOLs' embeddings of the look-alikes, every community's members and every person's
    conversions); run in the background when the server starts (``web.warmup``)."""
    _overview_aggregates(_ingest_key())
    search_index()
    run_id = analyze_run_id(required=False)
    if run_id is None:
        return
    _cached(("component_stats", run_id), lambda: web_reads.component_stats(store(), run_id))
    _percentiles(run_id)
    ranked, _communities = _ordering(run_id, "kol_score", None)
    if len(ranked) <= PERSON_ROWS_MAX:
        get_context().person_rows.get((run_id, _ingest_key()), lambda: PersonRows(
            web_reads.all_persons_with_accounts(store(), run_id)))
    if current_run_id("refresh") is not None:
        kol_vectors(run_id)
    # what pages can also read piecemeal (they peek): every community's members, every
    # person's conversions, the leaderboard of each platform
    _cached(("all_members", run_id),
            lambda: web_reads.all_community_member_ids(store(), run_id))
    ingest_id = _ingest_key()
    _cached(("all_conversions", ingest_id), lambda: web_reads.conversions(store(), None))
    for platform in _platforms(ingest_id):
        _ordering(run_id, "kol_score", platform)


def overlap(person_ids: list[str]) -> list[dict[str, Any]]:
    """Audience overlap (Jaccard of the de-duplicated audiences of
    ``graph.analytics.planner``) between the given persons."""
    if len(person_ids) < 2:
        return []
    pairs = pd.DataFrame(campaign_io.audience_pairs(store(), person_ids),
                         columns=["person", "member", "platform"])
    table = audience_overlap(pairs, person_ids)
    return [{"a": a, "b": b, "shared": int(shared), "union": int(union),
             "jaccard": round(float(jaccard), 4)}
            for a, b, shared, union, jaccard in zip(
                table["a"], table["b"], table["shared"].astype(int),
                table["union"].astype(int), table["jaccard"].astype(float), strict=True)]


def campaign_members(campaign_id: str) -> dict[str, Any]:
    """``campaign_id``, ``name`` and ``person_ids`` (sorted) of a campaign (``NotFound``
    when there is none)."""
    found = campaigns_usecase.get(store(), campaign_id)
    ids = sorted(str(r["person_id"]) for r in campaign_io.selection(store(), campaign_id))
    return {"campaign_id": campaign_id, "name": found["name"], "person_ids": ids}


# --------------------------------------------------------------------------- persons
def person(person_id: str) -> dict[str, Any]:
    """A person with accounts, metrics and, when there are results, community (titled in the
    request's language), top recommendations (people and content, each with ``reason``
    worded from its evidence in the request's language and ``url``; contents with their
    platform, kind and price) and look-alike KOLs; 404 when unknown."""
    found = web_reads.person(store(), person_id)
    if found is None:
        abort(404, description=f"person {person_id!r}: not found")
    out: dict[str, Any] = {"person": found, "community": None, "recommendations":
                           {"people": [], "content": []}, "similar": []}
    run_id = analyze_run_id(required=False)
    if run_id and found.get("community_id") is not None and found.get("analyze_run_id") == run_id:
        c = web_reads.community(store(), run_id, int(found["community_id"]))
        c = _with_kol_names(run_id, c) if c else None
        out["community"] = _community_summary(c) if c else None
    community = (out["community"] or {}).get("title") or ""
    refresh_id = current_run_id("refresh")
    refresh_run = current_run("refresh")
    labels = ((refresh_run or {}).get("metrics") or {}).get("recommender") or {}
    out["recommender"] = recommenders_text(labels)
    if refresh_id is not None:
        for kind in ("people", "content"):
            recs = gnn_io.recommendations_for(store(), refresh_id, person_id, kind,
                                              RECOMMENDATIONS)
            out["recommendations"][kind] = [_recommendation(kind, r, community) for r in recs]
        out["similar"] = lookalike_kols(person_id, run_id, found)
    out["neighbours"] = [{**n, "url": person_url(n["person_id"])}
                         for n in web_reads.neighbours(store(), person_id, NEIGHBOURS)]
    out["lookalike_min_audience"] = lookalike_min_audience(found)
    return out


def _recommendation(kind: str, r: dict[str, Any], community: str) -> dict[str, Any]:
    """One stored recommendation as shown: ``reason`` in the request's language (the stored
    English one kept as ``stored_reason``), ``evidence`` decoded, ``url`` of the person or
    content page."""
    evidence = parse_evidence(r.get("evidence"))
    url = (person_url(r["target_id"]) if kind == "people"
           else url_for("pages.content", content_key=r["target_id"]))
    return {**r, "evidence": evidence, "stored_reason": r.get("reason"),
            "reason": reason_text(kind, evidence, community, topic_name), "url": url}


def lookalike_min_audience(found: dict[str, Any]) -> int:
    """The audience a look-alike KOL of the person ``found`` needs: the setting
    ``lookalike_min_audience`` when set, else ``LOOKALIKE_AUDIENCE_SHARE`` of the person's
    own audience (``followers_total`` or ``reach``, the larger), at least
    ``LOOKALIKE_MIN_FLOOR``."""
    configured = get_context().settings.lookalike_min_audience
    if configured is not None:
        return int(configured)
    own = max(float(found.get("followers_total") or 0), float(found.get("reach") or 0))
    return max(LOOKALIKE_MIN_FLOOR, int(math.ceil(LOOKALIKE_AUDIENCE_SHARE * own)))


def lookalike_kols(person_id: str, run_id: str | None,
                   found: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The persons nearest to ``person_id`` by embedding that are KOLs — ``kol_score`` in
    the top ``KOL_SHARE`` of the analyze run ``run_id`` and an audience of at least
    ``lookalike_min_audience`` — at most ``RECOMMENDATIONS``, most similar first (exact
    cosine similarity over the KOLs' embeddings, ``web.lookalikes``); empty when the person
    has no embedding."""
    found = found or web_reads.person(store(), person_id) or {}
    kols = kol_vectors(run_id)
    vector = kols.vector(person_id)
    if vector is None:
        stored = gnn_io.person_embedding(store(), person_id)
        if stored is None:
            return []
        vector = np.asarray(stored, dtype=np.float32)
    similar = kols.nearest(vector, RECOMMENDATIONS, min_audience=lookalike_min_audience(found),
                           exclude=person_id)
    return [{**s, "url": person_url(s["person_id"])} for s in similar]


def kol_vectors(run_id: str | None) -> KolVectors:
    """The embeddings of the KOLs of the analyze run ``run_id`` (every embedded person
    without one), read once per refresh, analyze and ingest run and kept in the app's
    ``lookalikes`` cache (the last two only: each holds a matrix)."""
    floor = kol_floor(run_id) if run_id is not None else 0.0
    key = ("kol_vectors", current_run_id("refresh"), run_id, _ingest_key(), floor)
    return get_context().lookalikes.get(key, lambda: KolVectors.read(store(), floor))


def content(content_key: str) -> dict[str, Any]:
    """One content (``person_reads.content``) with its creators' page URLs; 404 when
    unknown."""
    found = person_reads.content(store(), content_key)
    if found is None:
        abort(404, description=f"content {content_key!r}: not found")
    found["creators"] = [{**p, "url": person_url(p["person_id"])} for p in found["creators"]]
    return found


def person_activity(person_id: str) -> list[dict[str, Any]]:
    """A person's engagement and attributed conversions per month in the user's time zone:
    ``month`` (``YYYY-MM``), ``engagement``, ``conversions``, oldest first, the months
    between the first and the last with activity all present; 404 when unknown."""
    if web_reads.person(store(), person_id) is None:
        abort(404, description=f"person {person_id!r}: not found")
    return monthly(person_reads.person_activity(store(), person_id),
                   person_reads.BUCKET_S, get_timezone())


def person_network(person_id: str) -> dict[str, Any]:
    """The person, its ``NEIGHBOURS`` strongest neighbours and the ties among them."""
    found = web_reads.person(store(), person_id)
    if found is None:
        abort(404, description=f"person {person_id!r}: not found")
    around = web_reads.neighbours(store(), person_id, NEIGHBOURS)
    return _network([person_id, *(n["person_id"] for n in around)], focus=person_id)


def search(text: str, page: int, page_size: int) -> dict[str, Any]:
    """One page of the persons found by ``text`` (``search_index``: the semantics and order
    of ``web_reads.search``, best match first), with the total and the page count; each
    person with ``initial`` (first character of its name, for the avatar), ``colour``
    (0..7, from its id: same-named persons differ), its main account's platform and handle,
    its community's label and its ``url``."""
    total, found = search_index().search(text, skip=(page - 1) * page_size, limit=page_size)
    rows = web_reads.search_details(store(), found)
    run_id = analyze_run_id(required=False)
    labels = community_titles(run_id, {int(r["community_id"]) for r in rows
                                       if r.get("community_id") is not None})
    items = [{**r, "initial": (r.get("display_name") or r["person_id"])[:1].upper(),
              "colour": zlib.crc32(r["person_id"].encode()) % 8,
              "community_label": labels.get(int(r["community_id"]))
              if r.get("community_id") is not None else None,
              "url": person_url(r["person_id"])} for r in rows]
    return {"q": text, "page": page, "page_size": page_size, "total": total,
            "pages": max(1, math.ceil(total / page_size)),
            "has_next": page * page_size < total, "items": items}


def search_index() -> SearchIndex:
    """The in-memory search index of all persons, built once per (ingest run, analyze run):
    the keys come with the ingest, the kol scores with the analyze."""
    def compute() -> SearchIndex:
        return SearchIndex(SearchRow(r["person_id"], r["search_key"], r["kol_score"],
                                     r["followers_total"])
                           for rows in web_reads.search_rows(store()) for r in rows)

    return _cached(("search_index", _ingest_key(), analyze_run_id(required=False)), compute)


def seeds_key(k: int, community: int | None, platform: str | None, *, model: str = "ic",
              include: Sequence[str] = (), exclude: Sequence[str] = ()) -> tuple[Any, ...]:
    """The cache and job key of a seed plan: the current ingest and analyze runs (a new run
    makes the plan stale) and every parameter of the plan (``exclude`` in any order)."""
    return ("seeds", _ingest_key(), analyze_run_id(required=False), k, community, platform,
            model, tuple(include), tuple(sorted(exclude)))


def seeds(k: int, community: int | None, platform: str | None, *, model: str = "ic",
          include: Sequence[str] = (), exclude: Sequence[str] = (),
          wait: float = 0.0) -> JobStatus:
    """The campaign plan of the seeds use-case (IMM seeds next to the top-k by PageRank and
    by followers, with their expected reach) for ``k`` seeds within ``community`` and
    ``platform``, under diffusion ``model``, with the ``include`` persons and without the
    ``exclude`` ones. A plan takes seconds to minutes (it reads the whole projection), so it
    is computed in the background (``web.seed_jobs``) and cached per ``seeds_key``: the
    answer is the job's ``JobStatus`` after waiting up to ``wait`` seconds for it: ``done``
    with the plan (plus ``community``, ``platform`` and the chosen persons' ``urls``),
    ``running`` with its stage, or ``error`` with the use-case's error (``InvalidInput``
    naming the parameter, ``NotReady``). ``NotReady`` is raised when too many plans are
    being computed already."""
    key = seeds_key(k, community, platform, model=model, include=include, exclude=exclude)
    context = get_context()
    found, plan = context.cache.peek(key)
    job = SeedJob.finished(key, plan) if found else context.seed_jobs.get(key)
    if job is None or job.retry:
        graph_store, cache = store(), context.cache

        def compute(progress: Callable[[str, float], None]) -> dict[str, Any]:
            return cache.get(key, lambda: plan_seeds(
                graph_store, k, community=community, platform=platform, model=model,
                include=list(include), exclude=list(exclude), progress=progress))

        job = context.seed_jobs.start(key, compute)
        if job is None:
            raise NotReady(str(SEEDS_BUSY))
    job.wait(wait)
    status = job.status()
    if status.result is None:
        return status
    return replace(status, result={
        **status.result, "community": community, "platform": platform,
        "urls": {p: person_url(p) for p in status.result["names"]}})


def seeds_wait() -> float:
    """How long a request waits for a seed plan before it answers with the job's progress:
    the app's ``SEEDS_WAIT_S`` (seconds; ``SEEDS_WAIT_S`` here when unset)."""
    return float(current_app.config.get("SEEDS_WAIT_S", SEEDS_WAIT_S))


def seeds_status(status: JobStatus) -> dict[str, Any]:
    """A seed plan's job as the status endpoint answers it: ``state`` (``running``,
    ``done``, ``error``), ``stage`` (``web.seed_jobs.STAGES``) and ``stage_text`` (in the
    request's language), ``fraction`` of the stage done (0..1) and ``message`` (the stage
    while running, the error in the error pages' words, with ``parameter`` and its HTTP
    ``status``)."""
    body: dict[str, Any] = {"state": status.state, "stage": status.stage,
                            "stage_text": seed_stage(status.stage),
                            "fraction": round(status.fraction, 3), "message": ""}
    if status.state == "running":
        body["message"] = body["stage_text"]
    elif status.error is not None:
        code, message, parameter = describe(status.error)
        body.update(message=message, parameter=parameter, status=code)
    return body
