"""Small HTML fragments built in Python where a template loop would cost too much per request
(option lists of a few hundred communities, the rows of the leaderboard, the person badge
of every list); values are escaped here."""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from functools import lru_cache
from html import escape as html_escape
from typing import Any

from markupsafe import Markup, escape

from web.data import person_url
from web.display import platform_name
from web.i18n import number_in, term
from web.translate import gettext as _
from web.translate import locale_name, per_request


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


class _Words:
    """What rows say in the request's language, looked up once per request (``words()``):
    labels, component and platform names, and numbers in the locale's style."""

    def __init__(self) -> None:
        self.locale = locale_name()
        self.select, self.parts_label = escape_text(_("select")), escape_text(_("score parts"))
        self.chosen, self.remove = escape_text(_("in the campaign")), escape_text(_("Remove"))
        self.add = escape_text(_("Add"))
        self.part_title = str(_("%(name)s = %(value)s, scaled %(scaled)s, weight %(weight)s"))
        self._terms: dict[object, str] = {}
        self._platforms: dict[object, str] = {}
        self._accounts: dict[object, str] = {}
        self._parts: dict[tuple[object, object], tuple[str, str]] = {}

    def term(self, code: object) -> str:
        found = self._terms.get(code)
        if found is None:
            found = self._terms[code] = term(code)
        return found

    def platform(self, code: object) -> str:
        found = self._platforms.get(code)
        if found is None:
            found = self._platforms[code] = platform_name(code)
        return found

    def why_part(self, component: object, weight: object) -> tuple[str, str]:
        """A score part's title, escaped, with ``_VALUE`` and ``_SCALED`` where its value and
        scale go (numbers, which need no escaping), and the component's name, escaped."""
        found = self._parts.get((component, weight))
        if found is None:
            name = self.term(component)
            title = self.part_title % {"name": name, "value": _VALUE, "scaled": _SCALED,
                                       "weight": f"{weight:.4g}"}
            found = self._parts[(component, weight)] = (escape_text(title), escape_text(name))
        return found

    def account_head(self, platform: object) -> str:
        """The opening of an account's ``<span>`` up to its handle: the platform's code and
        name, escaped (the same for every account of the platform)."""
        found = self._accounts.get(platform)
        if found is None:
            found = self._accounts[platform] = (
                f'<span class="kg-account" data-platform="{escape_text(platform)}">'
                f'{escape_text(self.platform(platform))} <span class="kg-handle">@')
        return found

    def num(self, value: object) -> str:
        """``num`` of ``value``, escaped (a formatted number needs no escaping)."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return number_in(value, 4, self.locale)
        return escape_text(number_in(value, 4, self.locale))


_WORDS = "_kolgraph_row_words"
#: Where a score part's value and scale go in its title (characters no text holds).
_VALUE, _SCALED = "\x00", "\x01"


def words() -> _Words:
    """The request's ``_Words`` (kept on ``g``; fresh outside an application context)."""
    return per_request(_WORDS, _Words)


def escape_text(value: object) -> str:
    """``value`` as text with ``& < > " '`` escaped for HTML text and attribute values
    (what ``markupsafe.escape`` does, as plain text: about half its cost per call)."""
    return html_escape(str(value))


def why_cell(why: Sequence[dict[str, object]], w: _Words | None = None) -> Markup:
    """The *why it ranks* cell of a leaderboard row: each component's contribution to
    ``kol_score`` (``web.data.explain_score`` rows), largest first; components that add
    nothing are left out; the component named in the request's language.

    >>> str(why_cell([{"component": "reach", "value": 3.0, "scaled": 1.0, "weight": 0.25,
    ...                "contribution": 0.25}]))
    '<span class="kg-why-part" title="reach = 3, scaled 1, weight 0.25">reach +0.25</span>'
    """
    w = w or words()
    parts = []
    for part in why:
        if not part["contribution"]:
            continue
        title, name = w.why_part(part["component"], part["weight"])
        title = title.replace(_VALUE, f'{part["value"]:.6g}').replace(
            _SCALED, f'{part["scaled"]:.4g}')
        parts.append(f'<span class="kg-why-part" title="{title}">'
                     f'{name} +{part["contribution"]:.4g}</span>')
    return Markup(" · ".join(parts) or "—")


def person_badge(p: Mapping[str, Any], show_community: bool = True,
                 w: _Words | None = None) -> Markup:
    """A person as lists show it (``web.data.identify`` fields): the avatar initial in its
    colour, the name linked to the person page, the main platform and handle, the
    community's title.

    >>> badge = str(person_badge({"person_id": "p1", "display_name": "周<叔>", "colour": 3,
    ...                           "initial": "周", "url": "/persons/p1"}))
    >>> for part in badge.split("><a "): print(part)
    <span class="kg-person"><span class="kg-avatar kg-avatar-3" aria-hidden="true">周</span
    class="person-name" translate="no" href="/persons/p1">周&lt;叔&gt;</a></span>
    """
    return Markup(_badge(p, show_community, w or words()))


