"""The Cypher files of kolgraph, shipped inside the package as data.

- ``schema/<dialect>.cypher``: the unique keys and indexes per backend (``falkordb``,
  ``neo4j``), applied by ``kolgraph db schema`` (``graph.store.schema``).
- ``library/<name>.cypher``: the analysts' named, parameterized queries, one per file with a
  header comment (``graph.querylib``; ``kolgraph query --list``).

Read them with ``importlib.resources.files("cypher")``, never by a path relative to the
source tree: from an installed wheel they are wherever the package is.
"""
