"""The canonical input files: their kinds, columns and allowed values (see DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    """One canonical file kind: its required and optional columns."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


KINDS: dict[str, FileKind] = {
    k.name: k
    for k in (
        FileKind("accounts", ("platform", "account_id"),
                 ("display_name", "followers", "created_at", "phone", "email", "unionid")),
        FileKind("interactions", ("platform", "src_account", "dst_account", "type", "timestamp"),
                 ("weight",)),
        FileKind("contents", ("platform", "content_id", "creator_account"),
                 ("title", "kind", "topic", "price")),
        FileKind("engagements", ("platform", "account_id", "content_id", "type", "timestamp"),
                 ("amount",)),
        FileKind("identity_links", ("platform_a", "account_a", "platform_b", "account_b")),
    )
}

#: Files are read in this order: accounts before the events that refer to them.
KIND_ORDER: tuple[str, ...] = ("accounts", "identity_links", "contents", "interactions",
                               "engagements")

FORMATS: dict[str, str] = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl"}

INTERACTION_TYPES = frozenset({"follow", "mention", "reply", "comment", "share", "like"})
ENGAGEMENT_TYPES = frozenset({"view", "like", "comment", "share", "purchase", "subscribe"})
PII_COLUMNS: tuple[str, ...] = ("phone", "email", "unionid")
#: Columns that hold a platform's own id of an account or a content.
ID_COLUMNS = frozenset({"account_id", "src_account", "dst_account", "content_id",
                        "creator_account", "account_a", "account_b"})


def kind_of(file_name: str) -> str | None:
    """The canonical kind a file name stands for, or ``None`` for an unknown file.

    The stem must be the kind, optionally followed by ``_``, ``-`` or ``.`` and a suffix.

    >>> kind_of("interactions_2025-07-02.csv"), kind_of("notes.txt"), kind_of("accountsx.csv")
    ('interactions', None, None)
    """
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    for kind in KINDS:
        if stem == kind or (stem.startswith(kind) and stem[len(kind)] in "_-."):
            return kind
    return None


def format_of(file_name: str) -> str | None:
    """``csv``, ``parquet`` or ``jsonl`` from the file's suffix, or ``None``.

    >>> format_of("a.JSONL"), format_of("a.xlsx")
    ('jsonl', None)
    """
    for suffix, fmt in FORMATS.items():
        if file_name.lower().endswith(suffix):
            return fmt
    return None
