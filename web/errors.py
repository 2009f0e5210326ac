"""Error pages and JSON errors: status, a short message, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("kolgraph.web")

TITLES = {400: "Bad request", 401: "Log-in needed", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 413: "Request too large", 429: "Too many attempts",
          500: "Server error"}


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def _render(code: int, message: str) -> Response | tuple[Response | str, int]:
    if wants_json():
        return jsonify({"error": TITLES.get(code, "Error"), "status": code,
                        "message": message}), code
    if code == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return render_template("error.html", code=code, title=TITLES.get(code, "Error"),
                           message=message), code


def handle_http(exc: HTTPException) -> Response | tuple[Response | str, int]:
    code = exc.code or 500
    message = exc.description if code != 500 else "something went wrong on the server"
    return _render(code, message or "")


def handle_unexpected(exc: Exception) -> Response | tuple[Response | str, int]:
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _render(500, "something went wrong on the server; the error was logged")


def install(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
