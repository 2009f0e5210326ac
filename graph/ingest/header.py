"""The header of an input file: its CSV dialect, and which canonical column each of its
columns is (trimmed, case-insensitive, through the mapping's ``columns``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from graph.ingest.formats import KINDS
from graph.ingest.input_error import InputError
from graph.ingest.mapping import FileMapping

#: Delimiters that sniffing may detect (the mapping's ``delimiter`` may set any other).
DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class Dialect:
    """The delimiter and quote character of a CSV file."""

    delimiter: str = ","
    quotechar: str = '"'


def canonical_names(path: Path, kind: str, header: list[str], mapping: FileMapping,
                    line: int = 1) -> list[str | None]:
    """The canonical column of each header cell (``None``: a column the kind does not use).

    A cell is trimmed; the mapping's ``columns`` are looked up exactly, then ignoring case;
    then the canonical names ignoring case. Raises ``InputError`` naming ``path`` when two
    cells give the same column or a required column is missing.

    >>> canonical_names(Path("a.csv"), "accounts", [" Platform", "ACCOUNT_ID", "x"],
    ...                 FileMapping())
    ['platform', 'account_id', None]
    """
    spec = KINDS[kind]
    names = [canonical_name(cell, kind, mapping) for cell in header]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name is None:
            continue
        if name in seen:
            j = seen[name]
            raise InputError(f"{path}:{line}: columns {j + 1} ({_short(header[j])}) and "
                             f"{i + 1} ({_short(header[i])}) are both column {name!r}; "
                             "rename or remove one")
        seen[name] = i
    if any(cell.strip() for cell in header):
        for column in spec.required:
            if column not in seen:
                shown = ", ".join(_short(c) for c in header[:20]) + (
                    ", ..." if len(header) > 20 else "")
                raise InputError(f"{path}: missing required column {column!r} "
                                 f"(columns: {shown})")
    return names


def canonical_name(cell: str, kind: str, mapping: FileMapping) -> str | None:
    """The canonical column that a header cell (or JSON key) names for ``kind``, or
    ``None``; see ``canonical_names``.

    >>> canonical_name(" Display_Name ", "accounts", FileMapping())
    'display_name'
    """
    name = cell.strip().lstrip("\ufeff").strip()
    target = mapping.columns.get(name)
    if target is None:
        folded = name.casefold()
        target = next((v for k, v in mapping.columns.items()
                       if k.strip().casefold() == folded), folded)
    return target if target in KINDS[kind].columns else None


def _short(cell: str) -> str:
    return repr(cell if len(cell) <= 40 else cell[:40] + "...")


def sniff_dialect(sample: str, kind: str, mapping: FileMapping) -> Dialect:
    """The dialect of a CSV file from the start of its text: the mapping's ``delimiter`` and
    ``quotechar`` when set; else ``csv.Sniffer``'s delimiter (one of ``DELIMITERS``) when
    its header gives at least as many known columns as a comma's, else a comma; the quote
    character is ``"`` unless the sample has none and the sniffer found ``'``.

    >>> sniff_dialect("platform;account_id\\nzhihu;1\\n", "accounts", FileMapping())
    Dialect(delimiter=';', quotechar='"')
    """
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
        delimiter, quote = sniffed.delimiter, sniffed.quotechar
    except csv.Error:
        delimiter, quote = ",", '"'
    first = sample.split("\n", 1)[0]
    if delimiter != "," and _known(first, delimiter, kind, mapping) < _known(
            first, ",", kind, mapping):
        delimiter = ","
    quotechar = "'" if quote == "'" and '"' not in sample else '"'
    return Dialect(mapping.delimiter or delimiter, mapping.quotechar or quotechar)


def _known(line: str, delimiter: str, kind: str, mapping: FileMapping) -> int:
    cells = next(csv.reader([line.lstrip("\ufeff")], delimiter=delimiter), [])
    known = {k.strip().casefold() for k in mapping.columns} | set(KINDS[kind].columns)
    return sum(1 for c in cells if c.strip().casefold() in known)
