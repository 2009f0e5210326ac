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
from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    Unauthorized,
)
from werkzeug.exceptions import NotFound as HTTPNotFound
from werkzeug.wrappers import Response as BaseResponse

from graph.errors import Conflict, InvalidInput, KolgraphError, NotFound, NotReady
from graph.store.base import DatabaseUnavailable
from web.context import get_context
from web.translate import gettext as _
from web.translate import lazy_gettext as _l

log = logging.getLogger("kolgraph.web")

TITLES = {400: _l("Bad request"), 401: _l("Log-in needed"), 403: _l("Forbidden"),
          404: _l("Not found"), 405: _l("Method not allowed"), 409: _l("Conflict"),
          413: _l("Request too large"), 429: _l("Too many attempts"), 500: _l("Server error"),
          503: _l("Not ready")}
# werkzeug's English default descriptions, replaced by translated ones
_GENERIC = {404: HTTPNotFound.description, 405: MethodNotAllowed.description,
            403: Forbidden.description, 401: Unauthorized.description}
_GENERIC_TEXT = {
    404: _l("The requested URL was not found on the server."),
    405: _l("The method is not allowed for the requested URL."),
    403: _l("You don't have the permission to access the requested resource."),
    401: _l("Log in first."),
}
KEPT_HEADERS = ("Retry-After", "Allow")
STATUS = ((InvalidInput, 400), (NotFound, 404), (Conflict, 409), (NotReady, 503))
UNAVAILABLE = _l("the database is not available right now: it is restarting or loading its "
                 "data. Try again in a minute.")
RETRY_AFTER_S = 30


class ParameterError(BadRequest):
    """Request parameter ``parameter`` is missing or invalid: a 400 naming it.

    >>> error = ParameterError("page", "must be in 1..100000, got 0")
    >>> error.code, error.parameter, error.description
    (400, 'page', 'parameter page: must be in 1..100000, got 0')
    """

    def __init__(self, parameter: str, message: str):
        super().__init__(description=parameter_message(parameter, message))
        self.parameter = parameter
        self.message = message


def parameter_message(parameter: str, message: str) -> str:
    """``parameter NAME: MESSAGE`` in the request's language (``参数 NAME：MESSAGE``)."""
    return str(_("parameter %(name)s: %(message)s", name=parameter, message=message))


def _title(code: int) -> str:
    return str(TITLES.get(code, _l("Error")))


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def json_error(code: int, message: str, parameter: str | None = None) -> tuple[Response, int]:
    """The API's JSON error ``{error, status, message[, parameter]}`` and its status."""
    body: dict[str, str | int] = {"error": _title(code), "status": code, "message": message}
    if parameter is not None:
        body["parameter"] = parameter
    return jsonify(body), code


def describe(exc: Exception) -> tuple[int, str, str | None]:
    """How the error pages show a use-case's error ``exc`` that was caught and kept (a
    background job's): ``(status, message in the request's language, parameter or None)``;
    an unexpected error is a 500 with the server error's message (it was logged where it
    was caught)."""
    if isinstance(exc, KolgraphError):
        code = next((status for cls, status in STATUS if isinstance(exc, cls)), None)
        if code is not None:
            if exc.param is None:
                return code, exc.message, None
            return code, parameter_message(exc.param, exc.message), exc.param
    return 500, _("something went wrong on the server; the error was logged"), None


def _render(code: int, message: str,
            parameter: str | None = None) -> BaseResponse | tuple[Response | str, int]:
    if wants_json():
        return json_error(code, message, parameter)
    if code == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return render_template("error.html", code=code, title=_title(code),
                           message=message, parameter=parameter), code


def handle_http(exc: HTTPException) -> BaseResponse:
    """An HTTP error: its page or JSON error, keeping its ``Retry-After`` (429) and
    ``Allow`` (405) headers."""
    code = exc.code or 500
    message = exc.description if code != 500 else _("something went wrong on the server")
    if isinstance(exc, ParameterError):
        message = parameter_message(exc.parameter, exc.message)
    elif code == 413:
        message = _("the request is too large (a body holds at most %(limit)s bytes)",
                    limit=f"{current_app.config['MAX_CONTENT_LENGTH']:,}")
    elif code in _GENERIC and message == _GENERIC[code]:
        message = str(_GENERIC_TEXT[code])
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
    return _render(code, parameter_message(exc.param, exc.message), exc.param)


def _unavailable() -> Response:
    if wants_json():
        response = jsonify({"error": _("Database unavailable"), "status": 503,
                            "message": str(UNAVAILABLE)})
    else:
        response = make_response(render_template(
            "error.html", code=503, title=_("Database unavailable"), message=str(UNAVAILABLE),
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
    return _render(500, _("something went wrong on the server; the error was logged"))


def install(app: Flask) -> None:
    app.before_request(while_restarting)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DatabaseUnavailable, handle_unavailable)
    app.register_error_handler(KolgraphError, handle_kolgraph)
    app.register_error_handler(InternalServerError, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
