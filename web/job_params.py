"""The parameters of the runs an admin starts from the admin page: which ones each kind takes
(analyze: resolution, algorithm, minimum community size; refresh: k, epochs, retrain; train:
epochs), their checks, and the ``kolgraph`` arguments they become. The use case checks them
again in the child process; checking here first means a bad value never starts a process and
the error names the form's field in the user's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.analytics.choices import ALGORITHMS, DEFAULT_ALGORITHM
from graph.errors import InvalidInput
from kolgraph.usecases.analyze import AnalyzeParams, check_params
from web.translate import gettext as _
from web.translate import lazy_gettext as _l

JOB_KINDS: tuple[str, ...] = ("analyze", "refresh", "train")
MAX_EPOCHS = 10_000


@dataclass(frozen=True)
class Field:
    """One form field of a job: ``name`` (the form's and ``Run.params``' name), its ``flag``
    on the ``kolgraph`` command line, its type (``float``, ``int``, ``choice``, ``flag``),
    bounds or choices, and the label the page shows (and errors name)."""

    name: str
    flag: str
    type: str
    label: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    low_open: bool = False
    default: str = ""


FIELDS: dict[str, tuple[Field, ...]] = {
    "analyze": (
        Field("resolution", "--resolution", "float", _l("resolution"), low=0, low_open=True,
              default="1.0"),
        Field("algorithm", "--algorithm", "choice", _l("algorithm"), choices=ALGORITHMS),
        Field("min_community_size", "--min-community-size", "int",
              _l("minimum community size"), low=1, high=1_000_000),
    ),
    "refresh": (
        Field("k", "--k", "int", _l("recommendations per person (k)"), low=1, high=1000),
        Field("epochs", "--epochs", "int", _l("epochs"), low=1, high=MAX_EPOCHS),
        Field("retrain", "--retrain", "flag", _l("train a new model first")),
    ),
    "train": (
        Field("epochs", "--epochs", "int", _l("epochs"), low=1, high=MAX_EPOCHS),
    ),
}


class JobParamError(InvalidInput):
    """A job parameter the form got wrong; ``str()`` is ``label: message`` in the request's
    language (``分辨率：必须大于 0，收到 0``)."""

    def __init__(self, field: Field, message: str):
        super().__init__(field.name, message)
        self.text = _("%(field)s: %(message)s", field=field.label, message=message)

    def __str__(self) -> str:
        return self.text


def _number(field: Field, raw: str) -> float | int:
    try:
        value: float | int = int(raw) if field.type == "int" else float(raw)
    except ValueError:
        expected = _("a whole number") if field.type == "int" else _("a number")
        raise JobParamError(field, _("expected %(what)s, got %(raw)s", what=expected,
                                     raw=repr(raw))) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise JobParamError(field, _("expected a finite number, got %(raw)s", raw=repr(raw)))
    if field.low is not None and (value <= field.low if field.low_open else value < field.low):
        low = _plain(field.low)
        raise JobParamError(field, _("must be greater than %(low)s, got %(value)s", low=low,
                                     value=raw) if field.low_open else
                            _("must be at least %(low)s, got %(value)s", low=low, value=raw))
    if field.high is not None and value > field.high:
        raise JobParamError(field, _("must be at most %(high)s, got %(value)s",
                                     high=_plain(field.high), value=raw))
    return value


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def job_params(kind: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The parameters of a ``kind`` job from the form's text ``form``: every field of the kind
    that is filled in, typed and checked (an empty field is left to the command's default,
    except an empty resolution, which is 1.0; ``retrain`` is set by ``on``, ``1``, ``true`` or
    ``yes``). ``InvalidInput`` (a ``JobParamError`` naming the field) for an unknown kind or
    a bad value.

    >>> job_params("train", {"epochs": "5"})
    {'epochs': 5}
    """
    if kind not in FIELDS:
        raise InvalidInput("kind", _("one of %(kinds)s; got %(kind)s",
                                     kinds=", ".join(JOB_KINDS), kind=repr(kind)))
    out: dict[str, Any] = {}
    for field in FIELDS[kind]:
        raw = str(form.get(field.name) or "").strip() or field.default
        if field.type == "flag":
            if raw.lower() in ("on", "1", "true", "yes"):
                out[field.name] = True
            continue
        if not raw:
            continue
        if field.type == "choice":
            if raw not in field.choices:
                raise JobParamError(field, _("one of %(choices)s; got %(raw)s",
                                             choices=", ".join(field.choices), raw=repr(raw)))
            out[field.name] = raw
        else:
            out[field.name] = _number(field, raw)
    if kind == "analyze":
        check_params(AnalyzeParams(
            resolution=float(out.get("resolution", 1.0)),
            algorithm=str(out.get("algorithm", DEFAULT_ALGORITHM)),
            min_community_size=int(out.get("min_community_size", 1))))
    return out


def job_args(kind: str, form: Mapping[str, str]) -> list[str]:
    """The ``kolgraph`` arguments of a ``kind`` job with the form's values (``job_params``).

    >>> job_args("analyze", {"resolution": "2.5", "algorithm": "louvain"})
    ['analyze', '--resolution', '2.5', '--algorithm', 'louvain']
    """
    return command_args(kind, job_params(kind, form))


def command_args(kind: str, values: Mapping[str, Any]) -> list[str]:
    """``[kind, flags...]`` for checked ``values`` (from ``job_params``)."""
    args = [kind]
    for field in FIELDS[kind]:
        if field.name not in values:
            continue
        if field.type == "flag":
            args.append(field.flag)
        else:
            value = values[field.name]
            args += [field.flag, repr(value) if isinstance(value, float) else str(value)]
    return args
