"""A partner's customer list: a CSV file of identity values turned into kolgraph's pseudonyms.

``read_customer_list(path, salt=..., hashed=False)`` reads a UTF-8 CSV (a byte-order mark is
tolerated) with one or more of the columns ``phone``, ``email``, ``unionid`` (other columns
are ignored and named in the result) and returns a ``CustomerList``: the set of pseudonyms
(``pii.hash_value``: ``<column>:<32 hex>``) and what was read, accepted and rejected.

- raw values (``hashed=False``): each value is normalised as the ingest normalises it
  (``identity_values``) and hashed with ``salt``, the salt of the graph's own hashes; the raw
  text is dropped as soon as it is hashed, never kept, returned or shown;
- pre-hashed values (``hashed=True``): each value must be ``<column>:<32 hex>`` (the prefix
  the column's own name) or a bare 32-hex digest, made by the partner with the agreed salt.

A row is accepted when at least one of its identity cells gives a pseudonym; every refused
cell and every row without a usable value is a ``RowProblem`` (line, column, reason; never the
value). A file without any identity column, or that is not UTF-8 CSV, raises ``InvalidInput``
on ``path``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graph.errors import InvalidInput
from graph.ingest.formats import PII_COLUMNS
from graph.ingest.identity_values import INVALID_REASONS, normalize_identity
from graph.ingest.pii import hash_value

#: Rows read and hashed at a time.
CHUNK_ROWS = 50_000
#: Problems kept with their position (all are counted).
MAX_PROBLEMS = 1_000
_HASHED = re.compile(r"(?:(phone|email|unionid):)?([0-9a-fA-F]{32})")
_LOOKS_HASHED = re.compile(r"(?:phone|email|unionid):[0-9a-f]{32}")


#: Why a cell or row is refused: ``RowProblem.code`` -> the English reason, ``%(name)s``
#: filled from ``RowProblem.params`` (a surface in another language words the code itself).
PROBLEM_REASONS = {
    "invalid_phone": INVALID_REASONS["phone"],
    "invalid_email": INVALID_REASONS["email"],
    "invalid_unionid": INVALID_REASONS["unionid"],
    "already_hashed": "already a hash; import the file as pre-hashed",
    "not_a_hash": "not a hash ('%(column)s:' and 32 hex digits, or the 32 hex digits alone)",
    "wrong_hash_kind": "a %(kind)s hash in column '%(column)s'",
    "no_value": "no identity value",
    "too_many_cells": "%(cells)s cells but the header has %(columns)s columns",
}


@dataclass(frozen=True)
class RowProblem:
    """A refused cell or row: the 1-based ``line`` of the file, the ``column`` (the file's
    identity columns joined by ``/`` for a row with no value at all) and why, as a ``code``
    of ``PROBLEM_REASONS`` with its ``params`` (never the refused value: it may be
    personal)."""

    line: int
    column: str
    code: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def reason(self) -> str:
        """Why, in English.

        >>> RowProblem(3, "phone", "wrong_hash_kind", (("kind", "email"),
        ...                                             ("column", "phone"))).reason
        "a email hash in column 'phone'"
        """
        return PROBLEM_REASONS[self.code] % dict(self.params)


@dataclass
class CustomerList:
    """What ``read_customer_list`` made of a file: ``hashes`` (distinct pseudonyms; the only
    thing taken further), ``columns`` (identity columns found), ``ignored_columns``,
    ``rows`` (data rows read), ``accepted`` (rows with at least one pseudonym),
    ``rejected`` (rows without), ``values`` (pseudonyms made, by kind, duplicates
    included), ``problems`` (the first ``MAX_PROBLEMS``) and ``problem_count`` (all)."""

    file: str
    hashed: bool
    columns: list[str]
    ignored_columns: list[str]
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    values: dict[str, int] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0
    hashes: set[str] = field(default_factory=set)

    def problem(self, line: int, column: str, code: str,
                params: tuple[tuple[str, str], ...] = ()) -> None:
        """Count a problem, keeping it while fewer than ``MAX_PROBLEMS`` are kept."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(RowProblem(line, column, code, params))


