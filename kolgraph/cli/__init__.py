"""The ``kolgraph`` command line: a front end over ``kolgraph.usecases``.

``main`` is the console script; ``cli`` the click group, whose subcommands are the modules of
``kolgraph.cli.commands`` registered as entry points (``kolgraph.commands`` in
``pyproject.toml``) and imported only when they run, so ``kolgraph --help`` stays fast.
"""

from kolgraph.cli.main import cli, main

__all__ = ["cli", "main"]
