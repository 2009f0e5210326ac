"""Display names of platform and topic codes (``dedao`` -> 得到 / Dedao), defined once as data:
``web/display_names.toml`` in the package, extended or overridden by a company's own file of
the same shape (setting ``display_names``). Pages show ``name(kind, code, locale)``; filters
resolve what a user typed, a code or a name in either language, with ``code(...)``.

>>> names = DisplayNames.load()
>>> names.name("platforms", "dedao", "zh_Hans"), names.name("topics", "parenting", "en")
('得到', 'Parenting')
>>> names.code("topics", "育儿", ["parenting", "finance"]), names.code("platforms", "x", ["dedao"])
('parenting', None)
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from graph.errors import InvalidInput

KINDS = ("platforms", "topics")
LANGUAGE_KEYS = ("zh", "en")


def _language_key(locale: object) -> str:
    """``zh`` for any Chinese locale, else ``en``."""
    return "zh" if str(locale).lower().startswith("zh") else "en"


def _parse(text: str, source: str) -> dict[str, dict[str, dict[str, str]]]:
    """The tables of a display-names TOML text; ``InvalidInput`` naming ``source`` and the
    entry at fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput("display_names", f"{source}: {exc}") from None
    out: dict[str, dict[str, dict[str, str]]] = {kind: {} for kind in KINDS}
    for kind, table in data.items():
        if kind not in KINDS or not isinstance(table, dict):
            raise InvalidInput("display_names", f"{source}: unknown table [{kind}] "
                                                f"(expected {', '.join(KINDS)})")
        for code, entry in table.items():
            if (not isinstance(entry, dict) or not entry
                    or not set(entry) <= set(LANGUAGE_KEYS)
                    or not all(isinstance(v, str) and v.strip() for v in entry.values())):
                raise InvalidInput("display_names", f"{source}: [{kind}] {code}: expected "
                                                    '{ zh = "...", en = "..." }')
            out[kind][str(code)] = {k: str(v).strip() for k, v in entry.items()}
    return out


@dataclass(frozen=True)
class DisplayNames:
    """Names per kind (``platforms``, ``topics``) per code per language (``zh``, ``en``)."""

    tables: Mapping[str, Mapping[str, Mapping[str, str]]]

    @classmethod
    def load(cls, override: str | Path | None = None) -> DisplayNames:
        """The packaged names, with the entries of the file ``override`` (when given) added
        or replacing them, per code and language."""
        text = resources.files("web").joinpath("display_names.toml").read_text("utf-8")
        tables = _parse(text, "display_names.toml")
        if override:
            path = Path(override)
            try:
                extra = _parse(path.read_text(encoding="utf-8"), str(path))
            except OSError as exc:
                raise InvalidInput("display_names",
                                   f"{path}: cannot read ({exc.strerror})") from None
            for kind in KINDS:
                for code, entry in extra[kind].items():
                    tables[kind][code] = {**tables[kind].get(code, {}), **entry}
        return cls(tables)

    def name(self, kind: str, code: object, locale: object) -> str:
        """The name of ``code`` in the language of ``locale`` (the other language's, or the
        code itself, when that one is missing)."""
        if code is None:
            return ""
        entry = self.tables.get(kind, {}).get(str(code))
        if not entry:
            return str(code)
        key = _language_key(locale)
        return entry.get(key) or next(iter(entry.values()))

    def code(self, kind: str, typed: str, codes: Iterable[str]) -> str | None:
        """The one of ``codes`` that ``typed`` names: the code itself, or its name in either
        language (case and surrounding spaces ignored); ``None`` when none does."""
        wanted = typed.strip().casefold()
        table = self.tables.get(kind, {})
        for code in codes:
            entry = table.get(code, {})
            if wanted == code.casefold() or any(wanted == v.casefold()
                                                for v in entry.values()):
                return code
        return None