def read_customer_list(path: Path, *, salt: str, hashed: bool) -> CustomerList:
    """The pseudonyms of the customer list ``path`` (see the module); ``salt`` hashes raw
    values (unused when ``hashed``). Raises ``InvalidInput("path", ...)`` naming the file
    when it cannot be read as UTF-8 CSV or has none of the columns phone, email, unionid."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput("path", f"{path}: no such file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip().lower() for h in next(reader, [])]
            columns = [c for c in PII_COLUMNS if c in header]
            twice = sorted({h for h in header if h and header.count(h) > 1})
            if twice:
                raise InvalidInput("path", f"{path}: column {twice[0]!r} appears twice "
                                   "in the header")
            if not columns:
                raise InvalidInput("path", f"{path}: no identity column; expected one or more "
                                   f"of {', '.join(PII_COLUMNS)} (found: "
                                   f"{', '.join(header) or 'no header'})")
            found = CustomerList(str(path), hashed, columns,
                                 [h for h in header if h not in PII_COLUMNS])
            for lines, cells in _chunks(reader, len(header), found):
                _take(found, header, lines, cells, salt)
    except UnicodeDecodeError as exc:
        raise InvalidInput("path", f"{path}: not UTF-8 text (byte {exc.start} of a "
                           "block); save the file as UTF-8 CSV") from None
    except csv.Error as exc:
        raise InvalidInput("path", f"{path}: not a readable CSV file: {exc}") from None
    return found


def _chunks(reader: Any, width: int, found: CustomerList
            ) -> Iterator[tuple[list[int], list[list[str]]]]:
    """Rows of the ``csv.reader`` in pieces of ``CHUNK_ROWS`` as (lines, cells); a row
    with more cells than the header (a misplaced delimiter would shift the values to other
    columns) or no value at all is a problem. Blank lines are skipped."""
    lines: list[int] = []
    cells: list[list[str]] = []
    for row in reader:
        if not row:
            continue
        found.rows += 1
        line = int(reader.line_num)
        if len(row) > width:
            found.rejected += 1
            found.problem(line, f"#{width + 1}", "too_many_cells",
                          (("cells", str(len(row))), ("columns", str(width))))
            continue
        lines.append(line)
        cells.append(row + [""] * (width - len(row)))
        if len(lines) >= CHUNK_ROWS:
            yield lines, cells
            lines, cells = [], []
    if lines:
        yield lines, cells


def _take(found: CustomerList, header: list[str], lines: list[int], cells: list[list[str]],
          salt: str) -> None:
    """Pseudonymise one piece of rows into ``found``; the raw cells go out of scope here."""
    frame = pd.DataFrame(cells, columns=header)
    del cells
    usable = np.zeros(len(frame), dtype=bool)
    empty = np.ones(len(frame), dtype=bool)
    for column in found.columns:
        text = frame[column].astype(str).str.strip()
        hashes, ok = _hashed(column, text) if found.hashed else _raw(column, text, salt)
        present = (text != "").to_numpy(dtype=bool)
        for i in (present & ~ok).nonzero()[0]:
            found.problem(lines[i], column, *_reason(column, found.hashed, str(text.iat[i])))
        good = present & ok
        found.values[column] = found.values.get(column, 0) + int(good.sum())
        found.hashes.update(hashes[good].tolist())
        usable |= good
        empty &= ~present
    for i in empty.nonzero()[0]:
        found.problem(lines[i], "/".join(found.columns), "no_value")
    found.accepted += int(usable.sum())
    found.rejected += int((~usable).sum())


def _raw(column: str, text: pd.Series, salt: str) -> tuple[np.ndarray, np.ndarray]:
    """Pseudonyms of raw values (``""`` where refused) and which are valid."""
    canonical, ok = normalize_identity(column, text)
    ok = ok & ~text.str.fullmatch(_LOOKS_HASHED.pattern).to_numpy(dtype=bool)
    hashes = [hash_value(salt, column, v) if good and v else ""
              for v, good in zip(canonical.tolist(), ok, strict=True)]
    return np.asarray(hashes, dtype=object), ok


def _hashed(column: str, text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Pseudonyms of pre-hashed values in kolgraph's form (``""`` where refused) and which
    are valid: ``<column>:<32 hex>`` or the bare hex, lower-cased."""
    out, ok = [], []
    for value in text.tolist():
        match = _HASHED.fullmatch(value)
        good = match is not None and match.group(1) in (None, column)
        ok.append(good)
        out.append(f"{column}:{match.group(2).lower()}" if match is not None and good else "")
    return np.asarray(out, dtype=object), np.asarray(ok, dtype=bool)


def _reason(column: str, hashed: bool, value: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Why a non-empty cell was refused, as a code of ``PROBLEM_REASONS`` and its
    parameters (never the value: it may be personal)."""
    if hashed:
        match = _HASHED.fullmatch(value)
        if match is not None and match.group(1) not in (None, column):
            return "wrong_hash_kind", (("kind", match.group(1)), ("column", column))
        return "not_a_hash", (("column", column),)
    if _LOOKS_HASHED.fullmatch(value):
        return "already_hashed", ()
    return f"invalid_{column}", ()
