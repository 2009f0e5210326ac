"""Partners (异业联盟) in the graph: ``(:Partner)`` nodes and the overlap of a partner's
customers with our persons, ``(:Person)-[:PARTNER_CUSTOMER {via}]->(:Partner)``.

A partner is a user's object, not a derived result: it belongs to no ``Run``, re-ingest
and re-analysis leave it alone, and a deleted partner keeps its node with
``status = "deleted"`` (hidden from lists) and loses its customer relationships. Only the
matched persons are kept: a partner's identity hashes are never written. Times are
ISO-8601 UTC strings.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from graph.store.base import GraphStore, Row

PARTNER_FIELDS: tuple[str, ...] = ("name", "alpha", "beta")
#: Matched persons written per query.
EDGE_BATCH = 5_000
#: Accounts read per query while matching.
ACCOUNT_BATCH = 50_000
#: KOLs whose audiences are counted per query.
KOL_BATCH = 50

_RETURN_PARTNER = (
    "RETURN r.partner_id AS partner_id, r.name AS name, r.alpha AS alpha, r.beta AS beta, "
    "r.customers AS customers, r.matched AS matched, r.import_mode AS import_mode, "
    "r.imported_at AS imported_at, r.imported_by AS imported_by, "
    "r.created_at AS created_at, r.created_by AS created_by, r.updated_at AS updated_at, "
    "r.status AS status")
_LIVE = "coalesce(r.status, '') <> 'deleted'"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def create_partner(store: GraphStore, partner_id: str, name: str, alpha: float, beta: float,
                   user: str) -> None:
    """A new active partner ``partner_id`` named ``name`` with revenue share ``alpha``,
    ``beta``, created by ``user``, no customers imported yet."""
    now = _now()
    store.write(
        "CREATE (r:Partner {partner_id: $id}) SET r.name = $name, r.name_key = $key, "
        "r.alpha = $alpha, r.beta = $beta, r.customers = 0, r.matched = 0, "
        "r.created_at = $now, r.created_by = $user, r.updated_at = $now, r.status = 'active'",
        {"id": partner_id, "name": name, "key": name.casefold(), "alpha": float(alpha),
         "beta": float(beta), "now": now, "user": user})


def get_partner(store: GraphStore, partner_id: str) -> Row | None:
    """The partner's fields, or ``None`` when there is none or it was deleted."""
    rows = store.read(f"MATCH (r:Partner {{partner_id: $id}}) WHERE {_LIVE} "
                      + _RETURN_PARTNER, {"id": partner_id}).rows
    return rows[0] if rows else None


def partners_named(store: GraphStore, name: str) -> list[Row]:
    """The live partners whose name is ``name`` ignoring case (``casefold``)."""
    return store.read(f"MATCH (r:Partner) WHERE r.name_key = $key AND {_LIVE} "
                      + _RETURN_PARTNER + " ORDER BY partner_id",
                      {"key": name.casefold()}).rows


def list_partners(store: GraphStore) -> list[Row]:
    """Every live partner, by name."""
    return store.read(f"MATCH (r:Partner) WHERE {_LIVE} " + _RETURN_PARTNER
                      + " ORDER BY r.name_key, partner_id").rows


def update_partner(store: GraphStore, partner_id: str, fields: Mapping[str, Any]) -> bool:
    """Set ``fields`` (names of ``PARTNER_FIELDS``) of the live partner; returns whether it
    exists."""
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise ValueError(f"not partner fields: {sorted(unknown)}")
    values = dict(fields)
    if "name" in values:
        values["name_key"] = str(values["name"]).casefold()
    rows = store.write(f"MATCH (r:Partner {{partner_id: $id}}) WHERE {_LIVE} "
                       "SET r += $fields, r.updated_at = $now RETURN r.partner_id AS id",
                       {"id": partner_id, "fields": values, "now": _now()})
    return bool(rows)


def delete_partner(store: GraphStore, partner_id: str, user: str) -> bool:
    """Mark the partner deleted (by ``user``) and remove its customer relationships;
    returns whether it existed."""
    rows = store.write(f"MATCH (r:Partner {{partner_id: $id}}) WHERE {_LIVE} "
                       "SET r.status = 'deleted', r.updated_at = $now, r.deleted_by = $user, "
                       "r.matched = 0 RETURN r.partner_id AS id",
                       {"id": partner_id, "now": _now(), "user": user})
    if rows:
        store.write("MATCH (:Person)-[e:PARTNER_CUSTOMER]->(:Partner {partner_id: $id}) "
                    "DELETE e", {"id": partner_id})
    return bool(rows)


def identity_batches(store: GraphStore, batch_size: int = ACCOUNT_BATCH
                     ) -> Iterator[list[Row]]:
    """Batches of ``person_id, identity_hashes`` (a list) of every account that has identity
    hashes and a person."""
    return store.stream(
        "MATCH (a:Account) WHERE id(a) >= $lo AND id(a) < $hi "
        "AND a.identity_hashes IS NOT NULL "
        "MATCH (p:Person)-[:HAS_ACCOUNT]->(a) "
        "RETURN p.person_id AS person_id, a.identity_hashes AS identity_hashes",
        anchor_label="Account", batch_size=batch_size)


