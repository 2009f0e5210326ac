"""The design's graph schema as data, and the per-backend schema files.

The names here are the analysts' contract (see ../shared/DESIGN.md and README "Graph schema").
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

NODE_LABELS: tuple[str, ...] = (
    "Platform",
    "Person",
    "Account",
    "Content",
    "Topic",
    "Community",
    "Run",
)

NODE_KEYS: dict[str, str] = {
    "Platform": "name",
    "Person": "person_id",
    "Account": "account_key",
    "Content": "content_key",
    "Topic": "name",
    "Community": "community_key",
    "Run": "run_id",
    "IngestBatch": "batch_key",
    "Campaign": "campaign_id",
    "Partner": "partner_id",
}

RELATIONSHIP_TYPES: tuple[str, ...] = (
    "HAS_ACCOUNT",
    "ON",
    "FOLLOWS",
    "INTERACTED",
    "CREATED",
    "ENGAGED",
    "ABOUT",
    "IN_COMMUNITY",
    "RECOMMENDED",
)


def schema_file(dialect: str) -> Traversable:
    """``schema/<dialect>.cypher`` of the ``cypher`` package (package data, so also in a
    wheel)."""
    return resources.files("cypher") / "schema" / f"{dialect}.cypher"


def schema_statements(dialect: str) -> list[str]:
    """The statements of ``cypher/schema/<dialect>.cypher``, comments stripped, in order.

    >>> schema_statements("neo4j")[0].startswith("CREATE CONSTRAINT")
    True
    """
    text = schema_file(dialect).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.strip().startswith("//")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
