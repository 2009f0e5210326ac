"""Error pages and JSON errors: status, a short message, never a stack trace.

A bad request parameter is a 400 naming it: ``ParameterError`` for the parameters the web
parses itself (``web.params``), and the use-cases' ``InvalidInput`` (``graph.errors``). Every
error of the use-cases is answered here, in one place: ``InvalidInput`` a 400 (``parameter k:
...``; the JSON error object names it in ``parameter`` too), ``NotFound`` a 404, ``NotReady``
a 503, ``Conflict`` a 409; any other ``KolgraphError`` is an unexpected server error (500,
logged).

A database that does not answer (``DatabaseUnavailable``: down, restarting, loading its data)
is a 503 with ``Retry-After`` and a page that says so in the user's words; for the embedded
database the app also starts a restart (``web.dbwatch``), and answers 503 without touching the
database while that runs."""

from __future__ import annotations

import logging

from flask import (
    Flask,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError
from werkzeug.wrappers import Response as BaseResponse

from graph.errors import Conflict, InvalidInput, KolgraphError, NotFound, NotReady
from graph.store.base import DatabaseUnavailable
from web.context import get_context

log = logging.getLogger("kolgraph.web")

TITLES = {400: "Bad request", 401: "Log-in needed", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 413: "Request too large",
          429: "Too many attempts", 500: "Server error", 503: "Not ready"}
KEPT_HEADERS = ("Retry-After", "Allow")
STATUS = ((InvalidInput, 400), (NotFound, 404), (Conflict, 409), (NotReady, 503))
UNAVAILABLE = ("the database is not available right now: it is restarting or loading its "
               "data. Try again in a minute.")
RETRY_AFTER_S = 30


class ParameterError(BadRequest):
    """Request parameter ``parameter`` is missing or invalid: a 400 naming it.

    >>> error = ParameterError("page", "must be in 1..100000, got 0")
    >>> error.code, error.parameter, error.description
    (400, 'page', 'parameter page: must be in 1..100000, got 0')
    """

    def __init__(self, parameter: str, message: str):
        super().__init__(description=f"parameter {parameter}: {message}")
        self.parameter = parameter
        self.message = message


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def _render(code: int, message: str,
            parameter: str | None = None) -> BaseResponse | tuple[Response | str, int]:
    if wants_json():
        body: dict[str, str | int] = {"error": TITLES.get(code, "Error"), "status": code,
                                      "message": message}
        if parameter is not None:
            body["parameter"] = parameter
        return jsonify(body), code
    if code == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return render_template("error.html", code=code, title=TITLES.get(code, "Error"),
                           message=message, parameter=parameter), code


def handle_http(exc: HTTPException) -> BaseResponse:
    """An HTTP error: its page or JSON error, keeping its ``Retry-After`` (429) and
    ``Allow`` (405) headers."""
    code = exc.code or 500
    message = exc.description if code != 500 else "something went wrong on the server"
    if code == 413:
        message = (f"the request is too large (a body holds at most "
                   f"{current_app.config['MAX_CONTENT_LENGTH']:,} bytes)")
    parameter = exc.parameter if isinstance(exc, ParameterError) else None
    response = make_response(_render(code, message or "", parameter))
    for name, value in exc.get_headers():
        if name in KEPT_HEADERS:
            response.headers[name] = value
    return response


def handle_kolgraph(exc: KolgraphError) -> BaseResponse | tuple[Response | str, int]:
    """A use-case's error: its status, and its message naming the parameter at fault."""
    code = next((status for cls, status in STATUS if isinstance(exc, cls)), None)
    if code is None:
        return handle_unexpected(exc)
    if exc.param is None:
        return _render(code, exc.message)
    return _render(code, f"parameter {exc.param}: {exc.message}", exc.param)


def _unavailable() -> Response:
    if wants_json():
        response = jsonify({"error": "Database unavailable", "status": 503,
                            "message": UNAVAILABLE})
    else:
        response = make_response(render_template(
            "error.html", code=503, title="Database unavailable", message=UNAVAILABLE,
            parameter=None))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def handle_unavailable(exc: DatabaseUnavailable) -> Response:
    """The database did not answer: 503, and (embedded) a restart in the background."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    get_context().database.restart_soon()
    return _unavailable()


def while_restarting() -> Response | None:
    """Before each request: 503 at once while the embedded database is being restarted."""
    if request.endpoint == "static":
        return None
    return _unavailable() if get_context().database.restarting else None


def handle_unexpected(exc: Exception) -> BaseResponse | tuple[Response | str, int]:
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _render(500, "something went wrong on the server; the error was logged")


def install(app: Flask) -> None:
    app.before_request(while_restarting)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DatabaseUnavailable, handle_unavailable)
    app.register_error_handler(KolgraphError, handle_kolgraph)
    app.register_error_handler(InternalServerError, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
