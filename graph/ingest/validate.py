"""Row validation: every rule of the canonical input, vectorised over a file's rows.

``validate(kind, frame, ts_format)`` takes the text table of one file (see ``readers``) and
returns the valid rows with typed columns and the rejected rows as ``Rejected`` entries
(line, reason, the row's text cells). Each rejected row gets the reason of the first rule
it breaks, in the order the rules are listed below.

Every kind's rows are first checked for text no database can carry (a NUL character, a
U+0001, a lone UTF-16 surrogate; in ids any control character) and for platform codes
outside ``PLATFORM_CODE`` (which keeps the account key ``<platform>:<id>`` unambiguous);
numbers must be finite and within ``MAX_NUMBER``; timestamps must be in a documented form
and inside the ingest's ``TimeWindow`` (``timestamps``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graph.ingest.formats import ENGAGEMENT_TYPES, INTERACTION_TYPES, KINDS
from graph.ingest.identity_values import INVALID_REASONS, normalize_identity
from graph.ingest.readers import LINE
from graph.ingest.timestamps import TimeWindow, check_window, parse_epoch

#: A platform code: lower-case letters, digits, ``_``, ``-`` or ``.``, 1 to 32 characters
#: (so it never holds the ``:`` that ends it in an account key).
PLATFORM_CODE = r"[a-z0-9][a-z0-9_.\-]{0,31}"
#: Columns that hold ids (parts of the unique keys): no control character at all there.
KEY_COLUMNS = frozenset({"account_id", "src_account", "dst_account", "content_id",
                         "creator_account", "account_a", "account_b"})
KEY_CONTROLS = "[\x00-\x1f\x7f]"
#: The largest accepted value of a numeric column (followers, weight, price, amount).
MAX_NUMBER = 10**12



@dataclass(frozen=True)
class Rejected:
    """One quarantined row: where it was, why, and its cells (PII is masked on writing)."""

    line: int
    reason: str
    row: dict[str, str]


class _Checker:
    """Collects the first failing reason per row while the rules run."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.reason = np.full(len(frame), None, dtype=object)

    def fail(self, mask: np.ndarray | pd.Series,
             reasons: str | Callable[[np.ndarray], list[str]]) -> None:
        """Give the rows of ``mask`` that have no reason yet ``reasons`` (a text, or a
        function from a row mask to the texts of those rows, called only for them)."""
        mask = np.asarray(mask, dtype=bool) & pd.isna(self.reason)
        if not mask.any():
            return
        if isinstance(reasons, str):
            self.reason[mask] = reasons
        else:
            self.reason[mask] = np.asarray(reasons(mask), dtype=object)

    @property
    def ok(self) -> np.ndarray:
        return pd.isna(self.reason)


def _quoted(prefix: str, values: pd.Series) -> Callable[[np.ndarray], list[str]]:
    """Reasons ``prefix 'value'`` for the rows of a mask (computed for those rows only)."""
    return lambda mask: [f"{prefix} {v[:40]!r}" for v in values.to_numpy()[mask]]


def _number(check: _Checker, frame: pd.DataFrame, column: str, *, integer: bool = False
            ) -> np.ndarray:
    """The values of a numeric ``column`` (empty: 0) as floats; rows whose value is not a
    finite number (an integer when ``integer``), is negative or is above ``MAX_NUMBER``
    fail with the reason. Failing rows get 0 (nothing is cast out of range)."""
    values = frame[column]
    nums = pd.to_numeric(values.where(values != "", "0"), errors="coerce")
    raw = nums.to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(raw)
    safe = np.where(finite, raw, 0.0)
    what = "integer" if integer else "number"
    check.fail(~finite, _quoted(f"invalid {what} in column {column!r}:", values))
    if integer:
        check.fail(safe != np.floor(safe), _quoted(f"invalid integer in column {column!r}:",
                                                   values))
    check.fail(safe < 0, f"negative value in column {column!r}")
    check.fail(safe > MAX_NUMBER, _quoted(
        f"value above {MAX_NUMBER:.0e} in column {column!r}:", values))
    return np.where(finite & (safe >= 0) & (safe <= MAX_NUMBER), safe, 0.0)


def _has_surrogate(value: object) -> bool:
    """Whether ``value`` is a text holding a lone UTF-16 surrogate (not valid Unicode)."""
    if not isinstance(value, str) or value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _surrogate_rows(frame: pd.DataFrame, columns: tuple[str, ...]
                    ) -> dict[str, np.ndarray]:
    """For each of ``columns`` whose values are Python objects, the rows holding a lone
    surrogate; those cells are replaced (in ``frame``) by their escaped text, which every
    string type can hold. (A column of Arrow strings cannot hold one.)"""
    found = {}
    for column in columns:
        values = frame[column]
        if values.dtype != object:
            continue
        bad = np.fromiter((_has_surrogate(v) for v in values), dtype=bool, count=len(values))
        if bad.any():
            frame[column] = values.where(~bad, values.map(_printable, na_action="ignore"))
            found[column] = bad
    return found


