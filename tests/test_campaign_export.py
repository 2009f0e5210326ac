"""Campaign exports and launch on both backends: the KOLs with their handles and followers on
every platform, the audience segment (the planner's audience, as accounts, kept to the
campaign's platforms and communities), streamed in pages as CSV with a BOM and as XLSX; a
100,000-account segment exported in bounded memory; and the launch posting the segment to a
local webhook receiver, signed, with a failed delivery recorded and the launch kept."""

from __future__ import annotations

import csv
import hashlib
import hmac
import http.server
import io
import json
import threading
import tracemalloc
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from graph import sheets
from graph.errors import InvalidInput, NotFound
from graph.store.falkordb_store import FalkorDBStore
from kolgraph.usecases import campaign_export, campaigns
from kolgraph.usecases.webhook import Webhook
from tests.test_cypher_library import kolgraph, lib_any_store, lib_store  # noqa: F401  (fixtures)


def _campaign(store: Any, ids: dict[str, str], **values: Any) -> str:
    cid = campaigns.create(store, {"name": "export", **values}, user="ann")
    campaigns.select(store, cid, [ids["W"], ids["L"]], "ann", costs={ids["W"]: 800})
    return cid


def _csv(chunks: Iterator[bytes]) -> list[list[str]]:
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith(sheets.BOM)
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx_rows(data: bytes) -> int:
    """Rows of the first sheet of an XLSX workbook (header included)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return book.read("xl/worksheets/sheet1.xml").count(b"<row ")


def test_the_kol_table_has_every_platform_handle_and_followers(lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    cid = _campaign(store, ids)
    columns, rows = campaign_export.kol_table(store, cid)
    kols = {k["person_id"]: k for k in campaigns.plan(store, cid).kols}
    assert columns[:6] == campaign_export.KOL_COLUMNS and len(rows) == 2
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        for account in kols[record["person_id"]]["accounts"]:
            assert account["handle"] in record[f"{account['platform']}_handle"].split(";")
        platforms = {a["platform"] for a in kols[record["person_id"]]["accounts"]}
        assert {c[:-7] for c in columns if c.endswith("_handle") and record[c]} == platforms
    assert dict(zip(columns, rows[[r[0] for r in rows].index(ids["W"])], strict=True))["cost"] \
        == 800.0


def test_the_segment_is_the_planned_audience_page_by_page(lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    cid = _campaign(store, ids)
    audience = set(campaigns.audience(store, [ids["W"], ids["L"]])["member"])
    whole = list(campaign_export.segment_rows(store, cid))
    assert {r[0] for r in whole} == audience and len(audience) == 8
    assert all(1 <= r[4] <= 2 for r in whole)
    for size in (1, 2, 3):
        assert list(campaign_export.segment_rows(store, cid, page_size=size)) == whole
    first = campaign_export.segment_page(store, cid, limit=3)
    second = campaign_export.segment_page(store, cid, after=first.next_after or "", limit=100)
    assert [list(r.values()) for r in first.rows + second.rows] == whole
    assert second.next_after is None and first.next_after is not None
    with pytest.raises(InvalidInput) as bad:
        campaign_export.segment_page(store, cid, limit=0)
    assert bad.value.param == "limit"


def test_the_segment_keeps_to_the_campaigns_platforms_and_communities(lib_any_store) -> None:  # noqa: F811,E501
    store, ids = lib_any_store
    whole = list(campaign_export.segment_rows(store, _campaign(store, ids)))
    on_zhihu = list(campaign_export.segment_rows(store, _campaign(store, ids,
                                                                  platforms=["zhihu"])))
    assert on_zhihu and on_zhihu == [r for r in whole if r[2] == "zhihu"]
    community = next(r[1] for r in whole if r[1] is not None)
    in_one = list(campaign_export.segment_rows(store, _campaign(store, ids,
                                                                communities=[community])))
    assert in_one and in_one == [r for r in whole if r[1] == community]


def test_downloads_are_csv_with_a_bom_and_xlsx(lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    cid = _campaign(store, ids)
    segment = list(campaign_export.segment_rows(store, cid))
    got = campaign_export.download(store, cid, "audience", "csv")
    assert got.filename == f"{cid}-audience.csv" and got.media_type.startswith("text/csv")
    table = _csv(got.chunks)
    assert table[0] == campaign_export.SEGMENT_COLUMNS and len(table) == len(segment) + 1
    assert [row[0] for row in table[1:]] == [str(r[0]) for r in segment]
    book = b"".join(campaign_export.download(store, cid, "kols", "xlsx").chunks)
    assert _xlsx_rows(book) == 3
    for what, fmt, param in (("people", "csv", "what"), ("kols", "pdf", "format")):
        with pytest.raises(InvalidInput) as bad:
            campaign_export.download(store, cid, what, fmt)
        assert bad.value.param == param
    with pytest.raises(NotFound):
        campaign_export.download(store, "Cnothere", "audience", "csv")


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802  (the http.server name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A local webhook receiver: its URL and what it received."""
    _Receiver.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/kolgraph?team=a", _Receiver.received
    server.shutdown()
    server.server_close()


