"""Admin pages (admin role): users (list, add, remove, change role); starting analyze,
refresh or train runs in the background with their parameters (``web.job_params``), and each
job's log, read by job id as the run writes it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from graph.errors import Conflict, InvalidInput
from web import params
from web.context import current_run, get_context
from web.errors import parameter_message
from web.i18n import term
from web.job_params import ALGORITHMS, DEFAULT_ALGORITHM
from web.security import current_user, requires
from web.translate import gettext as _
from web.users import ROLES, UserError

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page(message: str | None = None, error: str | None = None,
          status: int = 200) -> tuple[str, int]:
    ctx = get_context()
    analysis = ((current_run("analyze") or {}).get("params") or {})
    defaults = {"resolution": analysis.get("resolution", 1.0),
                "algorithm": analysis.get("algorithm", DEFAULT_ALGORITHM),
                "min_community_size": analysis.get("min_community_size", ""),
                "k": 10, "epochs": 150}
    jobs = ctx.jobs.list()
    return render_template("admin.html", users=ctx.users.list(), roles=ROLES, jobs=jobs,
                           message=message, error=error, defaults=defaults,
                           resolution=defaults["resolution"], algorithms=ALGORITHMS,
                           follow=_followed(jobs)), status


def _followed(jobs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The job whose log the page shows: ``follow`` (a job id) when it is one of the listed
    jobs, else the newest job."""
    wanted = request.args.get("follow")
    return next((j for j in jobs if j["job_id"] == wanted), jobs[0] if jobs else None)


@bp.route("/")
@requires("admin")
def admin() -> tuple[str, int]:
    return _page(request.args.get("message"))


@bp.route("/users", methods=["POST"])
@requires("admin")
def users() -> Response | tuple[str, int]:
    """POST ``action`` (add, remove, role), ``name``, ``role``, ``password``."""
    ctx = get_context()
    form = params.user_form()
    user = current_user()
    assert user is not None
    try:
        if form.action == "add":
            ctx.users.add(form.name, form.role, form.password)
            message = _("user %(name)s saved", name=form.name)
        elif form.action == "remove":
            ctx.users.remove(form.name, by=user.name)
            message = _("user %(name)s removed", name=form.name)
        else:  # "role"
            ctx.users.set_role(form.name, form.role, by=user.name)
            message = _("user %(name)s is now %(role)s", name=form.name,
                        role=term(form.role))
    except UserError as exc:
        return _page(error=parameter_message(exc.param or "name", exc.message), status=400)
    return redirect(url_for("admin.admin", message=message), code=303)


@bp.route("/jobs", methods=["POST"])
@requires("admin")
def jobs() -> Response | tuple[str, int]:
    """POST ``kind`` (analyze, refresh or train) and its parameters (analyze: ``resolution``,
    ``algorithm``, ``min_community_size``; refresh: ``k``, ``epochs``, ``retrain``; train:
    ``epochs``): start that run in a child process; the page then follows its log."""
    user = current_user()
    assert user is not None
    kind = params.job_kind()
    try:
        job = get_context().jobs.start(kind, user.name, request.form.to_dict())
    except Conflict:
        return _page(error=_("a %(kind)s job is already running", kind=term(kind)), status=409)
    except InvalidInput as exc:
        return _page(error=str(exc) if exc.param != "kind" else
                     parameter_message("kind", exc.message), status=400)
    return redirect(url_for("admin.admin", message=_("started %(job)s", job=job.job_id),
                            follow=job.job_id, _anchor="job-log"), code=303)


@bp.route("/jobs/<job_id>/log")
@requires("admin")
def job_log(job_id: str) -> Response:
    """GET ``offset`` (bytes already shown, default 0): JSON ``{job_id, text, offset,
    next_offset, status, exit_code, done}`` — the job's log from ``offset`` (whole lines while
    it runs) and its state; ask again from ``next_offset`` until ``done``. 404 for an id that
    is not a job's."""
    raw = request.args.get("offset", "0").strip() or "0"
    try:
        offset = int(raw)
    except ValueError:
        raise InvalidInput("offset", _("expected a whole number, got %(raw)s",
                                       raw=repr(raw))) from None
    chunk = get_context().jobs.read_log(job_id, offset)
    response = jsonify(chunk.to_dict())
    response.headers["Cache-Control"] = "no-store"
    return response
