"""Error pages and JSON errors: status, a short message, never a stack trace.

The use-cases' errors (``graph.errors``) are answered here, in one place: ``InvalidInput`` a
400 naming the parameter (``parameter k: ...``; the JSON error object adds ``param``),
``NotFound`` a 404, ``NotReady`` a 503, ``Conflict`` a 409; any other ``KolgraphError`` is an
unexpected server error (500, logged)."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException, InternalServerError

from graph.errors import Conflict, InvalidInput, KolgraphError, NotFound, NotReady

log = logging.getLogger("kolgraph.web")

TITLES = {400: "Bad request", 401: "Log-in needed", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 413: "Request too large",
          429: "Too many attempts", 500: "Server error", 503: "Not ready"}
STATUS = ((InvalidInput, 400), (NotFound, 404), (Conflict, 409), (NotReady, 503))


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def _render(code: int, message: str,
            param: str | None = None) -> Response | tuple[Response | str, int]:
    if wants_json():
        body = {"error": TITLES.get(code, "Error"), "status": code, "message": message}
        return jsonify({**body, "param": param} if param else body), code
    if code == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return render_template("error.html", code=code, title=TITLES.get(code, "Error"),
                           message=message), code


def handle_http(exc: HTTPException) -> Response | tuple[Response | str, int]:
    code = exc.code or 500
    message = exc.description if code != 500 else "something went wrong on the server"
    return _render(code, message or "")


def handle_kolgraph(exc: KolgraphError) -> Response | tuple[Response | str, int]:
    """A use-case's error: its status, and its message naming the parameter at fault."""
    code = next((status for cls, status in STATUS if isinstance(exc, cls)), None)
    if code is None:
        return handle_unexpected(exc)
    if exc.param is None:
        return _render(code, exc.message)
    return _render(code, f"parameter {exc.param}: {exc.message}", exc.param)


def handle_unexpected(exc: Exception) -> Response | tuple[Response | str, int]:
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _render(500, "something went wrong on the server; the error was logged")


def install(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(KolgraphError, handle_kolgraph)
    app.register_error_handler(InternalServerError, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
