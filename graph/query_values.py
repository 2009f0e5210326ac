"""The values of an analyst's query result as plain, JSON-ready data, whatever the database.

FalkorDB's client returns ``falkordb.Node``/``Edge``/``Path`` objects, Neo4j's driver
``neo4j.graph.Node``/``Relationship``/``Path`` and its own temporal types; ``plain`` turns
either into the same structure, so the console, the query API and their tests see one form:

- ``None``, booleans, integers, strings: themselves; a finite float: itself; a NaN or an
  infinity: the text ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` (JSON has no such number);
- lists (and tuples) and maps: lists and maps of plain values (map keys as text);
- dates, times and durations: ISO 8601 text;
- a node: ``{"~type": "node", "id", "labels", "properties", "name"}``;
- a relationship: ``{"~type": "relationship", "id", "rel_type", "start", "end",
  "properties"}`` (``start``/``end``: node ids);
- a path: ``{"~type": "path", "nodes": [node...], "relationships": [relationship...]}``;
- anything else: its text.

Node and relationship ids are text (``"12"`` on FalkorDB, Neo4j's element id); ``name`` is
the property a person would recognise the node by (``display_name``, ``name``, ``title``, a
key), ``""`` when it has none. A property named ``embedding`` (a long vector) is left out.
The module imports neither driver: it recognises their objects by their attributes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

TYPE_KEY = "~type"
#: Properties tried, in order, for the name shown on a node.
NAME_PROPERTIES = ("display_name", "name", "title", "person_id", "account_key",
                   "content_key", "run_id", "model_id", "community_id", "platform")
_HIDDEN = frozenset({"embedding"})


def plain(value: Any) -> Any:
    """``value`` (a cell of a query result from either database) as plain data, see the
    module docstring.

    >>> plain([1, 2.5, float("nan"), {"a": (True, None)}])
    [1, 2.5, 'NaN', {'a': [True, None]}]
    >>> plain(dt.date(2024, 5, 1))
    '2024-05-01'
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return value if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if (graph := _graph_value(value)) is not None:  # before Mapping: Neo4j's nodes are ones
        return graph
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _iso_duration(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if callable(getattr(value, "iso_format", None)):  # neo4j.time types
        return str(value.iso_format())
    return str(value)


def is_graph(value: Any) -> bool:
    """Whether the plain ``value`` is (or holds) a node, a relationship or a path.

    >>> is_graph([{"~type": "node"}]), is_graph({"n": 1})
    (True, False)
    """
    if isinstance(value, list):
        return any(is_graph(v) for v in value)
    if isinstance(value, dict):
        return TYPE_KEY in value or any(is_graph(v) for v in value.values())
    return False


def node_name(properties: Mapping[str, Any]) -> str:
    """The text a person recognises a node by: its first property of ``NAME_PROPERTIES``.

    >>> node_name({"person_id": "P1", "display_name": "周叔"}), node_name({"x": 1})
    ('周叔', '')
    """
    for key in NAME_PROPERTIES:
        if properties.get(key) not in (None, ""):
            return str(properties[key])
    return ""


def _properties(items: Any) -> dict[str, Any]:
    return {str(k): plain(v) for k, v in dict(items).items() if k not in _HIDDEN}


def _node(node_id: Any, labels: Any, properties: dict[str, Any]) -> dict[str, Any]:
    return {TYPE_KEY: "node", "id": str(node_id), "labels": sorted(str(x) for x in labels),
            "properties": properties, "name": node_name(properties)}


def _relationship(rel_id: Any, rel_type: Any, start: Any, end: Any,
                  properties: dict[str, Any]) -> dict[str, Any]:
    return {TYPE_KEY: "relationship", "id": str(rel_id), "rel_type": str(rel_type),
            "start": str(start), "end": str(end), "properties": properties}


def _end_id(end: Any) -> Any:
    """A FalkorDB edge's end: a ``Node`` or its bare id."""
    return getattr(end, "id", end)


def _graph_value(value: Any) -> dict[str, Any] | None:
    """A node, relationship or path of either driver as plain data; ``None`` for others."""
    if hasattr(value, "element_id"):  # neo4j.graph.Node / Relationship
        if hasattr(value, "labels"):
            return _node(value.element_id, value.labels, _properties(value.items()))
        if hasattr(value, "start_node"):
            return _relationship(value.element_id, value.type, value.start_node.element_id,
                                 value.end_node.element_id, _properties(value.items()))
    if hasattr(value, "relationships") and hasattr(value, "start_node"):  # neo4j Path
        return {TYPE_KEY: "path", "nodes": [plain(n) for n in value.nodes],
                "relationships": [plain(r) for r in value.relationships]}
    if hasattr(value, "labels") and isinstance(getattr(value, "properties", None), dict):
        labels = value.labels if isinstance(value.labels, (list, tuple)) else [value.labels]
        return _node(value.id, [x for x in labels if x], _properties(value.properties))
    if hasattr(value, "relation") and hasattr(value, "src_node"):  # falkordb.Edge
        return _relationship(value.id, value.relation, _end_id(value.src_node),
                             _end_id(value.dest_node), _properties(value.properties or {}))
    if callable(getattr(value, "nodes", None)) and callable(getattr(value, "edges", None)):
        return {TYPE_KEY: "path", "nodes": [plain(n) for n in value.nodes()],
                "relationships": [plain(r) for r in value.edges()]}
    return None


def _iso_duration(value: dt.timedelta) -> str:
    """``value`` as an ISO 8601 duration.

    >>> _iso_duration(dt.timedelta(days=1, seconds=90))
    'P1DT90S'
    """
    seconds = value.seconds + value.microseconds / 1e6
    return f"P{value.days}DT{seconds:g}S"
