"""Every database read of the web UI (``web/``): overview counts, communities, the KOL
leaderboard, persons and their neighbourhoods, search.

All reads are parameterized and start from an indexed look-up where one exists
(``Person.person_id``, ``Person.community_id``, ``Person.display_name``, ``Account.account_id``,
``Account.display_name``, ``Community.run_id``, ``Topic.name``); pages use ``SKIP``/``LIMIT``
and ask for one row more than they show to know whether a next page exists. Derived values
(communities, scores) are those of the analyze run whose id is passed in (the current one,
``graph.store.runs.current_run``). Valid in FalkorDB and Neo4j 5.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from graph import names
from graph.search_index import MATCH_KINDS
from graph.store.analytics_io import PERSON_VALUES
from graph.store.base import GraphStore, Row

#: Columns the leaderboard may be sorted by (all descending; ties by overall rank).
SORT_COLUMNS: tuple[str, ...] = ("kol_score", "pagerank", "in_strength", "reach",
                                 "engagement_rate", "betweenness", "followers_total")
COMPONENTS: tuple[str, ...] = ("pagerank", "in_strength", "reach", "engagement_rate",
                               "betweenness")
_JSON_COMMUNITY = ("topics", "platform_mix", "top_kols", "links", "lineage")
_PERSON_COLUMNS = ("p.person_id AS person_id, p.display_name AS display_name, "
                   "p.platforms AS platforms, p.followers_total AS followers_total, "
                   + ", ".join(f"p.{name} AS {name}" for name in PERSON_VALUES))
_COMMUNITY_COLUMNS = ("c.community_id AS community_id, c.size AS size, c.label AS label, "
                      "c.top_platform AS top_platform, c.density AS density, "
                      "c.modularity_share AS modularity_share, c.topics AS topics, "
                      "c.platform_mix AS platform_mix, c.top_kols AS top_kols, c.links AS links, "
                      "c.name AS name, c.lineage AS lineage")


def _decode_community(row: Row) -> Row:
    out = dict(row)
    for key in _JSON_COMMUNITY:
        value = out.get(key)
        if isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError:
                out[key] = None
    return out


# -------------------------------------------------------------------------- runs
def current_run_ids(store: GraphStore,
                    kinds: Sequence[str] = ("ingest", "analyze", "refresh")) -> dict[str, str]:
    """``kind -> run_id`` of the latest complete run of each kind (as
    ``graph.store.runs.current_run`` chooses it), in one round trip; kinds without a complete
    run are absent."""
    return {kind: run_id for kind, (run_id, _names) in current_runs(store, kinds).items()}


def current_runs(store: GraphStore, kinds: Sequence[str] = ("ingest", "analyze", "refresh")
                 ) -> dict[str, tuple[str, int]]:
    """``kind -> (run_id, names_version)`` of the latest complete run of each kind, in one
    round trip: ``names_version`` counts the renames of the run's communities
    (``analytics_io.rename_community``; 0 for none and for other kinds), so that what is
    cached per run can also depend on the names. Kinds without a complete run are absent."""
    rows = store.read(
        "UNWIND $kinds AS kind MATCH (r:Run {kind: kind, status: 'complete'}) "
        "WITH kind, r ORDER BY r.finished_at DESC, r.run_id DESC "
        "WITH kind, collect([r.run_id, coalesce(r.names_version, 0)])[0] AS newest "
        "RETURN kind, newest[0] AS run_id, newest[1] AS names_version",
        {"kinds": list(kinds)}).rows
    return {r["kind"]: (str(r["run_id"]), int(r["names_version"])) for r in rows}


# ---------------------------------------------------------------------- overview
def person_count(store: GraphStore) -> int:
    """Number of ``Person`` nodes."""
    return int(store.scalar("MATCH (p:Person) RETURN count(p) AS n") or 0)


def accounts_per_platform(store: GraphStore) -> list[Row]:
    """``platform, accounts`` for every platform, most accounts first (scans the accounts:
    callers cache it per ingest run)."""
    return store.read("MATCH (a:Account) RETURN a.platform AS platform, count(a) AS accounts "
                      "ORDER BY accounts DESC, platform").rows


def platforms(store: GraphStore) -> list[str]:
    """Names of the ``Platform`` nodes, sorted."""
    return [r["name"] for r in store.read("MATCH (f:Platform) RETURN f.name AS name "
                                          "ORDER BY name").rows]


def topics(store: GraphStore) -> list[str]:
    """Names of the ``Topic`` nodes, sorted."""
    return [r["name"] for r in store.read("MATCH (t:Topic) RETURN t.name AS name "
                                          "ORDER BY name").rows]


# -------------------------------------------------------------------- communities
def communities(store: GraphStore, run_id: str) -> list[Row]:
    """Every ``Community`` of ``run_id`` (JSON properties decoded), by number."""
    rows = store.read(f"MATCH (c:Community) WHERE c.run_id = $run_id RETURN {_COMMUNITY_COLUMNS} "
                      "ORDER BY c.community_id", {"run_id": run_id}).rows
    return [_decode_community(r) for r in rows]


def community_names(store: GraphStore, run_id: str) -> dict[int, str]:
    """``community_id -> name`` of the communities of ``run_id`` an admin has named (callers
    may cache it per run and ``names_version`` of ``current_runs``)."""
    rows = store.read("MATCH (c:Community) WHERE c.run_id = $run_id AND c.name <> '' "
                      "RETURN c.community_id AS community_id, c.name AS name",
                      {"run_id": run_id}).rows
    return {int(r["community_id"]): str(r["name"]) for r in rows}


def community(store: GraphStore, run_id: str, community_id: int) -> Row | None:
    """One community of ``run_id`` (JSON properties decoded), or ``None``."""
    rows = store.read(f"MATCH (c:Community {{community_key: $key}}) RETURN {_COMMUNITY_COLUMNS}",
                      {"key": f"{run_id}:{int(community_id)}"}).rows
    return _decode_community(rows[0]) if rows else None


def community_members(store: GraphStore, run_id: str, community_id: int, *, skip: int = 0,
                      limit: int = 50) -> list[Row]:
    """Members of a community of ``run_id`` by rank in the community (``PERSON_VALUES`` and
    identity columns), ``limit`` rows from ``skip``."""
    return store.read(
        f"MATCH (p:Person) WHERE p.community_id = $c AND p.analyze_run_id = $run_id "
        f"RETURN {_PERSON_COLUMNS} ORDER BY p.community_rank SKIP $skip LIMIT $limit",
        {"c": int(community_id), "run_id": run_id, "skip": int(skip),
         "limit": int(limit)}).rows


def community_member_ids(store: GraphStore, run_id: str, community_id: int) -> list[str]:
    """Person ids of a community of ``run_id`` by rank in the community (what
    ``community_members`` pages through; callers cache it per run)."""
    rows = store.read(
        "MATCH (p:Person) WHERE p.community_id = $c AND p.analyze_run_id = $run_id "
        "RETURN p.person_id AS person_id ORDER BY p.community_rank",
        {"c": int(community_id), "run_id": run_id}).rows
    return [r["person_id"] for r in rows]


def all_community_member_ids(store: GraphStore, run_id: str) -> dict[int, list[str]]:
    """``community_member_ids`` of every community of ``run_id`` in one pass over the
    persons (callers cache it per run)."""
    rows = store.read(
        "MATCH (p:Person) WHERE p.analyze_run_id = $run_id AND p.community_id IS NOT NULL "
        "RETURN p.person_id AS person_id, p.community_id AS community_id "
        "ORDER BY p.community_rank", {"run_id": run_id}).rows
    members: dict[int, list[str]] = {}
    for r in rows:
        members.setdefault(int(r["community_id"]), []).append(r["person_id"])
    return members


# ------------------------------------------------------------------- leaderboard
def leaderboard(store: GraphStore, run_id: str, *, community: int | None = None,
                platform: str | None = None, topic: str | None = None,
                sort: str = "kol_score", skip: int = 0, limit: int = 50,
                person_ids: Sequence[str] | None = None) -> list[Row]:
    """Ranked persons of ``run_id``, optionally only members of ``community``, persons with an
    account on ``platform``, creators of content about ``topic``, or the given
    ``person_ids``; sorted by ``sort`` (one of ``SORT_COLUMNS``) descending."""
    if sort not in SORT_COLUMNS:
        raise ValueError(f"sort: one of {', '.join(SORT_COLUMNS)}, got {sort!r}")
    where = ["p.analyze_run_id = $run_id"]
    if person_ids is not None:
        head = "UNWIND $ids AS id MATCH (p:Person {person_id: id})"
    elif topic is not None:
        head = ("MATCH (:Topic {name: $topic})<-[:ABOUT]-(:Content)<-[:CREATED]-(:Account)"
                "<-[:HAS_ACCOUNT]-(p:Person) WITH DISTINCT p")
    else:
        head = "MATCH (p:Person)"
    if community is not None:
        where.append("p.community_id = $community")
    if platform is not None:
        where.append("(p)-[:HAS_ACCOUNT]->(:Account {platform: $platform})")
    condition = "WHERE " + " AND ".join(where)
    return store.read(
        f"{head} {condition} RETURN {_PERSON_COLUMNS} "
        f"ORDER BY p.{sort} DESC, p.kol_rank SKIP $skip LIMIT $limit",
        {"run_id": run_id, "community": community, "platform": platform, "topic": topic,
         "ids": list(person_ids or []), "skip": int(skip), "limit": int(limit)}).rows


def ranked_ids(store: GraphStore, run_id: str, sort: str = "kol_score",
               platform: str | None = None) -> list[Row]:
    """``person_id, community_id`` of every ranked person of ``run_id`` (only those with an
    account on ``platform`` when given), ordered as ``leaderboard`` orders them. One pass over
    the persons (or the platform's accounts, through the index): callers cache it per run."""
    if sort not in SORT_COLUMNS:
        raise ValueError(f"sort: one of {', '.join(SORT_COLUMNS)}, got {sort!r}")
    head = ("MATCH (:Account {platform: $platform})<-[:HAS_ACCOUNT]-(p:Person) "
            "WHERE p.analyze_run_id = $run_id WITH DISTINCT p " if platform is not None else
            "MATCH (p:Person) WHERE p.analyze_run_id = $run_id ")
    return store.read(head + "RETURN p.person_id AS person_id, p.community_id AS community_id "
                      f"ORDER BY p.{sort} DESC, p.kol_rank",
                      {"run_id": run_id, "platform": platform}).rows


def leaderboard_count(store: GraphStore, run_id: str, *, community: int | None = None,
                      platform: str | None = None, topic: str | None = None) -> int:
    """How many persons ``leaderboard`` lists in all for these filters (its ``WHERE``)."""
    where = ["p.analyze_run_id = $run_id"]
    head = ("MATCH (:Topic {name: $topic})<-[:ABOUT]-(:Content)<-[:CREATED]-(:Account)"
            "<-[:HAS_ACCOUNT]-(p:Person) WITH DISTINCT p" if topic is not None
            else "MATCH (p:Person)")
    if community is not None:
        where.append("p.community_id = $community")
    if platform is not None:
        where.append("(p)-[:HAS_ACCOUNT]->(:Account {platform: $platform})")
    return int(store.scalar(
        f"{head} WHERE {' AND '.join(where)} RETURN count(p) AS n",
        {"run_id": run_id, "community": community, "platform": platform,
         "topic": topic}) or 0)


def accounts_of(store: GraphStore, person_ids: Sequence[str]) -> dict[str, list[Row]]:
    """``person_id -> accounts`` of the given persons in one query: each account's
    ``platform, account_id, display_name, followers``, most followers first (ties by
    ``account_key``), so the first is the person's main account; persons without accounts
    map to ``[]``."""
    rows = store.read(
        "UNWIND $ids AS id MATCH (p:Person {person_id: id}) "
        "OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account) "
        "WITH p, a ORDER BY coalesce(a.followers, 0) DESC, a.account_key "
        "RETURN p.person_id AS person_id, collect({key: a.account_key, platform: a.platform, "
        "account_id: a.account_id, display_name: a.display_name, "
        "followers: a.followers}) AS accounts",
        {"ids": list(dict.fromkeys(person_ids))}).rows
    return {r["person_id"]: [{k: a[k] for k in ACCOUNT_FIELDS}
                             for a in r["accounts"] if a.get("key") is not None]
            for r in rows}


ACCOUNT_FIELDS = ("platform", "account_id", "display_name", "followers")


#: A purchase counts towards a KOL's conversions up to this many days after the share
#: (the default of ``cypher/library/kol_conversions.cypher``).
CONVERSION_WINDOW_DAYS = 7


def conversions(store: GraphStore, person_ids: Sequence[str] | None,
                window_days: int = CONVERSION_WINDOW_DAYS) -> dict[str, int]:
    """``person_id -> buyers``: attributed conversions of each given person (of every
    person when ``person_ids`` is ``None``: one pass over all shares, callers cache it), in
    one query, by the rules of ``cypher/library/kol_conversions.cypher`` (its ``buyers``
    column): the distinct other persons who bought (``ENGAGED {type: 'purchase'}``) a content
    the person shared, within ``window_days`` after the share, and who followed or interacted
    with one of the person's accounts before buying. Persons without any are absent."""
    start = ("MATCH (kol:Person)" if person_ids is None
             else "UNWIND $ids AS id MATCH (kol:Person {person_id: id})")
    rows = store.read(
        start + "-[:HAS_ACCOUNT]->(:Account)-[sh:ENGAGED {type: 'share'}]->(c:Content) "
        "WITH kol, c, min(sh.last_at) AS shared_at "
        "MATCH (c)<-[buy:ENGAGED {type: 'purchase'}]-(:Account)<-[:HAS_ACCOUNT]-(buyer:Person) "
        "WHERE buyer.person_id <> kol.person_id AND buy.last_at >= shared_at "
        "AND buy.last_at <= shared_at + $window_days * 86400 "
        "WITH kol, c, buyer, min(buy.last_at) AS purchased_at "
        "MATCH (buyer)-[:HAS_ACCOUNT]->(:Account)-[tie:FOLLOWS|INTERACTED]->(:Account)"
        "<-[:HAS_ACCOUNT]-(kol) "
        "WITH kol, buyer, purchased_at, min(coalesce(tie.since, tie.first_at)) AS tied_since "
        "WHERE tied_since <= purchased_at "
        "RETURN kol.person_id AS person_id, count(DISTINCT buyer) AS buyers",
        {"ids": list(person_ids or ()), "window_days": int(window_days)}).rows
    return {r["person_id"]: int(r["buyers"]) for r in rows}


def component_values(store: GraphStore, run_id: str) -> dict[str, list[float]]:
    """Every person's value of each KOL component of ``run_id`` (``COMPONENTS``; missing as
    0), for percentiles: one pass over the persons, callers cache it per run."""
    rows = store.read(
        "MATCH (p:Person) WHERE p.analyze_run_id = $run_id RETURN "
        + ", ".join(f"coalesce(p.{name}, 0.0) AS {name}" for name in COMPONENTS),
        {"run_id": run_id}).rows
    return {name: [float(r[name]) for r in rows] for name in COMPONENTS}


def persons_by_ids(store: GraphStore, person_ids: Sequence[str], *,
                   with_accounts: bool = False) -> list[Row]:
    """The leaderboard columns of the given persons, in the given order, each once (unknown
    ids are left out); one index look-up per id. ``with_accounts``: each row also holds
    ``accounts``, as ``accounts_of`` gives them, read in the same query."""
    person_ids = list(dict.fromkeys(person_ids))
    if not with_accounts:
        rows = store.read(f"UNWIND $ids AS id MATCH (p:Person {{person_id: id}}) "
                          f"RETURN {_PERSON_COLUMNS}", {"ids": person_ids}).rows
    else:
        rows = _with_accounts(store.read(
            f"UNWIND $ids AS id MATCH (p:Person {{person_id: id}}) {_ACCOUNTS_OF_P}",
            {"ids": person_ids}).rows)
    position = {pid: i for i, pid in enumerate(person_ids)}
    return sorted(rows, key=lambda r: position[r["person_id"]])


def all_persons_with_accounts(store: GraphStore, run_id: str, batch_size: int = 20_000
                              ) -> Iterator[list[Row]]:
    """The rows of ``persons_by_ids(..., with_accounts=True)`` of every person of
    ``run_id``, in batches (a pass over the persons by internal id; callers cache them)."""
    query = ("MATCH (p:Person) WHERE id(p) >= $lo AND id(p) < $hi "
             f"AND p.analyze_run_id = $run_id {_ACCOUNTS_OF_P}")
    for rows in store.stream(query, {"run_id": run_id}, anchor_label="Person",
                             batch_size=batch_size):
        yield _with_accounts(rows)


#: The rest of a read of persons ``p`` with their accounts, as lists of values (a quarter of
#: the parsing of maps); ``_with_accounts`` makes them ``accounts_of``'s.
_ACCOUNTS_OF_P = (
    "OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account) "
    "WITH p, a ORDER BY coalesce(a.followers, 0) DESC, a.account_key "
    "WITH p, collect(CASE WHEN a IS NULL THEN NULL ELSE [a.platform, a.account_id, "
    f"a.display_name, a.followers] END) AS accounts RETURN {_PERSON_COLUMNS}, accounts")


def _with_accounts(rows: list[Row]) -> list[Row]:
    for row in rows:
        row["accounts"] = [dict(zip(ACCOUNT_FIELDS, a, strict=True)) for a in row["accounts"]]
    return rows


def component_stats(store: GraphStore, run_id: str) -> dict[str, dict[str, float]]:
    """Per KOL component of ``run_id``: ``median`` of its positive values (interpolated, as
    numpy does) and ``max`` (what ``graph.analytics.ranking.log_scale`` maps to 0..1)."""
    stats = {}
    for name in COMPONENTS:
        rows = store.read(
            f"MATCH (p:Person) WHERE p.analyze_run_id = $run_id AND p.{name} > 0 "
            f"RETURN percentileCont(p.{name}, 0.5) AS median, max(p.{name}) AS max",
            {"run_id": run_id}).rows
        row = rows[0] if rows else {}
        stats[name] = {"median": float(row.get("median") or 0.0),
                       "max": float(row.get("max") or 0.0)}
    return stats


def score_quantile(store: GraphStore, run_id: str, q: float) -> float:
    """The ``q`` quantile (0..1, interpolated) of ``kol_score`` over the persons of
    ``run_id``; 0 when there are none."""
    value = store.scalar("MATCH (p:Person) WHERE p.analyze_run_id = $run_id "
                         "RETURN percentileCont(p.kol_score, $q) AS v",
                         {"run_id": run_id, "q": float(q)})
    return float(value or 0.0)


# ------------------------------------------------------------------------ persons
def person(store: GraphStore, person_id: str) -> Row | None:
    """One person: identity, ``PERSON_VALUES``, ``analyze_run_id`` and ``accounts`` (list of
    ``account_key, platform, account_id, display_name, followers``), or ``None``."""
    rows = store.read(
        "MATCH (p:Person {person_id: $id}) OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account) "
        "WITH p, a ORDER BY a.platform, a.account_key "
        f"RETURN {_PERSON_COLUMNS}, p.analyze_run_id AS analyze_run_id, "
        "collect({account_key: a.account_key, platform: a.platform, account_id: a.account_id, "
        "display_name: a.display_name, followers: a.followers}) AS accounts",
        {"id": person_id}).rows
    if not rows:
        return None
    out = dict(rows[0])
    out["accounts"] = [a for a in out["accounts"] if a.get("account_key")]
    return out


def neighbours(store: GraphStore, person_id: str, limit: int = 40) -> list[Row]:
    """Persons tied to ``person_id`` in either direction (``ties`` = number of account-level
    FOLLOWS/INTERACTED relationships), most ties first (ties broken by KOL score, then
    person id, so that every backend returns the same persons)."""
    return store.read(
        "MATCH (p:Person {person_id: $id})-[:HAS_ACCOUNT]->(a:Account) "
        "WITH p, a MATCH (a)-[r:FOLLOWS|INTERACTED]-(b:Account) WITH p, r, b "
        "MATCH (b)<-[:HAS_ACCOUNT]-(q:Person) WITH p, q, r WHERE q <> p "
        "RETURN q.person_id AS person_id, q.display_name AS display_name, "
        "q.community_id AS community_id, q.kol_score AS kol_score, count(r) AS ties "
        "ORDER BY ties DESC, kol_score DESC, person_id LIMIT $limit",
        {"id": person_id, "limit": int(limit)}).rows


def ties_among(store: GraphStore, person_ids: Sequence[str]) -> list[Row]:
    """Directed ties between the given persons: ``source, target, weight`` (number of
    account-level FOLLOWS/INTERACTED relationships), ordered by ``source, target`` (the
    same order on every backend). The ``WITH`` steps keep the planner walking outwards from
    the indexed persons."""
    return store.read(
        "UNWIND $ids AS id MATCH (p:Person {person_id: id})-[:HAS_ACCOUNT]->(a:Account) "
        "WITH p, a MATCH (a)-[r:FOLLOWS|INTERACTED]->(b:Account) WITH p, r, b "
        "MATCH (b)<-[:HAS_ACCOUNT]-(q:Person) WITH p, q, r WHERE q.person_id IN $ids AND q <> p "
        "RETURN p.person_id AS source, q.person_id AS target, count(r) AS weight "
        "ORDER BY source, target",
        {"ids": list(person_ids)}).rows


def network_cards(store: GraphStore, person_ids: Sequence[str]) -> list[Row]:
    """What a network view shows of each given person, in one read (unknown ids left out,
    order not kept): ``person_id, display_name, community_id, kol_score, followers_total,
    analyze_run_id`` and ``accounts`` (``platform, handle, followers`` of each account, most
    followers first; empty without accounts)."""
    rows = store.read(
        "UNWIND $ids AS id MATCH (p:Person {person_id: id}) "
        "OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account) "
        "WITH p, a ORDER BY coalesce(a.followers, 0) DESC, a.account_key "
        "WITH p, collect({platform: a.platform, handle: a.account_id, "
        "followers: a.followers}) AS accounts "
        "RETURN p.person_id AS person_id, p.display_name AS display_name, "
        "p.community_id AS community_id, p.kol_score AS kol_score, "
        "p.followers_total AS followers_total, p.analyze_run_id AS analyze_run_id, accounts",
        {"ids": list(person_ids)}).rows
    return [{**r, "accounts": [a for a in r["accounts"] if a.get("handle") is not None]}
            for r in rows]


def _search_where(text: str) -> tuple[str, dict[str, str]]:
    """The ``WHERE`` of a search for ``text`` (one ``CONTAINS`` on ``Person.search_key``,
    two when the pinyin form of the query differs) and its parameters."""
    q, py = names.normalise(text), names.pinyin_query(text)
    where = "WHERE p.search_key CONTAINS $q " if py in ("", q) else \
        "WHERE (p.search_key CONTAINS $q OR p.search_key CONTAINS $py) "
    return where, {"q": q, "py": py, "tab": names.TAB, "exact": names.SEP + q + names.SEP,
                   "prefix": names.SEP + q}


def _by_id(store: GraphStore, text: str) -> str | None:
    """The person whose id is ``text``, if any (an index look-up)."""
    return store.scalar("MATCH (p:Person {person_id: $id}) RETURN p.person_id AS id",
                        {"id": text})


def search_count(store: GraphStore, text: str) -> int:
    """How many persons ``search`` finds for ``text`` in all."""
    if not names.normalise(text):
        return 0
    where, params = _search_where(text)
    found = int(store.scalar("MATCH (p:Person) " + where + "RETURN count(p) AS n", params) or 0)
    pid = _by_id(store, text)
    if pid is not None and not store.scalar(
            "MATCH (p:Person {person_id: $id}) " + where + "RETURN count(p) AS n",
            {**params, "id": pid}):
        found += 1
    return found


def search(store: GraphStore, text: str, *, skip: int = 0, limit: int = 20) -> list[Row]:
    """Persons found by ``text`` (``graph.names``): a display name or handle of one of their
    accounts equal to it, starting with it or holding it (case-insensitive, NFKC), or one of
    those names' pinyin forms holding it (spaces and apostrophes in ``text`` ignored); also
    the person whose ``person_id`` is ``text`` (an exact match). Best match first
    (``MATCH_KINDS``), then by kol score, followers, id; ``limit`` rows from ``skip``. One
    scan of ``Person.search_key`` with ``CONTAINS``, then index look-ups for the page:
    persons written before search keys existed have none and are not found (a re-ingest
    writes them). Rows: ``person_id, display_name, community_id, kol_score,
    followers_total, platforms, matched`` (one of ``MATCH_KINDS``), ``main_platform,
    main_handle`` (of the account with the most followers; ``None`` without accounts)."""
    if not names.normalise(text):
        return []
    where, params = _search_where(text)
    pid = _by_id(store, text)
    head = [pid] if pid is not None else []
    rows = store.read(
        "MATCH (p:Person) " + where
        + ("AND p.person_id <> $id " if head else "")
        + "WITH p, split(p.search_key, $tab)[0] AS named "
        "WITH p, CASE WHEN named CONTAINS $exact THEN 0 WHEN named CONTAINS $prefix THEN 1 "
        "WHEN named CONTAINS $q THEN 2 ELSE 3 END AS rank "
        "RETURN p.person_id AS person_id, rank "
        "ORDER BY rank, coalesce(p.kol_score, -1.0) DESC, "
        "coalesce(p.followers_total, 0) DESC, p.person_id SKIP $skip LIMIT $limit",
        {**params, "id": pid, "skip": max(0, int(skip) - len(head)),
         "limit": int(limit) if skip >= len(head) else int(limit) - len(head)}).rows
    ranked = ([(pid, 0)] if pid is not None and skip == 0 else []) + [
        (r["person_id"], int(r["rank"])) for r in rows]
    return search_details(store, [(i, MATCH_KINDS[rank]) for i, rank in ranked])


def search_details(store: GraphStore, ranked: Sequence[tuple[str, str]]) -> list[Row]:
    """The rows of ``search`` for the given ``(person_id, matched)`` pairs, in their order
    (index look-ups; an id that is gone is left out)."""
    details = {r["person_id"]: r for r in store.read(
        "UNWIND $ids AS id MATCH (p:Person {person_id: id}) "
        "OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account) "
        "WITH p, a ORDER BY coalesce(a.followers, 0) DESC, a.account_key "
        "WITH p, collect(a) AS accounts "
        "RETURN p.person_id AS person_id, p.display_name AS display_name, "
        "p.community_id AS community_id, p.kol_score AS kol_score, "
        "p.followers_total AS followers_total, p.platforms AS platforms, "
        "accounts[0].platform AS main_platform, accounts[0].account_id AS main_handle",
        {"ids": [i for i, _ in ranked]}).rows}
    return [{**details[i], "matched": matched} for i, matched in ranked if i in details]


def search_rows(store: GraphStore, batch_size: int = 50_000) -> Iterator[list[Row]]:
    """Every person as the in-memory search index needs it (``graph.search_index``), in
    batches of ``batch_size`` (memory stays bounded): ``person_id, search_key, kol_score,
    followers_total`` (``search_key`` ``None`` for persons written before keys existed)."""
    return store.stream(
        "MATCH (p:Person) WHERE id(p) >= $lo AND id(p) < $hi "
        "RETURN p.person_id AS person_id, p.search_key AS search_key, "
        "p.kol_score AS kol_score, p.followers_total AS followers_total",
        anchor_label="Person", batch_size=batch_size)
