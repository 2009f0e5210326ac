"""The choices an analysis takes — community algorithm and analytics engine — importable
without the libraries that run it (igraph, numpy), so that front ends list them cheaply."""

from __future__ import annotations

#: Community detection: igraph's multilevel Louvain or Leiden (``communities.py``).
ALGORITHMS: tuple[str, ...] = ("louvain", "leiden")
DEFAULT_ALGORITHM = "leiden"
#: Where communities and PageRank run: in Python (igraph) or inside Neo4j with GDS.
ENGINES: tuple[str, ...] = ("python", "gds")
