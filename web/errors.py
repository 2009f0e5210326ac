"""Error pages and JSON errors: status, a short message, never a stack trace.

A bad request parameter raises ``ParameterError`` (``web.params`` raises it for every
parameter it parses): a 400 whose message starts with ``parameter NAME:``; the API's JSON error
names it in ``parameter`` too. Input errors raised below the web reach it through
``input_error``."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError
from werkzeug.wrappers import Response as BaseResponse

log = logging.getLogger("kolgraph.web")

TITLES = {400: "Bad request", 401: "Log-in needed", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 413: "Request too large", 429: "Too many attempts",
          500: "Server error"}


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


_OPTION = re.compile(r"^--([a-z][a-z0-9-]*): ")


def input_error(message: str) -> BadRequest:
    """The 400 for an input error raised below the web (an analysis or a plan refusing a
    value). Those errors name the option of the command line (``--community: no community
    7 ...``); the option becomes the parameter of a ``ParameterError``, and a message that
    names none is a plain 400.

    >>> input_error("--community: no community 7 in the current analyze run").description
    'parameter community: no community 7 in the current analyze run'
    >>> input_error("the graph has no persons").description
    'the graph has no persons'
    """
    found = _OPTION.match(message)
    if found is None:
        return BadRequest(description=message)
    return ParameterError(found.group(1).replace("-", "_"), message[found.end():])


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


def handle_http(exc: HTTPException) -> BaseResponse | tuple[Response | str, int]:
    code = exc.code or 500
    message = exc.description if code != 500 else "something went wrong on the server"
    parameter = exc.parameter if isinstance(exc, ParameterError) else None
    return _render(code, message or "", parameter)


def handle_unexpected(exc: Exception) -> BaseResponse | tuple[Response | str, int]:
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _render(500, "something went wrong on the server; the error was logged")


def install(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
