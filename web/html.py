"""Small HTML fragments built in Python where a template loop would cost too much per request
(option lists of a few hundred communities); values are escaped here."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from flask_babel import gettext as _
from markupsafe import Markup, escape

from web.i18n import term


@lru_cache(maxsize=512)
def _options(values: tuple[object, ...], selected: object, prefix: str,
             labels: tuple[object, ...] | None) -> Markup:
    parts = []
    for i, value in enumerate(values):
        mark = " selected" if value == selected else ""
        label = value if labels is None else labels[i]
        parts.append(f'<option value="{escape(value)}"{mark}>{escape(prefix)}{escape(label)}'
                     "</option>")
    return Markup("".join(parts))


def select_options(values: Sequence[object], selected: object = None,
                   prefix: str = "", labels: Sequence[object] | None = None) -> Markup:
    """``<option>`` elements for ``values`` (label ``prefix + value``, or ``prefix`` + the
    matching item of ``labels``, e.g. display names), ``selected`` marked.

    >>> str(select_options(["a<b", "c"], "c"))
    '<option value="a&lt;b">a&lt;b</option><option value="c" selected>c</option>'
    """
    return _options(tuple(values), selected, prefix,
                    None if labels is None else tuple(str(label) for label in labels))


def why_cell(why: Sequence[dict[str, object]]) -> Markup:
    """The *why it ranks* cell of a leaderboard row: each component's contribution to
    ``kol_score`` (``web.data.explain_score`` rows), largest first; components that add
    nothing are left out; the component named in the request's language.

    >>> str(why_cell([{"component": "reach", "value": 3.0, "scaled": 1.0, "weight": 0.25,
    ...                "contribution": 0.25}]))
    '<span class="kg-why-part" title="reach = 3, scaled 1, weight 0.25">reach +0.25</span>'
    """
    title = str(_("%(name)s = %(value)s, scaled %(scaled)s, weight %(weight)s"))
    parts = []
    for w in why:
        if not w["contribution"]:
            continue
        name = term(w["component"])
        tip = title % {"name": name, "value": f'{w["value"]:.6g}',
                       "scaled": f'{w["scaled"]:.4g}', "weight": f'{w["weight"]:.4g}'}
        parts.append(f'<span class="kg-why-part" title="{escape(tip)}">'
                     f'{escape(name)} +{w["contribution"]:.4g}</span>')
    return Markup(" · ".join(parts) or "—")
