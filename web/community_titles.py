"""A community's title in the user's language: the name an admin gave it, else a label made
per request from its top topics (by their display names) and its top KOL.

The stored ``Community.label`` is English (topic codes joined by `` / ``, then `` · `` and
the top KOL's name); it is only the fallback for a community whose ``topics`` cannot be read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graph.analytics.community_ids import UNASSIGNED_ID, human_label

#: Topics named in a label (as the stored label).
LABEL_TOPICS = 3


def top_topics(topics: object, limit: int = LABEL_TOPICS) -> list[str]:
    """The first ``limit`` topic codes of a community's ``topics`` (a mapping topic -> share,
    largest first as stored, or a list).

    >>> top_topics({"parenting": 0.5, "finance": 0.3, "health": 0.1, "travel": 0.1})
    ['parenting', 'finance', 'health']
    """
    if isinstance(topics, Mapping):
        ordered = sorted(topics, key=lambda t: -float(topics[t] or 0.0))
    elif isinstance(topics, list | tuple):
        ordered = [str(t) for t in topics]
    else:
        return []
    return [str(t) for t in ordered[:limit]]


def top_kol_name(community: Mapping[str, Any]) -> str | None:
    """The display name (else the id) of the community's top KOL, ``None`` when it has none."""
    kols = community.get("top_kols")
    if not isinstance(kols, list) or not kols or not isinstance(kols[0], Mapping):
        return None
    first = kols[0]
    name = first.get("display_name") or first.get("person_id")
    return str(name) if name else None


def community_label(community: Mapping[str, Any], topic_name: Callable[[str], str]) -> str:
    """The label of a community in the request's language: its top topics by
    ``topic_name`` joined by `` / ``, then `` · `` and its top KOL; the stored label when it
    has neither."""
    topics = top_topics(community.get("topics"))
    made = human_label([topic_name(t) for t in topics], top_kol_name(community))
    return made or str(community.get("label") or "")


def community_title(community: Mapping[str, Any], topic_name: Callable[[str], str],
                    unassigned: str = "") -> str:
    """What a page calls a community: the admin's ``name``, else ``community_label``; the
    unassigned bucket (community 0) is called ``unassigned``."""
    if community.get("community_id") == UNASSIGNED_ID:
        return unassigned
    name = community.get("name")
    return str(name) if name else community_label(community, topic_name)
