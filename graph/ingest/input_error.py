"""``InputError``: an input file that cannot be read at all."""

from __future__ import annotations

from graph.errors import KolgraphError


class InputError(KolgraphError, ValueError):
    """A file cannot be read at all; the message names the file (and column or line)."""
