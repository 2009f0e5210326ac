"""Admin pages (admin role): users (list, add, remove, change role) and starting analyze (at
a resolution, by default the current run's) or refresh runs in the background."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from graph.errors import Conflict, InvalidInput
from web import params
from web.context import current_run, get_context
from web.errors import parameter_message
from web.i18n import term
from web.security import current_user, requires
from web.users import ROLES, UserError

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page(message: str | None = None, error: str | None = None,
          status: int = 200) -> tuple[str, int]:
    ctx = get_context()
    analysis = current_run("analyze")
    resolution = ((analysis or {}).get("params") or {}).get("resolution", 1.0)
    return render_template("admin.html", users=ctx.users.list(), roles=ROLES,
                           jobs=ctx.jobs.list(), message=message, error=error,
                           resolution=resolution), status


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
    """POST ``kind`` (analyze or refresh; an analyze with ``resolution``): start that run in
    a child process."""
    user = current_user()
    assert user is not None
    try:
        job = get_context().jobs.start(params.job_kind(), user.name,
                                       {"resolution": request.form.get("resolution", "")})
    except (InvalidInput, Conflict) as exc:
        return _page(error=str(exc), status=409 if isinstance(exc, Conflict) else 400)
    return redirect(url_for("admin.admin", message=_("started %(job)s", job=job.job_id)),
                    code=303)
