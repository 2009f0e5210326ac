"""Webhook delivery: one JSON body, already written to a file, posted to the configured URL
with an HMAC-SHA256 signature, so that a marketing-automation tool can trust and pick up a
launched campaign's segment.

The standard library's ``http.client`` posts it (no new dependency for one POST): the body is
sent from the file in blocks with its ``Content-Length``, redirects are not followed (a
webhook answering 3xx is misconfigured), and any answer but 2xx is a failure.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import IO

from graph.config import Settings

USER_AGENT = "kolgraph-webhook/1"


@dataclass(frozen=True)
class Webhook:
    """Where and how to post: ``url`` (http or https), ``secret`` (signs the body; ``None``:
    unsigned), ``timeout_s`` for connecting and for each read."""

    url: str
    secret: str | None = None
    timeout_s: float = 30.0


@dataclass(frozen=True)
class Delivery:
    """The outcome: ``ok``, the HTTP ``status`` (``None`` when no answer came), ``detail`` (a
    line for the audit trail) and the ``delivery_id`` sent in ``X-Kolgraph-Delivery``."""

    ok: bool
    status: int | None
    detail: str
    delivery_id: str


def configured(settings: Settings) -> Webhook | None:
    """The webhook of ``settings`` (``campaign_webhook_url`` and ``_secret``), ``None`` when
    no URL is set."""
    if not settings.campaign_webhook_url:
        return None
    return Webhook(settings.campaign_webhook_url, settings.campaign_webhook_secret)


def signature(secret: str, body: IO[bytes]) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of the whole of ``body`` (read from where it is, then
    put back there) under ``secret``.

    >>> import io
    >>> signature("s", io.BytesIO(b"{}"))[:15]
    'sha256=143ca8d5'
    """
    start = body.tell()
    mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
    while block := body.read(1 << 16):
        mac.update(block)
    body.seek(start)
    return "sha256=" + mac.hexdigest()


def post(webhook: Webhook, event: str, body: IO[bytes]) -> Delivery:
    """POST ``body`` (a JSON document in a seekable binary file) to ``webhook.url`` with the
    headers ``X-Kolgraph-Event: <event>``, ``X-Kolgraph-Delivery`` and, with a secret,
    ``X-Kolgraph-Signature``. Never raises for network or HTTP failures: they come back as a
    ``Delivery`` that is not ``ok``."""
    delivery_id = uuid.uuid4().hex
    parts = urllib.parse.urlsplit(webhook.url)
    host = parts.hostname or ""
    body.seek(0, 2)
    length = body.tell()
    body.seek(0)
    headers = {"Content-Type": "application/json; charset=utf-8",
               "Content-Length": str(length), "User-Agent": USER_AGENT,
               "X-Kolgraph-Event": event, "X-Kolgraph-Delivery": delivery_id}
    if webhook.secret:
        headers["X-Kolgraph-Signature"] = signature(webhook.secret, body)
    connection_type = (http.client.HTTPSConnection if parts.scheme == "https"
                       else http.client.HTTPConnection)
    connection = connection_type(host, parts.port, timeout=webhook.timeout_s)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read(4096)
    except (OSError, http.client.HTTPException) as exc:
        return Delivery(False, None, f"failed: {host}: {exc or type(exc).__name__}",
                        delivery_id)
    finally:
        connection.close()
    ok = 200 <= answer.status < 300
    return Delivery(ok, answer.status,
                    f"{'delivered' if ok else 'refused'}: {host} answered HTTP {answer.status}",
                    delivery_id)
