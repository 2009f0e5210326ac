"""Row validation: every rule of the canonical input, vectorised over a file's rows.

``validate(kind, frame, ts_format)`` takes the text table of one file (see ``readers``) and
returns the valid rows with typed columns and the rejected rows as ``Rejected`` entries
(line, reason, the row's text cells). Each rejected row gets the reason of the first rule
it breaks, in the order the rules are listed below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graph.ingest.formats import ENGAGEMENT_TYPES, INTERACTION_TYPES, KINDS
from graph.ingest.readers import LINE
from graph.ingest.timestamps import parse_epoch


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


def _number(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    nums = pd.to_numeric(values.where(values != "", "0"), errors="coerce")
    ok = nums.notna().to_numpy() & np.isfinite(nums.fillna(0).to_numpy(dtype=float))
    return nums.fillna(0).to_numpy(dtype=float), ok


def validate(kind: str, frame: pd.DataFrame, ts_format: str | None = None
             ) -> tuple[pd.DataFrame, list[Rejected]]:
    """Check every row of a ``kind`` table; return ``(valid typed rows, rejected rows)``.

    >>> good, bad = validate("interactions", pd.DataFrame({
    ...     "platform": ["zhihu", "zhihu"], "src_account": ["a", "b"], "dst_account": ["b", "b"],
    ...     "type": ["like", "like"], "timestamp": ["1700000000", "1700000000"], "weight": ["", ""],
    ...     "_line": [2, 3]}))
    >>> len(good), bad[0].line, bad[0].reason
    (1, 3, 'self-loop: src_account equals dst_account')
    """
    spec = KINDS[kind]
    frame = frame.copy()
    for column in spec.columns:
        frame[column] = frame[column].astype(str).str.strip()
    check = _Checker(frame)
    for column in spec.required:
        check.fail(frame[column] == "", f"missing value in required column {column!r}")
    typed = _RULES[kind](frame, check, ts_format)
    ok = check.ok
    rejected = [
        Rejected(int(line), str(reason), {c: row[c] for c in spec.columns})
        for line, reason, row in zip(frame[LINE].to_numpy()[~ok], check.reason[~ok],
                                     frame.loc[~ok, list(spec.columns)].to_dict("records"),
                                     strict=True)
    ]
    return typed[ok].reset_index(drop=True), rejected


def _timestamp(frame: pd.DataFrame, check: _Checker, column: str, fmt: str | None,
               required: bool) -> np.ndarray:
    secs, ok = parse_epoch(frame[column], fmt)
    present = (frame[column] != "").to_numpy()
    bad = ~ok & (present | required)
    check.fail(bad, _quoted(f"unparsable timestamp in column {column!r}:", frame[column]))
    return secs


def _accounts(frame: pd.DataFrame, check: _Checker, fmt: str | None) -> pd.DataFrame:
    followers, num_ok = _number(frame["followers"])
    integral = num_ok & (followers == np.floor(followers))
    check.fail(~integral, _quoted("invalid integer in column 'followers':", frame["followers"]))
    check.fail(integral & (followers < 0), "negative value in column 'followers'")
    created, created_ok = parse_epoch(frame["created_at"], fmt)
    present = (frame["created_at"] != "").to_numpy()
    check.fail(present & ~created_ok,
               _quoted("unparsable timestamp in column 'created_at':", frame["created_at"]))
    phone_digits = frame["phone"].str.replace(r"[\s\-+()]", "", regex=True)
    check.fail((frame["phone"] != "") & ~phone_digits.str.fullmatch(r"\d{6,15}"),
               "invalid phone number (value masked)")
    check.fail((frame["email"] != "") & ~frame["email"].str.fullmatch(r"[^@\s]+@[^@\s]+"),
               "invalid email address (value masked)")
    out = pd.DataFrame({
        "platform": frame["platform"].str.lower(),
        "account_id": frame["account_id"],
        "display_name": frame["display_name"],
        "followers": followers.astype(np.int64),
        "created_at": np.where(present & created_ok, created, -1),
        "phone": phone_digits.str.removeprefix("86").where(phone_digits.str.len() > 11,
                                                            phone_digits),
        "email": frame["email"].str.lower(),
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


def _interactions(frame: pd.DataFrame, check: _Checker, fmt: str | None) -> pd.DataFrame:
    kind = frame["type"].str.lower()
    check.fail(~kind.isin(INTERACTION_TYPES), _quoted("unknown interaction type", frame["type"]))
    secs = _timestamp(frame, check, "timestamp", fmt, True)
    check.fail(frame["src_account"] == frame["dst_account"],
               "self-loop: src_account equals dst_account")
    weight, weight_ok = _number(frame["weight"])
    check.fail(~weight_ok, _quoted("invalid number in column 'weight':", frame["weight"]))
    check.fail(weight_ok & (weight < 0), "negative value in column 'weight'")
    platform = frame["platform"].str.lower()
    return pd.DataFrame({
        "src": platform + ":" + frame["src_account"],
        "dst": platform + ":" + frame["dst_account"],
        "type": _category(kind, _INTERACTION_TYPE), "ts": secs, LINE: frame[LINE],
    })


def _contents(frame: pd.DataFrame, check: _Checker, fmt: str | None) -> pd.DataFrame:
    price, ok = _number(frame["price"])
    check.fail(~ok, _quoted("invalid number in column 'price':", frame["price"]))
    check.fail(ok & (price < 0), "negative value in column 'price'")
    platform = frame["platform"].str.lower()
    return pd.DataFrame({
        "content_key": platform + ":" + frame["content_id"],
        "platform": platform, "content_id": frame["content_id"],
        "creator": platform + ":" + frame["creator_account"],
        "title": frame["title"], "kind": frame["kind"], "topic": frame["topic"],
        "price": price, LINE: frame[LINE],
    })


def _engagements(frame: pd.DataFrame, check: _Checker, fmt: str | None) -> pd.DataFrame:
    kind = frame["type"].str.lower()
    check.fail(~kind.isin(ENGAGEMENT_TYPES), _quoted("unknown engagement type", frame["type"]))
    secs = _timestamp(frame, check, "timestamp", fmt, True)
    amount, ok = _number(frame["amount"])
    check.fail(~ok, _quoted("invalid number in column 'amount':", frame["amount"]))
    check.fail(ok & (amount < 0), "negative value in column 'amount'")
    platform = frame["platform"].str.lower()
    return pd.DataFrame({
        "account": platform + ":" + frame["account_id"],
        "content": platform + ":" + frame["content_id"],
        "type": _category(kind, _ENGAGEMENT_TYPE), "ts": secs, "amount": amount, LINE: frame[LINE],
    })


def _identity_links(frame: pd.DataFrame, check: _Checker, fmt: str | None) -> pd.DataFrame:
    a = frame["platform_a"].str.lower() + ":" + frame["account_a"]
    b = frame["platform_b"].str.lower() + ":" + frame["account_b"]
    check.fail(a == b, "self-loop: an account linked to itself")
    return pd.DataFrame({"a": a, "b": b, LINE: frame[LINE]})


_RULES = {"accounts": _accounts, "interactions": _interactions, "contents": _contents,
          "engagements": _engagements, "identity_links": _identity_links}
