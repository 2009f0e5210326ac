"""Every query of the social analytics: reading the person projection's inputs out of the graph
and writing an analysis back as one ``Run {kind: 'analyze'}``.

Reads page through the graph by internal node id (``GraphStore.stream``) and return plain
integer ids where they can, which the DataFrame side maps to person ids: a 1M-edge projection
is read in seconds. Writes follow ``docs/CONTRACTS.md``: ``Community`` nodes and
``IN_COMMUNITY`` relationships carry the ``run_id``; the ``Person`` values are first staged in
``analyze_stage`` / ``analyze_stage_run`` and published by the single query that marks the run
complete, so a reader never sees half of a run. Every other write goes in bounded batches
(``WRITE_BATCH`` rows): FalkorDB runs one write at a time per graph and holds its readers
until it ends, so small writes let the web's reads in between.

Every query is valid in FalkorDB and in Neo4j 5.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, cast

import numpy as np
import pandas as pd

from graph.store.base import GraphStore, Progress, Row
from graph.store.runs import current_run, finish_run, utc_now

#: Rows (persons, memberships, relationships deleted) per write query of the write-back:
#: an eighth of the rows, at least ``WRITE_BATCH`` and at most ``TABLE_ROWS`` (``rows_per_write``).
WRITE_BATCH = 1_000
TABLE_ROWS = 20_000

#: The Person values of an analysis, in the order they are staged in ``analyze_stage``.
PERSON_VALUES: tuple[str, ...] = ("community_id", "kol_score", "pagerank", "in_strength",
                                  "engagement_rate", "reach", "betweenness", "kol_rank",
                                  "community_rank")
_INTEGER_VALUES = frozenset({"community_id", "reach", "kol_rank", "community_rank"})
COMMUNITY_PROPERTIES: tuple[str, ...] = ("community_id", "size", "label", "top_platform",
                                         "density", "modularity_share", "topics",
                                         "platform_mix", "top_kols", "links", "name",
                                         "lineage")
#: Properties a caller's profiles may lack (written as ``""``): the admin's ``name`` and the
#: ``lineage`` JSON of ``graph.analytics.community_ids``.
_OPTIONAL_PROPERTIES = frozenset({"name", "lineage"})

#: The readers' columns: ``(match, {name: (expression, kind)})`` for ``GraphStore.read_table``
#: (kinds: ``graph.store.columns``); each match bounds the anchor's ids with ``$lo``/``$hi``.
_ACCOUNTS = (
    "MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) WHERE id(a) >= $lo AND id(a) < $hi ",
    {"aid": ("id(a)", "int"), "person": ("p.person_id", "text"),
     "account_key": ("a.account_key", "text"), "platform": ("a.platform", "text"),
     "followers": ("a.followers", "number")})
_PERSONS = (
    "MATCH (p:Person) WHERE id(p) >= $lo AND id(p) < $hi ",
    {"person_id": ("p.person_id", "text"), "display_name": ("p.display_name", "text"),
     "followers_total": ("p.followers_total", "number")})
_INTERACTED = (
    "MATCH (a:Account)-[r:INTERACTED]->(b:Account) WHERE id(a) >= $lo AND id(a) < $hi ",
    {"s": ("id(a)", "int"), "d": ("id(b)", "int"), "type": ("r.type", "text"),
     "count": ("r.count", "number"), "last_at": ("r.last_at", "number"),
     "first_at": ("r.first_at", "number")})
_FOLLOWS = (
    "MATCH (a:Account)-[r:FOLLOWS]->(b:Account) WHERE id(a) >= $lo AND id(a) < $hi ",
    {"s": ("id(a)", "int"), "d": ("id(b)", "int"), "last_at": ("r.since", "number")})
_CONTENTS = (
    "MATCH (c:Content) WHERE id(c) >= $lo AND id(c) < $hi "
    "OPTIONAL MATCH (c)-[:ABOUT]->(t:Topic) "
    "OPTIONAL MATCH (m:Account)-[:CREATED]->(c) "
    "RETURN id(c) AS cid, c.content_key AS content, c.platform AS platform, "
    "min(t.name) AS topic, min(id(m)) AS creator_aid"
)
_ENGAGED = (
    "MATCH (a:Account)-[e:ENGAGED]->(c:Content) WHERE id(a) >= $lo AND id(a) < $hi ",
    {"aid": ("id(a)", "int"), "cid": ("id(c)", "int"), "type": ("e.type", "text"),
     "count": ("e.count", "number"), "amount": ("e.amount", "number"),
     "last_at": ("e.last_at", "number")})
#: Rows per id window of the columnar reads.
TABLE_WINDOW = 100_000
_PERSON_RESULTS = (
    "MATCH (p:Person) WHERE id(p) >= $lo AND id(p) < $hi "
    "OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account) "
    "WITH p, a ORDER BY a.account_key "
    "RETURN p.person_id AS person_id, p.display_name AS display_name, "
    "collect(a.account_key) AS accounts, p.followers_total AS followers_total, "
    + ", ".join(f"p.{name} AS {name}" for name in PERSON_VALUES)
    + ", p.analyze_run_id AS analyze_run_id"
)


def _frame(store: GraphStore, query: str, anchor: str, columns: list[str],
           batch_size: int, progress: Progress | None = None) -> pd.DataFrame:
    parts = []
    for rows in store.stream(query, anchor_label=anchor, batch_size=batch_size):
        parts.append(pd.DataFrame.from_records(rows, columns=columns))
        if progress:
            progress(len(rows))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(parts, ignore_index=True)


def _table(store: GraphStore, read: tuple[str, dict[str, tuple[str, str]]], anchor: str,
           batch_size: int, progress: Progress | None = None) -> pd.DataFrame:
    frame = store.read_table(read[0], read[1], anchor_label=anchor, batch_size=batch_size)
    if progress:
        progress(len(frame))
    return frame


def read_accounts(store: GraphStore, batch_size: int = TABLE_WINDOW) -> pd.DataFrame:
    """Every account with its owner: ``aid`` (internal id, ``int64``), ``person``,
    ``account_key``, ``platform``, ``followers`` (``float64``, NaN when unknown)."""
    return _table(store, _ACCOUNTS, "Account", batch_size)


def read_persons(store: GraphStore, batch_size: int = TABLE_WINDOW) -> pd.DataFrame:
    """Every person: ``person_id``, ``display_name``, ``followers_total`` (0 when unknown)."""
    frame = _table(store, _PERSONS, "Person", batch_size)
    frame["followers_total"] = frame["followers_total"].fillna(0).astype(np.int64)
    return frame


def _lift(frame: pd.DataFrame, accounts: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Replace account internal-id columns by their owners' person ids."""
    owner = pd.Series(accounts["person"].to_numpy(), index=accounts["aid"].to_numpy())
    out = frame.copy()
    for aid_column, person_column in columns.items():
        out[person_column] = owner.reindex(out[aid_column].astype(np.int64)).to_numpy()
    return out.dropna(subset=list(columns.values()))