def _text_checks(frame: pd.DataFrame, check: _Checker, columns: tuple[str, ...],
                 surrogates: dict[str, np.ndarray]) -> None:
    """Rows holding, in any of ``columns``, a NUL, a U+0001 (FalkorDB's indexes split
    texts there), a control character in an id (``KEY_COLUMNS``) or a lone surrogate
    (``surrogates``: the rows by column), and rows whose platform code is not a
    ``PLATFORM_CODE``, fail with the reason (the column named)."""
    for column in columns:
        values = frame[column]
        check.fail(values.str.contains("\x00", regex=False).to_numpy(dtype=bool),
                   f"NUL character in column {column!r}")
        controls = KEY_CONTROLS if column in KEY_COLUMNS else "[\x01]"
        check.fail(values.str.contains(controls, regex=True).to_numpy(dtype=bool),
                   f"control character in column {column!r}")
        if column in surrogates:
            check.fail(surrogates[column],
                       f"lone surrogate (invalid Unicode) in column {column!r}")
    for column in columns:
        if column.startswith("platform"):
            code = frame[column].str.lower()
            check.fail((code != "") & ~code.str.fullmatch(PLATFORM_CODE),
                       _quoted(f"invalid platform code in column {column!r} (letters, "
                               "digits, '_', '-' or '.', at most 32):", frame[column]))


#: Characters of a quarantined cell written as escapes: NUL, and the line breaks that JSON
#: leaves as they are (a quarantine file has one rejected row a line).
_ESCAPED = str.maketrans({"\x00": "\\x00", "\x85": "\\x85", "\u2028": "\\u2028",
                          "\u2029": "\\u2029"})


def _printable(value: object) -> str:
    """``value`` with NUL, lone surrogates and the line breaks that JSON keeps written as
    escapes (a quarantined cell)."""
    text = str(value).translate(_ESCAPED)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def validate(kind: str, frame: pd.DataFrame, ts_format: str | None = None,
             window: TimeWindow = TimeWindow()) -> tuple[pd.DataFrame, list[Rejected]]:
    """Check every row of a ``kind`` table; return ``(valid typed rows, rejected rows)``.
    Timestamps outside ``window`` are rejected; a rejected row's cells have NUL and lone
    surrogates escaped.

    >>> good, bad = validate("interactions", pd.DataFrame({
    ...     "platform": ["zhihu", "zhihu"], "src_account": ["a", "b"], "dst_account": ["b", "b"],
    ...     "type": ["like", "like"], "timestamp": ["1700000000", "1700000000"], "weight": ["", ""],
    ...     "_line": [2, 3]}))
    >>> len(good), bad[0].line, bad[0].reason
    (1, 3, 'self-loop: src_account equals dst_account')
    """
    spec = KINDS[kind]
    frame = frame.copy()
    surrogates = _surrogate_rows(frame, spec.columns)
    for column in spec.columns:
        frame[column] = frame[column].astype(str).str.strip()
    check = _Checker(frame)
    _text_checks(frame, check, spec.columns, surrogates)
    for column in spec.required:
        check.fail(frame[column] == "", f"missing value in required column {column!r}")
    typed = _RULES[kind](frame, check, _Times(ts_format, window))
    ok = check.ok
    rejected = [
        Rejected(int(line), str(reason), {c: _printable(row[c]) for c in spec.columns})
        for line, reason, row in zip(frame[LINE].to_numpy()[~ok], check.reason[~ok],
                                     frame.loc[~ok, list(spec.columns)].to_dict("records"),
                                     strict=True)
    ]
    return typed[ok].reset_index(drop=True), rejected


@dataclass(frozen=True)
class _Times:
    """How a file's timestamps are read: the mapping's format and the plausible window."""

    fmt: str | None
    window: TimeWindow