def test_launch_posts_the_signed_segment_to_the_webhook(lib_any_store, receiver) -> None:  # noqa: F811,E501
    store, ids = lib_any_store
    url, received = receiver
    cid = _campaign(store, ids)
    delivery = campaign_export.launch(store, cid, "ann", Webhook(url, "shh"))
    assert delivery is not None and delivery.ok and delivery.status == 204
    assert campaigns.get(store, cid)["status"] == "launched"
    (headers, body), = received
    expected = hmac.new(b"shh", body, hashlib.sha256).hexdigest()
    assert headers["X-Kolgraph-Signature"] == f"sha256={expected}"
    assert headers["X-Kolgraph-Event"] == "campaign.launched"
    sent = json.loads(body)
    assert sent["campaign"]["campaign_id"] == cid and sent["campaign"]["status"] == "launched"
    assert {k["person_id"] for k in sent["kols"]} == {ids["W"], ids["L"]}
    assert sent["segment"] == [list(r) for r in campaign_export.segment_rows(store, cid)]
    assert sent["segment_rows"] == len(sent["segment"]) > 0
    trail = campaigns.history(store, cid)
    assert [e["action"] for e in trail][-2:] == ["status", "webhook"]
    assert trail[-1]["detail"].startswith("delivered: 127.0.0.1 answered HTTP 204")


def test_a_failed_delivery_keeps_the_launch_and_is_recorded(lib_any_store) -> None:  # noqa: F811
    store, ids = lib_any_store
    cid = _campaign(store, ids)
    with socket_closed() as port:
        delivery = campaign_export.launch(store, cid, "ann",
                                          Webhook(f"http://127.0.0.1:{port}/", timeout_s=5))
    assert delivery is not None and not delivery.ok and delivery.status is None
    assert campaigns.get(store, cid)["status"] == "launched"
    assert campaigns.history(store, cid)[-1]["detail"].startswith("failed: 127.0.0.1")
    assert campaign_export.launch(store, cid, "ann", None) is None
    campaigns.update(store, cid, {"status": "closed"}, "ann")
    with pytest.raises(InvalidInput) as closed:
        campaign_export.launch(store, cid, "ann", None)
    assert closed.value.param == "status"