def replace_customers(store: GraphStore, partner_id: str, matches: Iterable[Row], *,
                      customers: int, mode: str, user: str) -> int:
    """Make ``matches`` (``person_id, via``: the identity kinds matched) the partner's
    customers: written in batches (new ones created, kept ones updated), then the
    relationships of the previous import that are not among them deleted, then the
    partner's ``customers`` (rows imported), ``matched``, ``import_mode``, ``imported_at``
    and ``imported_by`` set. A reader sees the previous matches until the new ones are
    written, never none. Returns the persons matched."""
    stamp = uuid.uuid4().hex
    store.write_batches(
        "MATCH (r:Partner {partner_id: $id}) UNWIND $rows AS row "
        "MATCH (p:Person {person_id: row.person_id}) MERGE (p)-[e:PARTNER_CUSTOMER]->(r) "
        "SET e.via = row.via, e.import_id = $stamp",
        matches, batch_size=EDGE_BATCH, params={"id": partner_id, "stamp": stamp})
    store.write("MATCH (:Person)-[e:PARTNER_CUSTOMER]->(:Partner {partner_id: $id}) "
                "WHERE e.import_id <> $stamp DELETE e", {"id": partner_id, "stamp": stamp})
    rows = store.write(
        "MATCH (r:Partner {partner_id: $id}) OPTIONAL MATCH (p:Person)-[:PARTNER_CUSTOMER]->(r) "
        "WITH r, count(p) AS matched SET r.customers = $customers, r.matched = matched, "
        "r.import_mode = $mode, r.imported_at = $now, r.imported_by = $user, "
        "r.updated_at = $now RETURN matched",
        {"id": partner_id, "customers": int(customers), "mode": mode, "now": _now(),
         "user": user})
    return int(rows[0]["matched"]) if rows else 0


def customers_via(store: GraphStore, partner_id: str) -> list[Row]:
    """``person_id, via`` of the partner's matched persons, by person id."""
    return store.read("MATCH (p:Person)-[e:PARTNER_CUSTOMER]->(:Partner {partner_id: $id}) "
                      "RETURN p.person_id AS person_id, e.via AS via ORDER BY person_id",
                      {"id": partner_id}).rows


def customers_by_community(store: GraphStore, partner_id: str) -> list[Row]:
    """``community_id, matched``: the partner's matched persons by their community of the
    current analyze run (``None``: not in one)."""
    return store.read("MATCH (p:Person)-[:PARTNER_CUSTOMER]->(:Partner {partner_id: $id}) "
                      "RETURN p.community_id AS community_id, count(p) AS matched",
                      {"id": partner_id}).rows


def community_sizes(store: GraphStore) -> list[Row]:
    """``community_id, size``: persons by community of the current analyze run."""
    return store.read("MATCH (p:Person) WHERE p.community_id IS NOT NULL "
                      "RETURN p.community_id AS community_id, count(p) AS size").rows


def customers_by_platform(store: GraphStore, partner_id: str) -> list[Row]:
    """``platform, matched``: the partner's matched persons with an account on each
    platform (a person on two platforms counts on both)."""
    return store.read("MATCH (p:Person)-[:PARTNER_CUSTOMER]->(:Partner {partner_id: $id}) "
                      "MATCH (p)-[:HAS_ACCOUNT]->(a:Account) "
                      "RETURN a.platform AS platform, count(DISTINCT p) AS matched",
                      {"id": partner_id}).rows


def platform_sizes(store: GraphStore) -> list[Row]:
    """``platform, size``: persons with an account on each platform."""
    return store.read("MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account) "
                      "RETURN a.platform AS platform, count(DISTINCT p) AS size").rows


def top_kols(store: GraphStore, limit: int) -> list[Row]:
    """``person_id, display_name, community_id, kol_score`` of the ``limit`` persons with
    the highest ``kol_score`` of the current analyze run (ties: person id)."""
    return store.read("MATCH (p:Person) WHERE p.kol_score IS NOT NULL "
                      "RETURN p.person_id AS person_id, p.display_name AS display_name, "
                      "p.community_id AS community_id, p.kol_score AS kol_score "
                      "ORDER BY kol_score DESC, person_id LIMIT $limit",
                      {"limit": int(limit)}).rows


def audience_customers(store: GraphStore, partner_id: str, person_ids: Sequence[str]
                       ) -> list[Row]:
    """``person_id, audience, customers`` for each given person with an audience: the
    distinct persons owning an account that follows or interacted with one of its accounts
    (itself excluded; the audience of ``campaign_io.audience_pairs``), and how many of them
    are the partner's matched customers. Counted in the database, ``KOL_BATCH`` persons a
    query."""
    out: list[Row] = []
    ids = list(person_ids)
    for start in range(0, len(ids), KOL_BATCH):
        out.extend(store.read(
            "UNWIND $ids AS id MATCH (p:Person {person_id: id})-[:HAS_ACCOUNT]->(:Account)"
            "<-[:FOLLOWS|INTERACTED]-(:Account)<-[:HAS_ACCOUNT]-(m:Person) WHERE m <> p "
            "WITH DISTINCT p, m "
            "OPTIONAL MATCH (m)-[c:PARTNER_CUSTOMER]->(:Partner {partner_id: $partner}) "
            "RETURN p.person_id AS person_id, count(m) AS audience, count(c) AS customers",
            {"ids": ids[start:start + KOL_BATCH], "partner": partner_id}).rows)
    return out


def new_partner_id() -> str:
    """A fresh partner id: ``R`` and 12 hex digits."""
    return "R" + uuid.uuid4().hex[:12]