def read_interaction_edges(store: GraphStore, accounts: pd.DataFrame | None = None, *,
                           batch_size: int = TABLE_WINDOW,
                           progress: Progress | None = None) -> pd.DataFrame:
    """Account ties lifted to persons: ``src_person, dst_person, type, count, last_at,
    first_at``.

    One row per ``INTERACTED`` relationship (its ``type``, ``count``, ``last_at``,
    ``first_at``) and per ``FOLLOWS`` (type ``follow``, count 1, both times = ``since``).
    Ties between two accounts of the same person are kept (the projection drops them).
    ``accounts`` is the result of ``read_accounts`` when the caller already has it.
    """
    accounts = read_accounts(store) if accounts is None else accounts
    columns = ["s", "d", "type", "count", "last_at", "first_at"]
    interacted = _table(store, _INTERACTED, "Account", batch_size, progress)
    follows = _table(store, _FOLLOWS, "Account", batch_size, progress)
    follows = follows.assign(type="follow", count=1.0, first_at=follows["last_at"])
    both = pd.concat([interacted, follows[columns]], ignore_index=True)
    lifted = _lift(both, accounts, {"s": "src_person", "d": "dst_person"})
    lifted["count"] = lifted["count"].fillna(1.0)
    lifted["first_at"] = lifted["first_at"].fillna(lifted["last_at"])
    return lifted[["src_person", "dst_person", "type", "count", "last_at", "first_at"]] \
        .reset_index(drop=True)


