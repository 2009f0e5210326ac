"""Why a recommendation was made, in plain words of the request's language, from the
``evidence`` the recommender stored with it (``gnn/reasons.py``; a JSON object).

The stored ``reason`` is English; this words the same evidence again, through the gettext
catalogue, naming topics by their display names and the community by its title in the
user's language (the stored community label is English).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from web.translate import gettext as _

#: At most this many pieces of evidence are worded (the recommender's ``MAX_PARTS``).
MAX_PARTS = 2
#: At most this many names are listed.
MAX_NAMES = 3


def parse_evidence(raw: object) -> dict[str, Any]:
    """The stored ``evidence`` as a dict: a JSON object text or a mapping; anything else
    (missing, malformed, not an object) is no evidence.

    >>> parse_evidence('{"contacts": 3}')
    {'contacts': 3}
    >>> parse_evidence("not json")
    {}
    """
    if isinstance(raw, Mapping):
        return dict(raw)
    if not isinstance(raw, str):
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int:
    try:
        return int(round(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _share(value: object) -> int:
    """A 0..1 share as a whole percentage."""
    try:
        return int(round(float(value) * 100))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _names(evidence: Mapping[str, Any]) -> str:
    names = evidence.get("names")
    if not isinstance(names, list):
        return ""
    return _(", ").join(str(n) for n in names[:MAX_NAMES] if n)


def people_reasons(evidence: Mapping[str, Any], community: str,
                   topic_name: Callable[[str], str]) -> list[str]:
    """Why a person is recommended: up to ``MAX_PARTS`` sentences, strongest evidence first
    (contacts in common, same community, same purchases or engagement, same favourite topic,
    closeness in the wider network), else how well connected they are. ``community`` names
    the viewer's community (its title in the user's language), ``topic_name`` a topic code."""
    parts: list[str] = []
    n = _int(evidence.get("contacts_in_common"))
    if n > 0:
        names = _names(evidence)
        parts.append((_("%(num)d contact in common", num=n) if n == 1
                       else _("%(num)d contacts in common", num=n))
                     + (_(": %(names)s", names=names) if names else ""))
    if "community" in evidence:
        parts.append(_("in your community %(community)s", community=community))
    bought = _int(evidence.get("bought_same"))
    engaged = _int(evidence.get("engaged_same"))
    if bought > 0:
        parts.append(_("bought the same course as you") if bought == 1
                       else _("bought %(num)d of the same courses as you", num=bought))
    elif engaged > 0:
        parts.append(_("engaged %(num)d content you engaged", num=engaged) if engaged == 1
                       else _("engaged %(num)d contents you engaged", num=engaged))
    topic = evidence.get("topic")
    if isinstance(topic, str) and topic:
        parts.append(_("you both engage most with %(topic)s", topic=topic_name(topic)))
    if not parts and evidence.get("wider_network"):
        parts.append(_("close to you in the wider network (contacts of your contacts)"))
    if not parts:
        contacts = _int(evidence.get("contacts"))
        parts.append(_("well connected: %(num)d contact", num=contacts) if contacts == 1
                       else _("well connected: %(num)d contacts", num=contacts))
    return parts[:MAX_PARTS]


def content_reasons(evidence: Mapping[str, Any], community: str,
                    topic_name: Callable[[str], str]) -> list[str]:
    """Why a content is recommended: up to ``MAX_PARTS`` sentences (made by one of the
    viewer's contacts, engaged by their contacts, liked by people of similar taste, popular in
    their community, on a topic they engage with), else how many engaged it."""
    parts: list[str] = []
    creator = evidence.get("creator_contact")
    if isinstance(creator, str) and creator:
        parts.append(_("by %(name)s, one of your contacts", name=creator))
    n = _int(evidence.get("contacts_engaged"))
    if n > 0:
        names = _names(evidence)
        parts.append(_("%(num)d of your contacts engaged it", num=n)
                     + (_(": %(names)s", names=names) if names else ""))
    if evidence.get("similar_tastes") and not parts:
        parts.append(_("engaged by people who engage what you engage"))
    if "community" in evidence:
        parts.append(_("popular in your community %(community)s: %(share)d%% engaged it",
                       community=community, share=_share(evidence.get("community_share"))))
    topic = evidence.get("topic")
    if isinstance(topic, str) and topic:
        parts.append(_("on %(topic)s, %(share)d%% of what you engage",
                       topic=topic_name(topic), share=_share(evidence.get("topic_share"))))
    if not parts:
        engaged = _int(evidence.get("engaged"))
        parts.append(_("popular: %(num)d person engaged it", num=engaged) if engaged == 1
                       else _("popular: %(num)d persons engaged it", num=engaged))
    return parts[:MAX_PARTS]


def reason_text(kind: str, evidence: object, community: str,
                topic_name: Callable[[str], str]) -> str:
    """The reason of one recommendation of ``kind`` (``people`` or ``content``) from its
    stored ``evidence``, its sentences joined by the language's separator."""
    found = parse_evidence(evidence)
    word = people_reasons if kind == "people" else content_reasons
    return _("; ").join(word(found, community, topic_name))
