"""Small HTML fragments built in Python where a template loop would cost too much per request
(option lists of a few hundred communities, the rows of the leaderboard, the person badge
of every list); values are escaped here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from web.data import person_url
from web.display import platform_name
from web.i18n import num, term
from web.translate import gettext as _


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


def person_badge(p: Mapping[str, Any], show_community: bool = True) -> Markup:
    """A person as lists show it (``web.data.identify`` fields): the avatar initial in its
    colour, the name linked to the person page, the main platform and handle, the
    community's title.

    >>> badge = str(person_badge({"person_id": "p1", "display_name": "周<叔>", "colour": 3,
    ...                           "initial": "周", "url": "/persons/p1"}))
    >>> for part in badge.split("><a "): print(part)
    <span class="kg-person"><span class="kg-avatar kg-avatar-3" aria-hidden="true">周</span
    class="person-name" translate="no" href="/persons/p1">周&lt;叔&gt;</a></span>
    """
    url = p.get("url") or person_url(str(p["person_id"]))
    colour = escape(_text(p.get("colour")))
    parts = [f'<span class="kg-person"><span class="kg-avatar kg-avatar-{colour}"'
             f' aria-hidden="true">{escape(_text(p.get("initial")))}</span><a class="person-name"'
             f' translate="no" href="{escape(url)}">'
             f'{escape(p.get("display_name") or p["person_id"])}</a>']
    if p.get("main_handle"):
        parts.append(f' <span class="kg-handle">{escape(platform_name(p.get("main_platform")))}'
                     f' · @{escape(p["main_handle"])}</span>')
    if show_community and p.get("community_title"):
        parts.append(f' <span class="kg-community-tag">{escape(p["community_title"])}</span>')
    parts.append("</span>")
    return Markup("".join(parts))


def leaderboard_row(p: Mapping[str, Any], columns: Sequence[str], *, selected: bool,
                    campaign: bool = False, in_campaign: bool = False) -> Markup:
    """One row of the leaderboard table (``web.data.leaderboard`` items): selection box,
    rank, ``person_badge``, accounts with followers, the numeric ``columns``, conversions,
    the reasons with the score parts (``why_cell``) and, for a ``campaign``, its Add or
    Remove button. Built here rather than in the template: fifty such rows were most of the
    page's time."""
    pid = escape(p["person_id"])
    # (gettext calls outside the f-strings: pybabel does not look inside them)
    select, parts_label = escape(_("select")), escape(_("score parts"))
    accounts = "".join(
        f'<span class="kg-account" data-platform="{escape(a["platform"])}">'
        f'{escape(platform_name(a["platform"]))} <span class="kg-handle">@{escape(a["account_id"])}'
        f'</span> <span class="kg-followers" data-followers="{escape(a.get("followers") or 0)}">'
        f'{escape(num(a.get("followers") or 0))}</span></span>' for a in p.get("accounts") or ())
    numbers = "".join(f'<td class="kg-num" data-col="{escape(s)}">{escape(num(p.get(s)))}</td>'
                      for s in columns)
    reasons = "".join(f'<span class="kg-reason">{escape(r["text"])}</span>'
                      for r in p.get("reasons") or ())
    row = [f'<tr data-person-id="{pid}">\n    <td><input type="checkbox" name="select" '
           f'value="{pid}"{" checked" if selected else ""} aria-label="{select}"></td>\n'
           f'    <td>{escape(_text(p.get("kol_rank"), "None"))}</td>\n'
           f'    <td class="kg-who">{person_badge(p)}</td>\n'
           f'    <td class="kg-wide kg-accounts">{accounts}</td>\n    {numbers}\n'
           f'    <td class="kg-wide kg-num" data-col="conversions">'
           f'{escape(num(p.get("conversions")))}</td>\n'
           f'    <td class="kg-why">{reasons}<details class="kg-why-details"><summary>'
           f'{parts_label}</summary>{why_cell(p.get("why") or ())}</details></td>\n']
    if campaign and in_campaign:
        chosen, remove = escape(_("in the campaign")), escape(_("Remove"))
        row.append(f'    <td class="kg-campaign-cell"><span class="kg-in-campaign">✓ {chosen}'
                   f'</span> <button type="submit" class="kg-link-button" form="campaign-remove"'
                   f' name="person_id" value="{pid}">{remove}</button></td>\n')
    elif campaign:
        add = escape(_("Add"))
        row.append(f'    <td class="kg-campaign-cell"><button type="submit" '
                   f'class="kg-add-kol" form="campaign-add" name="select" value="{pid}">'
                   f'{add}</button></td>\n')
    row.append("  </tr>")
    return Markup("".join(row))


def member_row(p: Mapping[str, Any]) -> Markup:
    """One row of a community's member table: rank in the community, ``person_badge``
    (without the community), kol score, overall rank, followers, platforms."""
    return Markup(f'<tr><td>{escape(_text(p.get("community_rank"), "None"))}</td>'
                  f'<td>{person_badge(p, False)}</td><td>{escape(num(p.get("kol_score")))}</td>'
                  f'<td>{escape(_text(p.get("kol_rank"), "None"))}</td>'
                  f'<td>{escape(num(p.get("followers_total")))}</td>'
                  f'<td>{escape(_text(p.get("platforms"), "None"))}</td></tr>')


def _text(value: object, none: str = "") -> str:
    """``value`` as a template shows it (``none`` for ``None``)."""
    return none if value is None else str(value)
