"""One module per ``kolgraph`` command (entry points ``kolgraph.commands``)."""
