"""The use-case layer: what kolgraph does for its users, one module per use-case, called by
both front ends (the CLI, the web app), by tests and by benchmarks.

Each function takes what it works on (a ``GraphStore``, ``Settings``, a folder) and plain
values named as the use-case names them; it returns plain data and raises ``graph.errors``
classes naming the parameter at fault (``InvalidInput("k", ...)``), never front-end wording.
The layer composes ``graph`` (ingest, store, analytics) and ``gnn``; it imports neither
``click`` nor Flask, nor ``web`` nor ``kolgraph.cli``.

| module | use-case |
|---|---|
| ``db`` | apply the schema, count nodes, start/stop/inspect the embedded database |
| ``sample`` | write a sample data set |
| ``ingest`` | load platform exports |
| ``analyze`` | communities and KOL ranking, as an analyze run |
| ``seeds`` | campaign seed persons |
| ``train`` | train, list and promote recommender models |
| ``refresh`` | embeddings and recommendations, as a refresh run |
| ``recommend`` | one person's recommendations and look-alikes |
| ``export`` | persons, communities, recommendations as CSV |
| ``runs`` | run history |
| ``query`` | read-only Cypher: the library and ad-hoc queries |
| ``users`` | web users, roles and API tokens |
"""
