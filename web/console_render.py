"""How the console shows the plain values of a result (``graph.query_values.plain``): maps
and lists as Cypher-like text, nodes as ``(:Label {key: value})``, relationships as
``-[:TYPE {…}]->``, paths as node–relationship–node steps, and the nodes and edges of a
result for the graph view. Pure functions: no request, no database.

>>> cypher_text({"name": "周", "tags": ["a", 1, None]})
'{name: "周", tags: ["a", 1, null]}'
>>> node = {"~type": "node", "id": "1", "labels": ["Person"], "name": "周",
...         "properties": {"person_id": "P1", "display_name": "周"}}
>>> node_text(node)
'(:Person {display_name: "周", person_id: "P1"})'
"""

from __future__ import annotations

import json
import math
from typing import Any

from graph.query_values import NAME_PROPERTIES, TYPE_KEY

#: Properties a chip shows (the rest are in its tooltip).
CHIP_PROPERTIES = 3
#: Most nodes the graph view draws.
GRAPH_NODE_CAP = 500


def kind(value: Any) -> str:
    """``"node"``, ``"relationship"``, ``"path"``, ``"list"``, ``"map"``, ``"number"``,
    ``"null"`` or ``"text"`` (booleans too) for a plain value."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return str(value.get(TYPE_KEY) or "map")
    if isinstance(value, list):
        return "list"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return "text"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return f"{value:.1f}"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _key(name: str) -> str:
    return name if name.replace("_", "a").isalnum() and not name[:1].isdigit() else f"`{name}`"


def _properties(props: dict[str, Any], limit: int | None = None) -> str:
    """``{key: value, …}``: the name properties first; ``limit`` of them, then ``…``."""
    keys = sorted(props, key=lambda k: (NAME_PROPERTIES.index(k) if k in NAME_PROPERTIES
                                        else len(NAME_PROPERTIES), k))
    shown = keys if limit is None else keys[:limit]
    parts = [f"{_key(k)}: {cypher_text(props[k])}" for k in shown]
    if len(shown) < len(keys):
        parts.append("…")
    return "{" + ", ".join(parts) + "}" if parts else ""


def cypher_text(value: Any, limit: int | None = None) -> str:
    """A plain value as Cypher-like text (strings quoted, maps ``{key: value}``, lists
    ``[…]``, ``null``); nodes, relationships and paths as ``node_text``/``rel_text``/
    ``path_text``; ``limit`` caps the properties shown per node or relationship."""
    match kind(value):
        case "node":
            return node_text(value, limit)
        case "relationship":
            return rel_text(value, limit)
        case "path":
            return path_text(value, limit)
        case "map":
            return "{" + ", ".join(f"{_key(k)}: {cypher_text(v, limit)}"
                                   for k, v in value.items()) + "}"
        case "list":
            return "[" + ", ".join(cypher_text(v, limit) for v in value) + "]"
    return _scalar(value)


def node_text(node: dict[str, Any], limit: int | None = None) -> str:
    """``(:Label {key: value, …})``."""
    labels = "".join(f":{label}" for label in node.get("labels", []))
    props = _properties(node.get("properties", {}), limit)
    return f"({labels}{' ' if labels and props else ''}{props})"


def rel_text(rel: dict[str, Any], limit: int | None = None) -> str:
    """``-[:TYPE {key: value}]->``."""
    props = _properties(rel.get("properties", {}), limit)
    return f"-[:{rel.get('rel_type', '')}{' ' if props else ''}{props}]->"


def path_steps(path: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """A path as ``(element, direction)`` steps: node, relationship, node, …; a
    relationship's direction is ``"->"`` when it points along the path, ``"<-"`` when it
    points back."""
    nodes, rels = path.get("nodes", []), path.get("relationships", [])
    steps: list[tuple[dict[str, Any], str]] = []
    for index, node in enumerate(nodes):
        steps.append((node, ""))
        if index < len(rels):
            rel = rels[index]
            steps.append((rel, "->" if rel.get("start") == node.get("id") else "<-"))
    return steps


def path_text(path: dict[str, Any], limit: int | None = None) -> str:
    """``(:A {…})-[:T]->(:B {…})<-[:U]-(:C {…})``."""
    out = []
    for element, direction in path_steps(path):
        if not direction:
            out.append(node_text(element, limit))
        else:
            text = rel_text(element, limit)
            out.append(text if direction == "->" else "<" + text[:-1])
    return "".join(out)


def _walk(value: Any, nodes: dict[str, dict[str, Any]], rels: dict[str, dict[str, Any]]) -> None:
    match kind(value):
        case "node":
            nodes.setdefault(value["id"], value)
        case "relationship":
            rels.setdefault(value["id"], value)
        case "path":
            for item in (*value.get("nodes", []), *value.get("relationships", [])):
                _walk(item, nodes, rels)
        case "map":
            for item in value.values():
                _walk(item, nodes, rels)
        case "list":
            for item in value:
                _walk(item, nodes, rels)


def graph_elements(rows: list[list[Any]]) -> dict[str, Any]:
    """The nodes and relationships found anywhere in ``rows`` (plain values), for the graph
    view: ``{"nodes": [{"id", "label", "labels", "title"}], "edges": [{"id", "source",
    "target", "label"}], "cut": bool}``; at most ``GRAPH_NODE_CAP`` nodes, a relationship
    whose end is not among them is left out (``cut`` says whether any was).

    >>> n1 = {"~type": "node", "id": "1", "labels": ["A"], "name": "x", "properties": {}}
    >>> n2 = dict(n1, id="2", name="")
    >>> r = {"~type": "relationship", "id": "9", "rel_type": "T", "start": "1", "end": "2",
    ...      "properties": {}}
    >>> g = graph_elements([[{"~type": "path", "nodes": [n1, n2], "relationships": [r]}]])
    >>> [n["label"] for n in g["nodes"]], g["edges"]
    (['x', ':A'], [{'id': 'r9', 'source': '1', 'target': '2', 'label': 'T'}])
    """
    nodes: dict[str, dict[str, Any]] = {}
    rels: dict[str, dict[str, Any]] = {}
    for row in rows:
        _walk(row, nodes, rels)
    kept = dict(list(nodes.items())[:GRAPH_NODE_CAP])
    edges = [{"id": "r" + r["id"], "source": r["start"], "target": r["end"],
              "label": r.get("rel_type", "")}
             for r in rels.values() if r["start"] in kept and r["end"] in kept]
    return {"nodes": [{"id": n["id"],
                       "label": n.get("name") or "".join(f":{x}" for x in n.get("labels", [])),
                       "labels": n.get("labels", []), "title": node_text(n)}
                      for n in kept.values()],
            "edges": edges, "cut": len(kept) < len(nodes) or len(edges) < len(rels)}
