"""Lender webhooks: signed, retried with backoff, from a transactional outbox (issue 12).

A change that a lender should hear of (an application submitted to it, withdrawn, documents
provided) writes an :class:`~loanmatch.storage.records.OutboxMessage` in the SAME transaction as
the change (:func:`enqueue`), so no change is committed without its event and no event without
its change. A worker (``loanmatch lender deliver``) then sends the due messages one by one, each
in its own transaction: claim it (on PostgreSQL the row stays locked and other workers skip it,
``FOR UPDATE SKIP LOCKED``), POST it, record the outcome, commit. A worker killed between the
POST and the commit sends that message again when it restarts, so delivery is at least once;
the ``Webhook-Id`` header (the message's ``delivery_id``) lets the receiver drop a repeat, which
makes it exactly once as far as the receiver can tell.

The body is JSON: ``id``, ``kind``, ``created_at`` and ``data`` (ids and statuses only, never
the owner's facts: the lender reads those through the API with its key). Headers:

- ``Webhook-Id``: the delivery id;
- ``Webhook-Timestamp``: Unix seconds when this attempt was signed;
- ``Webhook-Signature``: ``v1=`` and the hex HMAC-SHA256, under the lender's webhook secret, of
  ``"<timestamp>." + body`` (Python's :mod:`hmac`; verify with the same and
  :func:`hmac.compare_digest`, and refuse a timestamp more than 5 minutes old).

A failed attempt (no answer in 10 s, or not 2xx) is retried after 10 s, 20 s, 40 s, ... at most
an hour apart; after :data:`MAX_ATTEMPTS` the message is marked dead and kept, with its error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import httpx

from loanmatch.domain.applications import Application
from loanmatch.errors import RequestError
from loanmatch.storage.records import OutboxMessage, Webhook
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "MAX_ATTEMPTS",
    "Delivered",
    "Sender",
    "backoff",
    "deliver_due",
    "enqueue",
    "http_send",
    "notify_application",
    "set_webhook",
    "sign",
]

MAX_ATTEMPTS = 12
BASE_DELAY_S = 10.0
MAX_DELAY_S = 3600.0
TIMEOUT_S = 10.0

Sender = Callable[[str, bytes, Mapping[str, str]], int]
"""POST ``body`` with ``headers`` to ``url``; the HTTP status (raise on no answer)."""


def http_send(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """The real sender (httpx, :data:`TIMEOUT_S`, no redirects followed)."""
    return httpx.post(url, content=body, headers=dict(headers), timeout=TIMEOUT_S).status_code


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Webhook-Signature`` value for ``body`` signed at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return timedelta(seconds=min(BASE_DELAY_S * 2 ** max(attempts - 1, 0), MAX_DELAY_S))


def set_webhook(uow: UnitOfWork, lender_id: str, url: str, at: datetime) -> tuple[Webhook, str]:
    """Point ``lender_id``'s events at ``url`` with a new secret (returned once)."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise RequestError([{"loc": ["url"], "msg": f"an http(s) URL is needed, got {url!r}"}])
    secret = secrets.token_urlsafe(32)
    webhook = Webhook(lender_id, str(parsed), secret, at)
    with uow:
        uow.webhooks.set(webhook)
        uow.commit()
    return webhook, secret


def enqueue(uow: UnitOfWork, lender_id: str, kind: str, data: dict[str, Any], at: datetime) -> None:
    """Inside the caller's unit of work: an event for ``lender_id``'s webhook, if it has one."""
    if uow.webhooks.get(lender_id) is None:
        return
    uow.outbox.add(OutboxMessage(uuid.uuid4().hex, lender_id, kind, data, at, next_attempt_at=at))


def notify_application(uow: UnitOfWork, application: Application, kind: str, at: datetime) -> None:
    """:func:`enqueue` the event ``kind`` of ``application`` for its lender (ids only)."""
    data = {"application_id": application.id, "product_id": application.product_id,
            "status": application.status.value}  # fmt: skip
    enqueue(uow, application.lender_id, kind, data, at)


@dataclass(frozen=True)
class Delivered:
    """What one :func:`deliver_due` pass did."""

    sent: int = 0
    failed: int = 0
    dead: int = 0


def _body(message: OutboxMessage) -> bytes:
    document = {
        "id": message.delivery_id,
        "kind": message.kind,
        "created_at": message.created_at.isoformat(),
        "data": message.payload,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _attempt(message: OutboxMessage, webhook: Webhook | None, send: Sender) -> str:
    """ "" when delivered, else what went wrong."""
    if webhook is None:
        return "the lender has no webhook any more"
    body = _body(message)
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "Webhook-Id": message.delivery_id,
        "Webhook-Timestamp": str(stamp),
        "Webhook-Signature": sign(webhook.secret, stamp, body),
    }
    try:
        status = send(webhook.url, body, headers)
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"[:500]
    return "" if 200 <= status < 300 else f"HTTP {status}"


def deliver_due(
    unit_of_work: Callable[[], UnitOfWork],
    clock: Callable[[], datetime],
    send: Sender = http_send,
    limit: int = 100,
) -> Delivered:
    """Send up to ``limit`` due messages, one transaction each (see the module docstring)."""
    sent = failed = dead = 0
    for _ in range(limit):
        with unit_of_work() as uow:
            claimed = uow.outbox.claim_due(clock(), 1)
            if not claimed:
                break
            message = claimed[0]
            error = _attempt(message, uow.webhooks.get(message.lender_id), send)
            now = clock()
            attempts = message.attempts + 1
            if not error:
                changed = replace(message, attempts=attempts, delivered_at=now, last_error="")
                sent += 1
            elif attempts >= MAX_ATTEMPTS:
                changed = replace(message, attempts=attempts, dead_at=now, last_error=error)
                dead += 1
            else:
                changed = replace(message, attempts=attempts, last_error=error,
                                  next_attempt_at=now + backoff(attempts))  # fmt: skip
                failed += 1
            uow.outbox.save(changed)
            uow.commit()
    return Delivered(sent, failed, dead)
