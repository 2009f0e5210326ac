"""The failures kolgraph expects, in one hierarchy with one root, ``KolgraphError``.

They are defined here, in the lowest layer, so that every layer can raise them: the pure
algorithms, the store, the GNN part and the use-cases. A message names the value at fault
the way the raiser's caller named it (``InvalidInput("resolution", "must be > 0")``: the
parameter of the function or request), never the way one front end spells it: the CLI turns
``param`` into its flag (``error: --resolution: must be > 0``, exit status 2), the web app
into a 400 page or JSON error object naming the parameter.

Classes (the front ends map them; other modules' errors subclass them):

- ``InvalidInput``: a value the caller gave is wrong (CLI exit 2, HTTP 400).
- ``NotFound``: something the caller named does not exist (HTTP 404).
- ``NotReady``: a step this one needs has not run yet, e.g. no analyze run (HTTP 503).
- ``Conflict``: the request collides with work already running (HTTP 409).
- anything else under ``KolgraphError``: an expected failure of the environment (the
  database, a file); one line, no stack trace.

>>> str(InvalidInput("k", "must be at least 1, got 0"))
'k: must be at least 1, got 0'
>>> err = NotFound("no person 'x'", param="person_id")
>>> (err.param, err.message, isinstance(err, LookupError))
('person_id', "no person 'x'", True)
"""

from __future__ import annotations


class KolgraphError(Exception):
    """Root of the failures kolgraph expects: ``message`` is for the user, and ``param``
    (or ``None``) names the value at fault as the caller named it."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param

    def __str__(self) -> str:
        return f"{self.param}: {self.message}" if self.param else self.message


class InvalidInput(KolgraphError, ValueError):
    """A value the caller gave is wrong: ``param`` names it (``None`` when the value is not
    one parameter, e.g. a query typed by hand: the message then says what is wrong)."""

    def __init__(self, param: str | None, message: str) -> None:
        super().__init__(message, param=param)
        self.args = (param, message)


class NotFound(KolgraphError, LookupError):
    """Something the caller named (a person, a model, a query) does not exist."""


class NotReady(KolgraphError):
    """A step this one needs has not run yet (no persons ingested, no analyze run, no
    refresh run, too little data to train on)."""


class Conflict(KolgraphError):
    """The request collides with work already running (another ingest holds the lock, a
    job of the same kind runs)."""
