"""A campaign ready for launch: its KOLs with their handle and followers on every platform,
its audience segment (person ids and platform account ids, never personal data), as streamed
CSV (UTF-8 with BOM) or XLSX downloads and as JSON pages; and the launch itself, which posts
the segment to the configured webhook and records the outcome in the campaign's trail.

The segment is the accounts of persons in the audience of the selected KOLs (the one
definition of ``graph.analytics.planner``: an account that follows or interacted with one of
the KOL's accounts), kept to the campaign's platforms and target communities when it names
any. It is read from the graph a page at a time in account-key order, so a segment of any
size streams in bounded memory.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from graph import sheets
from graph.errors import InvalidInput
from graph.store import campaign_io
from graph.store.base import GraphStore, Row
from kolgraph.usecases import campaigns
from kolgraph.usecases.webhook import Delivery, Webhook, post

WHATS: tuple[str, ...] = ("kols", "audience")
KOL_COLUMNS: list[str] = ["person_id", "display_name", "community_id", "kol_score",
                          "followers_total", "cost"]
SEGMENT_COLUMNS: list[str] = ["person_id", "community_id", "platform", "account_id", "kols"]
#: Accounts read from the graph per query while a segment streams.
SEGMENT_PAGE = 5000
#: The most accounts one JSON page of the segment holds.
MAX_JSON_PAGE = 10_000
EVENT_LAUNCHED = "campaign.launched"


@dataclass(frozen=True)
class Download:
    """A download ready to stream: ``filename``, ``media_type`` and ``chunks`` (bytes, read
    from the graph only as they are consumed)."""

    filename: str
    media_type: str
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class SegmentPage:
    """One JSON page of a segment: ``rows`` (dicts of ``SEGMENT_COLUMNS``) and ``next_after``
    (the cursor of the next page; ``None`` on the last)."""

    rows: list[Row]
    next_after: str | None


def kol_table(store: GraphStore, campaign_id: str) -> tuple[list[str], list[list[Any]]]:
    """The campaign's KOLs as a table: ``KOL_COLUMNS`` then ``<platform>_handle`` and
    ``<platform>_followers`` for every platform any of them is on (a person with two
    accounts on one platform: handles joined with ``;``, followers added up)."""
    campaigns.get(store, campaign_id)
    kols = campaign_io.selection(store, campaign_id)
    platforms = sorted({str(a["platform"]) for k in kols for a in k["accounts"]})
    columns = [*KOL_COLUMNS, *(f"{p}_{part}" for p in platforms
                               for part in ("handle", "followers"))]
    rows = []
    for kol in kols:
        row: list[Any] = [kol.get(c) for c in KOL_COLUMNS]
        for platform in platforms:
            mine = [a for a in kol["accounts"] if a["platform"] == platform]
            row.append(";".join(str(a["handle"]) for a in mine) or None)
            row.append(sum(int(a.get("followers") or 0) for a in mine) if mine else None)
        rows.append(row)
    return columns, rows


def _targets(campaign: Row) -> dict[str, list[Any]]:
    return {"platforms": [str(p) for p in campaign.get("platforms") or []],
            "communities": [int(c) for c in campaign.get("communities") or []]}


def segment_page(store: GraphStore, campaign_id: str, after: str = "",
                 limit: int = 1000) -> SegmentPage:
    """The segment's accounts after the cursor ``after`` (``""``: from the start), at most
    ``limit`` (1 to ``MAX_JSON_PAGE``, else ``InvalidInput`` naming ``limit``)."""
    if not 1 <= limit <= MAX_JSON_PAGE:
        raise InvalidInput("limit", f"must be between 1 and {MAX_JSON_PAGE}, got {limit}")
    campaign = campaigns.get(store, campaign_id)
    rows = campaign_io.segment_page(store, campaign_id, after=after, limit=limit,
                                    **_targets(campaign))
    next_after = str(rows[-1]["account_key"]) if len(rows) == limit else None
    return SegmentPage([{c: r[c] for c in SEGMENT_COLUMNS} for r in rows], next_after)


def segment_rows(store: GraphStore, campaign_id: str,
                 page_size: int = SEGMENT_PAGE) -> Iterator[list[Any]]:
    """Every account of the segment as a ``SEGMENT_COLUMNS`` row, read ``page_size`` at a
    time as the rows are consumed. ``NotFound`` for an unknown campaign comes at once, not at
    the first row."""
    targets = _targets(campaigns.get(store, campaign_id))

    def pages() -> Iterator[list[Any]]:
        after = ""
        while True:
            rows = campaign_io.segment_page(store, campaign_id, after=after, limit=page_size,
                                            **targets)
            for row in rows:
                yield [row[c] for c in SEGMENT_COLUMNS]
            if len(rows) < page_size:
                return
            after = str(rows[-1]["account_key"])

    return pages()


def download(store: GraphStore, campaign_id: str, what: str, fmt: str) -> Download:
    """The campaign's ``what`` (``kols`` or ``audience``) in ``fmt`` (``csv`` or ``xlsx``);
    a wrong value raises ``InvalidInput`` naming ``what`` or ``format``, an unknown campaign
    ``NotFound``, before anything streams."""
    if what not in WHATS:
        raise InvalidInput("what", f"one of {', '.join(WHATS)}, got {what!r}")
    if fmt not in sheets.FORMATS:
        raise InvalidInput("format", f"one of {', '.join(sheets.FORMATS)}, got {fmt!r}")
    if what == "kols":
        columns, table = kol_table(store, campaign_id)
        rows: Iterator[list[Any]] = iter(table)
    else:
        columns, rows = SEGMENT_COLUMNS, segment_rows(store, campaign_id)
    return Download(f"{campaign_id}-{what}.{fmt}", sheets.MEDIA_TYPES[fmt],
                    sheets.chunks(fmt, columns, rows, sheet=what))


def write_payload(store: GraphStore, campaign_id: str, out: IO[bytes]) -> int:
    """Write the webhook body of a launched campaign to ``out``: ``{"event", "sent_at",
    "campaign", "kols" (with their accounts), "segment_columns", "segment" (rows),
    "segment_rows"}``, the segment streamed from the graph. Returns the segment's rows."""
    campaign = campaigns.get(store, campaign_id)
    kols = [{"person_id": k["person_id"], "display_name": k.get("display_name"),
             "cost": k.get("cost"), "accounts": k["accounts"]}
            for k in campaign_io.selection(store, campaign_id)]
    head = {"event": EVENT_LAUNCHED,
            "sent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "campaign": campaign, "kols": kols, "segment_columns": SEGMENT_COLUMNS}
    out.write(json.dumps(head, ensure_ascii=False, default=str)[:-1].encode("utf-8"))
    out.write(b', "segment": [')
    count = 0
    for row in segment_rows(store, campaign_id):
        out.write((b",\n" if count else b"\n")
                  + json.dumps(row, ensure_ascii=False).encode("utf-8"))
        count += 1
    out.write(f'\n], "segment_rows": {count}}}'.encode())
    return count


def notify(store: GraphStore, campaign_id: str, user: str, webhook: Webhook) -> Delivery:
    """Post the campaign's launch body to ``webhook`` and record the outcome (action
    ``webhook``) in its trail."""
    with tempfile.TemporaryFile(prefix="kolgraph-webhook-") as body:
        count = write_payload(store, campaign_id, body)
        delivery = post(webhook, EVENT_LAUNCHED, body)
    campaign_io.log_event(store, campaign_id, user, "webhook",
                          f"{delivery.detail} ({count} accounts)")
    return delivery


def launch(store: GraphStore, campaign_id: str, user: str,
           webhook: Webhook | None) -> Delivery | None:
    """Set the campaign's status to ``launched`` (a launched one stays so), then post its
    segment to ``webhook`` when one is configured; returns the delivery (``None``: no
    webhook). A failed delivery does not undo the launch: launching again re-sends it."""
    current = campaigns.get(store, campaign_id)
    if current.get("status") == "closed":
        raise InvalidInput("status", "the campaign is closed; reopen it before launching")
    campaigns.update(store, campaign_id, {"status": "launched"}, user)
    return notify(store, campaign_id, user, webhook) if webhook is not None else None