def _timestamp(frame: pd.DataFrame, check: _Checker, column: str, times: _Times
               ) -> tuple[np.ndarray, np.ndarray]:
    """Epoch seconds of ``column`` and whether each is present; present values that are
    not a documented form, or are outside the window, fail with the reason."""
    values = frame[column]
    secs, ok, why = parse_epoch(values, times.fmt)
    present = (values != "").to_numpy()
    parsed = ok.copy()
    check_window(secs, ok, why, times.window)
    text = values.to_numpy()
    check.fail(present & ~parsed, lambda m: [
        f"unparsable timestamp in column {column!r}: {v[:40]!r} ({r})"
        for v, r in zip(text[m], why[m], strict=True)])
    check.fail(present & ~ok, lambda m: [
        f"implausible timestamp in column {column!r}: {v[:40]!r} ({r})"
        for v, r in zip(text[m], why[m], strict=True)])
    return secs, present & ok


def _accounts(frame: pd.DataFrame, check: _Checker, times: _Times) -> pd.DataFrame:
    followers = _number(check, frame, "followers", integer=True)
    created, created_ok = _timestamp(frame, check, "created_at", times)
    phone, phone_ok = normalize_identity("phone", frame["phone"])
    check.fail(~phone_ok, INVALID_REASONS["phone"])
    email, email_ok = normalize_identity("email", frame["email"])
    check.fail(~email_ok, INVALID_REASONS["email"])
    out = pd.DataFrame({
        "platform": frame["platform"].str.lower(),
        "account_id": frame["account_id"],
        "display_name": frame["display_name"],
        "followers": followers.astype(np.int64),
        "created_at": np.where(created_ok, created, -1),  # -1: none (never valid)
        "phone": phone,
        "email": email,
        "unionid": frame["unionid"],
        LINE: frame[LINE],
    })
    out["account_key"] = out["platform"] + ":" + out["account_id"]
    return out


#: Event types as categories (one byte a row; unknown types are rejected rows anyway).
_INTERACTION_TYPE = pd.CategoricalDtype(sorted(INTERACTION_TYPES))
_ENGAGEMENT_TYPE = pd.CategoricalDtype(sorted(ENGAGEMENT_TYPES))


def _category(values: pd.Series, dtype: pd.CategoricalDtype) -> pd.Series:
    """``values`` as ``dtype``; values outside its categories (rejected rows) become NaN."""
    return values.where(values.isin(dtype.categories)).astype(dtype)


def _interactions(frame: pd.DataFrame, check: _Checker, times: _Times) -> pd.DataFrame:
    kind = frame["type"].str.lower()
    check.fail(~kind.isin(INTERACTION_TYPES), _quoted("unknown interaction type", frame["type"]))
    secs, _ = _timestamp(frame, check, "timestamp", times)
    check.fail(frame["src_account"] == frame["dst_account"],
               "self-loop: src_account equals dst_account")
    _number(check, frame, "weight")
    platform = frame["platform"].str.lower()
    return pd.DataFrame({
        "src": platform + ":" + frame["src_account"],
        "dst": platform + ":" + frame["dst_account"],
        "type": _category(kind, _INTERACTION_TYPE), "ts": secs, LINE: frame[LINE],
    })


def _contents(frame: pd.DataFrame, check: _Checker, times: _Times) -> pd.DataFrame:
    price = _number(check, frame, "price")
    platform = frame["platform"].str.lower()
    return pd.DataFrame({
        "content_key": platform + ":" + frame["content_id"],
        "platform": platform, "content_id": frame["content_id"],
        "creator": platform + ":" + frame["creator_account"],
        "title": frame["title"], "kind": frame["kind"], "topic": frame["topic"],
        "price": price, LINE: frame[LINE],
    })


def _engagements(frame: pd.DataFrame, check: _Checker, times: _Times) -> pd.DataFrame:
    kind = frame["type"].str.lower()
    check.fail(~kind.isin(ENGAGEMENT_TYPES), _quoted("unknown engagement type", frame["type"]))
    secs, _ = _timestamp(frame, check, "timestamp", times)
    amount = _number(check, frame, "amount")
    platform = frame["platform"].str.lower()
    return pd.DataFrame({
        "account": platform + ":" + frame["account_id"],
        "content": platform + ":" + frame["content_id"],
        "type": _category(kind, _ENGAGEMENT_TYPE), "ts": secs, "amount": amount, LINE: frame[LINE],
    })


def _identity_links(frame: pd.DataFrame, check: _Checker, times: _Times) -> pd.DataFrame:
    a = frame["platform_a"].str.lower() + ":" + frame["account_a"]
    b = frame["platform_b"].str.lower() + ":" + frame["account_b"]
    check.fail(a == b, "self-loop: an account linked to itself")
    return pd.DataFrame({"a": a, "b": b, LINE: frame[LINE]})


_RULES = {"accounts": _accounts, "interactions": _interactions, "contents": _contents,
          "engagements": _engagements, "identity_links": _identity_links}
