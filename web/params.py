"""Request parameters: parsed and checked; a bad value raises ``web.errors.ParameterError``
(a 400 naming the parameter)."""

from __future__ import annotations

from flask import request, url_for

from web.errors import ParameterError

PAGE_SIZE = 50


def int_arg(name: str, default: int | None = None, *, low: int | None = None,
            high: int | None = None) -> int | None:
    """Query/form parameter ``name`` as an int in ``[low, high]`` (``default`` when absent or
    empty)."""
    raw = request.values.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParameterError(name, f"expected an integer, got {raw!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{low if low is not None else '-inf'}..{high if high is not None else 'inf'}"
        raise ParameterError(name, f"must be in {bounds}, got {value}")
    return value


def str_arg(name: str, choices: tuple[str, ...] | list[str] | None = None,
            default: str | None = None) -> str | None:
    """Query/form parameter ``name`` (``default`` when absent or empty), one of ``choices``
    when given."""
    raw = request.values.get(name, "").strip()
    if raw == "":
        return default
    if choices is not None and raw not in choices:
        shown = ", ".join(list(choices)[:20])
        raise ParameterError(name, f"one of {shown}; got {raw!r}")
    return raw


def page_arg() -> int:
    """``page`` (1-based)."""
    return int(int_arg("page", 1, low=1, high=100_000) or 1)


def list_arg(name: str, limit: int = 50) -> list[str]:
    """Repeated or comma-separated parameter ``name`` as a de-duplicated list."""
    values = [v.strip() for raw in request.values.getlist(name) for v in raw.split(",")]
    out = list(dict.fromkeys(v for v in values if v))
    if len(out) > limit:
        raise ParameterError(name, f"at most {limit} values, got {len(out)}")
    return out


def page_url(page: int) -> str:
    """The URL of this page with ``page`` replaced (other parameters kept)."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(str(request.endpoint), **(request.view_args or {}), **args)
