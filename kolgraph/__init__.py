"""The application layers of kolgraph, above the core packages.

- ``kolgraph.usecases``: one module per use-case (ingest, analyze, seeds, train, refresh,
  recommend, export, runs, users, db, query, sample), the application logic both front ends
  call; it composes ``graph`` and ``gnn`` and knows neither click nor Flask.
- ``kolgraph.workflow``: the sample -> ingest -> analyze -> refresh flow (``kolgraph demo``,
  the web tests' set-up, the web benchmark).
- ``kolgraph.cli``: the ``kolgraph`` command line, a front end over the use-cases.

Layers, each importing only those before it: ``graph`` < ``gnn`` < ``kolgraph.usecases``,
``kolgraph.workflow`` < ``web`` and ``kolgraph.cli`` (front ends; the CLI's ``serve`` and
``user`` commands start or administer the web app).
"""