class socket_closed:  # noqa: N801  (used as a context manager)
    """A local port with nothing listening on it."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_the_cli_exports_and_launches(kolgraph, lib_store, receiver, tmp_path,  # noqa: F811
                                      monkeypatch) -> None:
    store, ids = lib_store
    url, received = receiver
    cid = _campaign(store, ids)
    code, out, err = kolgraph("campaign", "export", cid, "audience")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out.lstrip(sheets.BOM))))
    assert rows[0] == campaign_export.SEGMENT_COLUMNS and len(rows) > 1
    target = tmp_path / "kols.xlsx"
    code, _out, err = kolgraph("campaign", "export", cid, "kols", "--out", str(target))
    assert code == 0 and _xlsx_rows(target.read_bytes()) == 3, err
    code, _out, err = kolgraph("campaign", "export", cid, "everyone")
    assert code == 2 and "'everyone' is not one of 'kols', 'audience'" in err
    monkeypatch.setenv("KOLGRAPH_CAMPAIGN_WEBHOOK", url)
    code, _out, err = kolgraph("campaign", "launch", cid)
    assert code == 0 and "launched; webhook delivered" in err and len(received) == 1, err
    monkeypatch.setenv("KOLGRAPH_CAMPAIGN_WEBHOOK", "http://127.0.0.1:9/nobody-listens")
    code, _out, err = kolgraph("campaign", "launch", cid)
    assert code == 1 and err.startswith("error: launched, but the webhook was not delivered")
    monkeypatch.setenv("KOLGRAPH_CAMPAIGN_WEBHOOK", "ftp://example/")
    code, _out, err = kolgraph("campaign", "launch", cid)
    assert code != 0 and "KOLGRAPH_CAMPAIGN_WEBHOOK" in err


SEGMENT_SIZE = 100_000


@pytest.fixture(scope="module")
def big_campaign(_server: Any) -> Iterator[tuple[FalkorDBStore, str]]:
    """A KOL followed by 100,000 persons (one account each) on the embedded database, in a
    campaign of its own."""
    store = FalkorDBStore(_server, "bigsegment")
    store.drop_all()
    store.apply_schema()
    store.write("CREATE (:Person {person_id: 'Pkol', display_name: 'kol'})-[:HAS_ACCOUNT]->"
                "(:Account {account_key: 'zhihu:kol', platform: 'zhihu', account_id: 'kol'})")
    for start in range(0, SEGMENT_SIZE, 20_000):
        store.write(
            "MATCH (k:Account {account_key: 'zhihu:kol'}) UNWIND $ids AS i "
            "CREATE (:Person {person_id: 'P' + i})-[:HAS_ACCOUNT]->(a:Account {account_key: "
            "'zhihu:u' + i, platform: 'zhihu', account_id: 'u' + i})-[:FOLLOWS]->(k)",
            {"ids": [f"{i:06d}" for i in range(start, start + 20_000)]})
    cid = campaigns.create(store, {"name": "big"}, user="ann")
    campaigns.select(store, cid, ["Pkol"], "ann")
    yield store, cid
    store.drop_all()
    store.close()


class _CountingReads:
    """The store, counting the rows of each read (to see the segment come page by page)."""

    def __init__(self, store: FalkorDBStore) -> None:
        self.store, self.reads = store, []

    def read(self, *args: Any, **kwargs: Any) -> Any:
        result = self.store.read(*args, **kwargs)
        self.reads.append(len(result.rows))
        return result


@pytest.mark.parametrize("fmt", sheets.FORMATS)
def test_a_100000_account_segment_streams_in_bounded_memory(big_campaign, fmt: str) -> None:
    store, cid = big_campaign
    counting = _CountingReads(store)
    got = campaign_export.download(counting, cid, "audience", fmt)  # type: ignore[arg-type]
    tracemalloc.start()
    try:
        size = 0
        first = b""
        kept: list[bytes] = []  # the workbook (2-3 MB), to open it afterwards
        for chunk in got.chunks:
            first = first or chunk
            size += len(chunk)
            if fmt == "xlsx":
                kept.append(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The rows alone, held at once, take well over 40 MB as Python objects; a page of
    # SEGMENT_PAGE rows a few MB.
    assert peak < 25e6, f"peak {peak / 1e6:.1f} MB while streaming {size:,} bytes"
    page = campaign_export.SEGMENT_PAGE
    assert counting.reads[-(SEGMENT_SIZE // page + 1):] == [page] * (SEGMENT_SIZE // page) + [0]
    if fmt == "csv":
        assert first.startswith(sheets.BOM.encode())
        assert size > SEGMENT_SIZE * len("P000000,,zhihu,u000000,1\r\n")
    else:
        assert _xlsx_rows(b"".join(kept)) == SEGMENT_SIZE + 1