def read_engagements(store: GraphStore, accounts: pd.DataFrame | None = None, *,
                     batch_size: int = TABLE_WINDOW,
                     progress: Progress | None = None) -> pd.DataFrame:
    """Engagements lifted to persons: ``person, content, type, count, amount, topic, platform,
    last_at, creator`` (``creator``: the person who created the content, or ``None``)."""
    accounts = read_accounts(store) if accounts is None else accounts
    contents = _frame(store, _CONTENTS, "Content",
                      ["cid", "content", "platform", "topic", "creator_aid"], batch_size)
    engaged = _table(store, _ENGAGED, "Account", batch_size, progress)
    engaged = _lift(engaged, accounts, {"aid": "person"})
    merged = engaged.merge(contents, on="cid", how="left")
    owner = pd.Series(accounts["person"].to_numpy(), index=accounts["aid"].to_numpy())
    creator_aid = pd.to_numeric(merged["creator_aid"], errors="coerce")
    merged["creator"] = owner.reindex(creator_aid.fillna(-1).astype(np.int64)).to_numpy()
    merged["count"] = pd.to_numeric(merged["count"], errors="coerce").fillna(1)
    merged["amount"] = pd.to_numeric(merged["amount"], errors="coerce").fillna(0.0)
    merged["last_at"] = pd.to_numeric(merged["last_at"], errors="coerce")
    return merged[["person", "content", "type", "count", "amount", "topic", "platform",
                   "last_at", "creator"]].reset_index(drop=True)


