"""Search keys of persons: the normalised text that the web search looks in (plain
functions, no database).

A person's key (``Person.search_key``) is one text: the names part, ``TAB``, the pinyin
part; each part a list of forms between ``SEP`` characters (so that ``SEP + q + SEP`` is an
exact match and ``SEP + q`` a prefix match):

- names: the display names and handles (``account_id``) of all its accounts, normalised
  (``normalise``: NFKC, case-folded, runs of spaces made one);
- pinyin: for every name holding Chinese characters, its full pinyin without tones and
  spaces (周叔说育儿 -> ``zhoushushuoyuer``) and its initials (``zssye``); other characters
  are kept as they are (normalised). Each character takes its most common reading
  (``pypinyin``, one character at a time: no phrase look-up, so that a million names are
  keyed in seconds).

One property, so that the search is one ``CONTAINS`` per person. A query is matched as
typed (``normalise``) and, for the pinyin, also without spaces or apostrophes
(``pinyin_query``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from pypinyin import Style, pinyin

SEP = "\n"
TAB = "\t"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_PINYIN_DROPS = re.compile(r"[\s'’]+")


def normalise(text: str) -> str:
    """``text`` as compared by the search: NFKC (full-width letters become ASCII),
    case-folded, runs of white space made one space, stripped.

    >>> normalise("  ＺＨＯＵ  Shu ")
    'zhou shu'
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def pinyin_query(text: str) -> str:
    """A query as matched against pinyin forms: ``normalise`` d, without spaces or
    apostrophes (``"Zhou Shu"`` and ``"zhou'shu"`` -> ``"zhoushu"``)."""
    return _PINYIN_DROPS.sub("", normalise(text))


@lru_cache(maxsize=65_536)
def _reading(char: str) -> tuple[str, str]:
    """Full pinyin (no tone) and initial of one Han character."""
    full = pinyin(char, style=Style.NORMAL, errors="default")[0][0]
    return full, full[:1]


def pinyin_forms(name: str) -> tuple[str, ...]:
    """The pinyin forms of a (normalised) name: ``(full, initials)`` when it holds a Chinese
    character, else ``()``; characters that are not Chinese are kept, spaces dropped.

    >>> pinyin_forms("周叔说育儿")
    ('zhoushushuoyuer', 'zssye')
    >>> pinyin_forms("tom老师")
    ('tomlaoshi', 'tomls')
    >>> pinyin_forms("tom")
    ()
    """
    if not _HAN.search(name):
        return ()
    full: list[str] = []
    initials: list[str] = []
    for char in name:
        if _HAN.match(char):
            whole, first = _reading(char)
            full.append(whole)
            initials.append(first)
        elif not char.isspace():
            full.append(char)
            initials.append(char)
    return "".join(full), "".join(initials)


def _join(forms: Iterable[str]) -> str:
    unique = dict.fromkeys(forms)
    unique.pop("", None)
    return SEP + SEP.join(unique) + SEP if unique else SEP


def search_key(names: Sequence[str | None]) -> str:
    """The ``search_key`` of one person from the display names and handles of its accounts
    (main account first; ``None`` or empty entries skipped).

    >>> search_key(["周叔说育儿", "ZhouShu_Parent"])
    '\\n周叔说育儿\\nzhoushu_parent\\n\\t\\nzhoushushuoyuer\\nzssye\\n'
    """
    normal = [normalise(n) for n in names if n]
    return _join(normal) + TAB + _join(f for n in normal for f in pinyin_forms(n))


def names_part(key: str) -> str:
    """The names part of a ``search_key`` (what ``exact``/``prefix``/``substring`` match)."""
    return key.split(TAB, 1)[0]


class KeyMaker:
    """``search_key`` for many persons, each distinct name normalised and put in pinyin
    once (names repeat across persons and runs)."""

    def __init__(self) -> None:
        self._normal: dict[str, str] = {}
        self._forms: dict[str, tuple[str, ...]] = {}

    def _norm(self, name: str) -> str:
        if name.isascii():  # NFKC leaves ASCII as it is; casefold is lower
            return " ".join(name.lower().split())
        found = self._normal.get(name)
        if found is None:
            found = self._normal[name] = normalise(name)
        return found

    def _pinyin(self, normal: str) -> tuple[str, ...]:
        found = self._forms.get(normal)
        if found is None:
            found = self._forms[normal] = pinyin_forms(normal)
        return found

    def key(self, names: Sequence[str | None]) -> str:
        """``search_key(names)``."""
        normal = [self._norm(n) for n in names if n]
        forms = [f for n in normal if not n.isascii() for f in self._pinyin(n)]
        return _join(normal) + TAB + _join(forms)
