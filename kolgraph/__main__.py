"""``python -m kolgraph ARGS``: the ``kolgraph`` command line."""

from kolgraph.cli import main

main()