# ------------------------------------------------------------------------------ writes
def rows_per_write(total: int) -> int:
    """Rows per write query when ``total`` rows are to be written: an eighth of them, at
    least ``WRITE_BATCH`` and at most ``TABLE_ROWS``, so that a large write-back goes in
    few queries and readers still get in between (FalkorDB runs one write at a time and
    holds its readers meanwhile).

    >>> rows_per_write(5_000), rows_per_write(100_000), rows_per_write(1_000_000)
    (1000, 12500, 20000)
    """
    return min(TABLE_ROWS, max(WRITE_BATCH, total // 8))


def _write_table(store: GraphStore, query: str, columns: list[Any], params: dict[str, Any],
                 batch_size: int, progress: Progress | None = None) -> int:
    """Run ``query`` once per ``batch_size`` rows of ``columns`` bound to ``$rows`` as one
    ``Table`` (``store.bulk``: the embedded database gets it serialised column-wise);
    returns the rows sent. Pipelined (``ingest_writes.write_pipelined``): the next batch is
    serialised while the database runs this one."""
    from graph.store.cypher_literal import Table  # Arrow: here, not at import
    from graph.store.ingest_writes import Job, write_pipelined

    table = Table(columns)

    def jobs() -> Iterable[Job]:
        for start in range(0, len(table), batch_size):
            part = table.slice(start, start + batch_size)
            yield Job(query, {**params, "rows": part}, len(part))

    def done(rows: object) -> None:
        if progress:
            progress(cast(int, rows))

    write_pipelined(store, jobs(), done)
    return len(table)


_PUBLISH = (
    "MATCH (r:Run {run_id: $run_id}) "
    "SET r.status = 'complete', r.finished_at = $now, r.metrics = $metrics "
    "WITH r MATCH (p:Person) WHERE p.analyze_stage_run = $run_id "
    "SET "
    + ", ".join(
        f"p.{name} = "
        + (f"toInteger(p.analyze_stage[{i}])" if name in _INTEGER_VALUES
           else f"p.analyze_stage[{i}]")
        for i, name in enumerate(PERSON_VALUES))
    + ", p.analyze_run_id = $run_id, p.analyze_stage = null, p.analyze_stage_run = null "
    "RETURN count(p) AS published"
)


def community_key(run_id: str, community_id: int) -> str:
    """``<run_id>:<community_id>``, the key of a ``Community`` node.

    >>> community_key("analyze-1", 3)
    'analyze-1:3'
    """
    return f"{run_id}:{int(community_id)}"


def write_communities(store: GraphStore, run_id: str, profiles: pd.DataFrame,
                      memberships: pd.DataFrame | None = None, *,
                      batch_size: int | None = None,
                      progress: Progress | None = None) -> None:
    """Create the run's ``Community`` nodes (``profiles``, columns ``COMMUNITY_PROPERTIES``)
    and ``IN_COMMUNITY {run_id}`` from each person of ``memberships`` (``person_id,
    community_id``; ``None``: the nodes alone, the memberships then come with
    ``stage_person_values(..., memberships=True)``), ``batch_size`` memberships per write
    (default ``rows_per_write``), sent as table parameters. Invisible to readers until the
    run is complete."""
    size = len(profiles) if memberships is None else len(memberships)
    batch_size = batch_size or rows_per_write(size)
    nodes = [{**{k: row.get(k, "") if k in _OPTIONAL_PROPERTIES else row[k]
                 for k in COMMUNITY_PROPERTIES},
              "community_key": community_key(run_id, row["community_id"]), "run_id": run_id}
             for row in profiles.to_dict("records")]
    store.upsert_nodes("Community", "community_key", nodes, batch_size=batch_size)
    if memberships is None:
        return
    keys = (run_id + ":") + memberships["community_id"].astype(np.int64).astype(str)
    _write_table(store,
                 "UNWIND $rows AS row MATCH (a:Person {person_id: row[0]}) "
                 "MATCH (b:Community {community_key: row[1]}) "
                 "MERGE (a)-[r:IN_COMMUNITY {run_id: $run_id}]->(b)",
                 [memberships["person_id"].astype(str), keys], {"run_id": run_id},
                 batch_size, progress)


#: ``stage_person_values(..., memberships=True)``: after staging, each person joins its
#: community of the run, found by key (``$key_prefix`` + its staged ``community_id``, the
#: first value): one look-up of the person for both writes, no key column sent.
_JOIN_COMMUNITY = (
    " WITH p, row MATCH (c:Community {community_key: $key_prefix + toString(toInteger(row[1]))}) "
    "MERGE (p)-[:IN_COMMUNITY {run_id: $run_id}]->(c)"
)


def stage_person_values(store: GraphStore, run_id: str, persons: pd.DataFrame, *,
                        memberships: bool = False, batch_size: int | None = None,
                        progress: Progress | None = None) -> int:
    """Stage each person's values (columns ``PERSON_VALUES``) for ``run_id``, ``batch_size``
    persons per write (default ``rows_per_write``), sent as table parameters; readers keep
    seeing the published values until ``publish_run``. With ``memberships``, the same writes
    also create each person's ``IN_COMMUNITY {run_id}`` to the run's ``Community`` of its
    ``community_id`` (written before by ``write_communities(..., None)``; a person whose
    community is not there is staged without one). Returns the rows sent."""
    # Neo4j stores only homogeneous lists without nulls: every value is a finite float.
    values = np.nan_to_num(persons[list(PERSON_VALUES)].to_numpy(dtype=float))
    staged = "[" + ", ".join(f"row[{i + 1}]" for i in range(len(PERSON_VALUES))) + "]"
    query = ("UNWIND $rows AS row MATCH (p:Person {person_id: row[0]}) "
             f"SET p.analyze_stage = {staged}, p.analyze_stage_run = $run_id")
    params: dict[str, Any] = {"run_id": run_id}
    if memberships:
        assert PERSON_VALUES[0] == "community_id"
        query += _JOIN_COMMUNITY
        params["key_prefix"] = run_id + ":"
    return _write_table(
        store, query, [persons["person_id"].astype(str), *values.T], params,
        batch_size or rows_per_write(len(persons)), progress)


def publish_run(store: GraphStore, run_id: str, metrics: dict[str, Any]) -> int:
    """In one write query: mark the run complete and publish its staged Person values.
    Returns the number of persons published."""
    rows = store.write(_PUBLISH, {"run_id": run_id, "now": utc_now(),
                                  "metrics": json.dumps(metrics, ensure_ascii=False,
                                                        default=str)})
    return int(rows[0]["published"]) if rows else 0


def _delete_communities(store: GraphStore, where: str, params: dict[str, Any],
                        batch: int | None) -> int:
    """Delete the ``IN_COMMUNITY`` of the communities ``where`` selects, ``batch`` at a time
    (default: ``rows_per_write`` of their number, taken from the communities' ``size``: a
    count of the relationships would read them all once more), then the communities;
    returns how many communities went. (A community's ``DETACH DELETE`` would remove all its
    memberships in one write, which holds the graph's lock from every reader for as long.)"""
    if batch is None:
        members = store.scalar(f"MATCH (c:Community) WHERE {where} "
                               "RETURN sum(coalesce(c.size, 0)) AS n", params)
        batch = rows_per_write(int(members or 0))
    while True:
        rows = store.write(f"MATCH (c:Community)<-[m:IN_COMMUNITY]-() WHERE {where} "
                           "WITH m LIMIT $batch DELETE m RETURN count(*) AS n",
                           {**params, "batch": batch})
        if not rows or int(rows[0]["n"]) < batch:
            break
    total = 0
    while True:
        rows = store.write(f"MATCH (c:Community) WHERE {where} "
                           "WITH c LIMIT $batch DETACH DELETE c RETURN count(*) AS n",
                           {**params, "batch": batch})
        n = int(rows[0]["n"]) if rows else 0
        total += n
        if n < batch:
            return total


def stale_run_ids(store: GraphStore, run_id: str, stale_after_s: float = 86_400.0) -> list[str]:
    """The other analyze runs whose communities may go: every finished (complete or failed)
    one, and running ones started more than ``stale_after_s`` before ``run_id`` (crashed)."""
    rows = store.read("MATCH (r:Run) WHERE r.kind = 'analyze' AND r.run_id <> $run_id "
                      "RETURN r.run_id AS run_id, r.status AS status, "
                      "r.started_at AS started_at", {"run_id": run_id}).rows
    mine = store.scalar("MATCH (r:Run {run_id: $run_id}) RETURN r.started_at AS s",
                        {"run_id": run_id})
    limit = None
    if mine:
        start = dt.datetime.strptime(str(mine), "%Y-%m-%dT%H:%M:%SZ")
        limit = (start - dt.timedelta(seconds=stale_after_s)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return sorted(r["run_id"] for r in rows
                  if r["status"] != "running"
                  or (limit is not None and str(r["started_at"] or "") < limit))


def delete_older_communities(store: GraphStore, run_id: str,
                             batch: int | None = None) -> int:
    """Delete the ``Community`` nodes (and their ``IN_COMMUNITY``) of the other analyze runs
    of ``stale_run_ids``; Run nodes stay. Returns how many communities were deleted.

    (Runs are listed first and matched with ``IN``: FalkorDB's index scan answers a string
    range such as ``c.run_id < $run_id`` wrongly.)
    """
    old = stale_run_ids(store, run_id)
    if not old:
        return 0
    return _delete_communities(store, "c.run_id IN $old", {"old": old}, batch)


def abandon_run(store: GraphStore, run_id: str, error: str) -> None:
    """Mark ``run_id`` failed and remove what it had written (communities, staged values)."""
    _delete_communities(store, "c.run_id = $run_id", {"run_id": run_id}, None)
    store.write("MATCH (p:Person) WHERE p.analyze_stage_run = $run_id "
                "SET p.analyze_stage = null, p.analyze_stage_run = null", {"run_id": run_id})
    finish_run(store, run_id, {"error": error}, status="failed")


# ------------------------------------------------------------------------------- reads
def current_analyze_run_id(store: GraphStore) -> str | None:
    """The run id of the latest complete analyze run, or ``None``."""
    run = current_run(store, "analyze")
    return None if run is None else str(run["run_id"])


def stream_person_results(store: GraphStore, batch_size: int = 20_000) -> Iterable[list[Row]]:
    """Batches of published per-person results: ``person_id, display_name, accounts`` (list of
    ``platform:account_id``, sorted), ``followers_total``, every name of ``PERSON_VALUES``
    and ``analyze_run_id``."""
    return store.stream(_PERSON_RESULTS, anchor_label="Person", batch_size=batch_size)


def read_person_results(store: GraphStore, batch_size: int = 20_000) -> pd.DataFrame:
    """``stream_person_results`` as one DataFrame."""
    columns = ["person_id", "display_name", "accounts", "followers_total", *PERSON_VALUES,
               "analyze_run_id"]
    parts = [pd.DataFrame.from_records(rows, columns=columns)
             for rows in stream_person_results(store, batch_size)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def read_communities(store: GraphStore, run_id: str) -> pd.DataFrame:
    """The ``Community`` nodes of ``run_id`` (columns ``COMMUNITY_PROPERTIES``), by number."""
    result = store.read(
        "MATCH (c:Community) WHERE c.run_id = $run_id RETURN "
        + ", ".join(f"c.{name} AS {name}" for name in COMMUNITY_PROPERTIES)
        + " ORDER BY c.community_id", {"run_id": run_id})
    return pd.DataFrame.from_records(result.rows, columns=list(COMMUNITY_PROPERTIES))


def read_memberships(store: GraphStore, run_id: str) -> pd.DataFrame:
    """``person_id, community_id`` of the ``IN_COMMUNITY`` relationships of ``run_id``."""
    return store.read_table(
        "MATCH (p:Person)-[r:IN_COMMUNITY]->(c:Community) "
        "WHERE id(p) >= $lo AND id(p) < $hi AND r.run_id = $run_id ",
        {"person_id": ("p.person_id", "text"), "community_id": ("c.community_id", "int")},
        {"run_id": run_id}, anchor_label="Person", batch_size=TABLE_WINDOW)


def previous_communities(store: GraphStore) -> tuple[str | None, pd.DataFrame, dict[int, str],
                                                      int]:
    """What a new analyze run carries over from the current (latest complete) one: its run id
    (``None`` before the first run), its memberships (``person_id, community_id``), the names
    admins gave its communities (``community_id -> name``, non-empty only) and the first
    community id never given (``metrics.next_community_id``; else one past the largest id)."""
    run = current_run(store, "analyze")
    empty = pd.DataFrame(columns=["person_id", "community_id"])
    if run is None:
        return None, empty, {}, 1
    run_id = str(run["run_id"])
    members = read_memberships(store, run_id)
    rows = store.read("MATCH (c:Community) WHERE c.run_id = $run_id "
                      "RETURN c.community_id AS community_id, c.name AS name",
                      {"run_id": run_id}).rows
    names = {int(r["community_id"]): str(r["name"]) for r in rows if r["name"]}
    metrics = run.get("metrics") if isinstance(run.get("metrics"), dict) else {}
    stored = metrics.get("next_community_id") if metrics else None
    largest = max((int(r["community_id"]) for r in rows), default=0)
    next_id = max(int(stored) if isinstance(stored, int | float) else 0, largest + 1, 1)
    return run_id, members, names, next_id


def rename_community(store: GraphStore, run_id: str, community_id: int, name: str) -> bool:
    """Set the admin's ``name`` of community ``community_id`` of ``run_id`` (``""`` clears
    it) and count the rename in the run's ``names_version`` (after the name: a reader that
    sees the new version reads the new name); ``False`` when the run has no such
    community."""
    rows = store.write("MATCH (c:Community {community_key: $key}) SET c.name = $name "
                       "RETURN count(c) AS n",
                       {"key": community_key(run_id, community_id), "name": name})
    if not (rows and int(rows[0]["n"])):
        return False
    store.write("MATCH (r:Run {run_id: $run_id}) "
                "SET r.names_version = coalesce(r.names_version, 0) + 1", {"run_id": run_id})
    return True
