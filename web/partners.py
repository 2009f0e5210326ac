"""Partner pages (异业联盟, ``kolgraph.usecases.partners``): the partners with their revenue
share and a new one; one partner with its customer-list import, the overlap of its customers
with our persons (by community and platform) and the KOLs who reach them best. Viewers build
and import (the list is hashed at once, nothing raw is kept); only admins delete. Every
change is a POST with the CSRF token, made through the use-case in the user's name.

Uploads of a customer list may be larger than the app's 1 MB body limit:
``allow_large_upload`` (installed before the request checks) raises the limit for the import
route only.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from graph.errors import InvalidInput
from graph.ingest.partner_list import RowProblem
from kolgraph.usecases import partners as usecase
from web import data
from web.context import get_context
from web.display import platform_name
from web.errors import parameter_message
from web.security import current_user, requires
from web.translate import gettext as _
from web.translate import lazy_gettext as _l

bp = Blueprint("partners", __name__, url_prefix="/partners")

#: The largest customer list the import form takes (about two million phone numbers).
UPLOAD_MAX_BYTES = 64 << 20
BEST_KOLS = 20


def allow_large_upload() -> None:
    """Before the request checks: the import route takes bodies up to ``UPLOAD_MAX_BYTES``."""
    if request.endpoint == "partners.import_list":
        request.max_content_length = UPLOAD_MAX_BYTES


def _user() -> str:
    user = current_user()
    return user.name if user is not None else "?"


def _error(exc: InvalidInput) -> str:
    return parameter_message(exc.param, exc.message) if exc.param else exc.message


@bp.route("")
@requires("viewer")
def index() -> str:
    return render_template("partners.html", partners=usecase.list_all(data.store()),
                           error=None, values={})


@bp.route("", methods=["POST"])
@requires("viewer")
def create() -> Response | tuple[str, int]:
    values = {k: request.form.get(k, "") for k in ("name", "alpha", "beta")}
    try:
        partner_id = usecase.create(data.store(), values["name"], values["alpha"] or None,
                                    values["beta"] or None, _user())
    except InvalidInput as exc:  # shown next to the form, the values kept
        return render_template("partners.html", partners=usecase.list_all(data.store()),
                               error=_error(exc), values=values), 400
    return redirect(url_for("partners.show", partner_id=partner_id), code=303)


def partner_view(partner_id: str) -> dict[str, Any]:
    """The partner page's data: ``overlap`` (``usecase.Overlap``), ``platforms`` (by platform,
    named), ``communities`` (titled in the request's language) and ``kols`` (the best KOLs
    with the badge fields of ``data.identify``)."""
    found = usecase.overlap(data.store(), partner_id)
    best = usecase.best_kols(data.store(), partner_id, BEST_KOLS) if found.matched else []
    badges = data.person_badges([str(k["person_id"]) for k in best])
    titles = data.community_titles(data.analyze_run_id(required=False),
                                   {int(r["community_id"]) for r in found.by_community})
    return {"overlap": found,
            "platforms": [{**r, "name": platform_name(str(r["platform"]))}
                          for r in found.by_platform],
            "communities": [{**r, "title": titles.get(int(r["community_id"]), r["title"])}
                            for r in found.by_community],
            "kols": [{**k, "badge": badges.get(str(k["person_id"]), k)} for k in best]}


@bp.route("/<partner_id>")
@requires("viewer")
def show(partner_id: str) -> str:
    return render_template("partner.html", p=usecase.get(data.store(), partner_id),
                           v=partner_view(partner_id))


@bp.route("/<partner_id>", methods=["POST"])
@requires("viewer")
def update(partner_id: str) -> Response:
    """POST ``name``, ``alpha``, ``beta``: change them (empty: unchanged)."""
    values = {k: (request.form.get(k, "").strip() or None) for k in ("name", "alpha", "beta")}
    usecase.update(data.store(), partner_id, values, _user())
    flash(_("Partner saved."))
    return redirect(url_for("partners.show", partner_id=partner_id), code=303)


@bp.route("/<partner_id>/import", methods=["POST"])
@requires("viewer")
def import_list(partner_id: str) -> Response:
    """POST a customer list (``file``; ``hashed`` when its values come pre-hashed): hashed,
    matched against our persons and replacing the partner's earlier matches."""
    usecase.get(data.store(), partner_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("file", _("choose a CSV file of phone numbers, e-mail addresses "
                                     "or unionids"))
    name = Path(upload.filename).name
    with tempfile.TemporaryDirectory(prefix="kolgraph-partner-") as folder:
        path = Path(folder) / name
        upload.save(path)
        report = usecase.import_customers(data.store(), partner_id, path,
                                          hashed=bool(request.form.get("hashed")),
                                          salt=get_context().settings.pii_salt, user=_user())
    flash(_("%(file)s: %(rows)s rows read, %(accepted)s accepted, %(rejected)s rejected; "
            "%(matched)s of our persons matched.", file=name, rows=report.rows,
            accepted=report.accepted, rejected=report.rejected, matched=report.matched))
    for problem in report.problems[:5]:
        flash(_("line %(line)s, column %(column)s: %(reason)s", line=problem.line,
                column=problem.column, reason=problem_reason(problem)), "error")
    if report.problem_count > 5:
        flash(_("and %(count)s more problems", count=report.problem_count - 5), "error")
    return redirect(url_for("partners.show", partner_id=partner_id), code=303)


@bp.route("/<partner_id>/delete", methods=["POST"])
@requires("admin")
def delete(partner_id: str) -> Response:
    usecase.delete(data.store(), partner_id, _user())
    return redirect(url_for("partners.index"), code=303)


#: ``graph.ingest.partner_list.PROBLEM_REASONS`` in the user's language.
PROBLEM_TEXTS = {
    "invalid_phone": _l("invalid phone number (value not shown)"),
    "invalid_email": _l("invalid email address (value not shown)"),
    "invalid_unionid": _l("invalid unionid (value not shown)"),
    "already_hashed": _l("already a hash: import the file as pre-hashed"),
    "not_a_hash": _l("not a hash ('%(column)s:' and 32 hex digits, or the 32 hex digits "
                     "alone)"),
    "wrong_hash_kind": _l("a hash of a %(kind)s in column %(column)s"),
    "no_value": _l("no identity value"),
    "too_many_cells": _l("%(cells)s cells but the header has %(columns)s columns"),
}


def problem_reason(problem: RowProblem) -> str:
    """Why a row of a customer list was refused, in the request's language (the library's
    English reason for a code this page does not know)."""
    text = PROBLEM_TEXTS.get(problem.code)
    if text is None:
        return problem.reason
    return str(text) % dict(problem.params) if problem.params else str(text)