def _badge(p: Mapping[str, Any], show_community: bool, w: _Words) -> str:
    url = p.get("url") or person_url(str(p["person_id"]))
    parts = [f'<span class="kg-person"><span class="kg-avatar kg-avatar-'
             f'{escape_text(_text(p.get("colour")))}" aria-hidden="true">'
             f'{escape_text(_text(p.get("initial")))}</span><a class="person-name"'
             f' translate="no" href="{escape_text(url)}">'
             f'{escape_text(p.get("display_name") or p["person_id"])}</a>']
    if p.get("main_handle"):
        parts.append(f' <span class="kg-handle">{escape_text(w.platform(p.get("main_platform")))}'
                     f' · @{escape_text(p["main_handle"])}</span>')
    if show_community and p.get("community_title"):
        parts.append(f' <span class="kg-community-tag">{escape_text(p["community_title"])}'
                     '</span>')
    parts.append("</span>")
    return "".join(parts)


def leaderboard_rows(items: Sequence[Mapping[str, Any]], columns: Sequence[str], *,
                     selected: Container[object] = (), campaign: bool = False,
                     in_campaign: Container[object] = ()) -> Markup:
    """The rows of the leaderboard table (``web.data.leaderboard`` items), each: selection
    box (checked for ``selected`` ids), rank, ``person_badge``, accounts with followers, the
    numeric ``columns``, conversions, the reasons with the score parts (``why_cell``) and, for
    a ``campaign``, its Add or Remove button (Remove for ids ``in_campaign``). Built here
    rather than in the template, with the request's words looked up once (``words``): fifty
    such rows were most of the page's time."""
    w = words()
    heads = [f'<td class="kg-num" data-col="{escape_text(c)}">' for c in columns]
    rows = []
    for p in items:
        pid = escape_text(p["person_id"])
        accounts = "".join(
            f'{w.account_head(a["platform"])}{escape_text(a["account_id"])}</span> '
            f'<span class="kg-followers" data-followers="{w.num(a.get("followers") or 0)}">'
            f'{w.num(a.get("followers") or 0)}</span></span>' for a in p.get("accounts") or ())
        numbers = "".join(f"{head}{w.num(p.get(c))}</td>"
                          for head, c in zip(heads, columns, strict=True))
        reasons = "".join(f'<span class="kg-reason">{escape_text(r["text"])}</span>'
                          for r in p.get("reasons") or ())
        checked = " checked" if p["person_id"] in selected else ""
        rows.append(
            f'<tr data-person-id="{pid}">\n    <td><input type="checkbox" name="select" '
            f'value="{pid}"{checked} aria-label="{w.select}"></td>\n'
            f'    <td>{escape_text(_text(p.get("kol_rank"), "None"))}</td>\n'
            f'    <td class="kg-who">{_badge(p, True, w)}</td>\n'
            f'    <td class="kg-wide kg-accounts">{accounts}</td>\n    {numbers}\n'
            f'    <td class="kg-wide kg-num" data-col="conversions">'
            f'{w.num(p.get("conversions"))}</td>\n'
            f'    <td class="kg-why">{reasons}<details class="kg-why-details"><summary>'
            f'{w.parts_label}</summary>{why_cell(p.get("why") or (), w)}</details></td>\n')
        if campaign and p["person_id"] in in_campaign:
            rows.append(f'    <td class="kg-campaign-cell"><span class="kg-in-campaign">✓ '
                        f'{w.chosen}</span> <button type="submit" class="kg-link-button" '
                        f'form="campaign-remove" name="person_id" value="{pid}">{w.remove}'
                        '</button></td>\n')
        elif campaign:
            rows.append(f'    <td class="kg-campaign-cell"><button type="submit" '
                        f'class="kg-add-kol" form="campaign-add" name="select" value="{pid}">'
                        f'{w.add}</button></td>\n')
        rows.append("  </tr>\n  ")
    return Markup("".join(rows))


def member_row(p: Mapping[str, Any]) -> Markup:
    """One row of a community's member table: rank in the community, ``person_badge``
    (without the community), kol score, overall rank, followers, platforms."""
    w = words()
    return Markup(f'<tr><td>{escape_text(_text(p.get("community_rank"), "None"))}</td>'
                  f'<td>{_badge(p, False, w)}</td><td>{w.num(p.get("kol_score"))}'
                  f'</td><td>{escape_text(_text(p.get("kol_rank"), "None"))}</td>'
                  f'<td>{w.num(p.get("followers_total"))}</td>'
                  f'<td>{escape_text(_text(p.get("platforms"), "None"))}</td></tr>')


def _text(value: object, none: str = "") -> str:
    """``value`` as a template shows it (``none`` for ``None``)."""
    return none if value is None else str(value)
