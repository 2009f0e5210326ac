"""A network view's JSON in the request's language: what ``web/static/js/network.js`` shows
in a node's card and in the legend, formatted on the server (numbers in the locale's style,
platform names, the unassigned bucket's name) so the browser only places text."""

from __future__ import annotations

from typing import Any

from web.display import platform_name
from web.i18n import compact, num
from web.translate import gettext


def _node(node: dict[str, Any]) -> dict[str, Any]:
    accounts = node.get("accounts") or []
    main = accounts[0] if accounts else None
    out = {key: value for key, value in node.items() if key != "accounts"}
    out.update({
        "score_text": num(node.get("kol_score"), 3),
        "followers_text": compact(node.get("followers") or 0),
        "handle": f"{platform_name(main['platform'])} · {main['handle']}" if main else "",
        "platforms": [{"name": platform_name(a["platform"]),
                       "followers": compact(a.get("followers") or 0)} for a in accounts]})
    return out


def localised(graph: dict[str, Any]) -> dict[str, Any]:
    """``web.data._network``'s graph with each node's card texts (``score_text``,
    ``followers_text``, ``handle``: main platform and handle, ``platforms``: ``name`` and
    ``followers`` text of each account, in place of ``accounts``) and each community's
    ``title`` given a name when it has none (the unassigned bucket's, or ``#id``)."""
    communities = [{**c, "title": gettext("Unassigned persons") if c.get("unassigned")
                    else c.get("title") or f"#{c['id']}"}
                   for c in graph.get("communities") or []]
    return {"nodes": [_node(n) for n in graph["nodes"]], "edges": graph["edges"],
            "communities": communities}
