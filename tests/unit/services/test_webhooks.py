"""Webhook events: written with the change they report, signed, retried with backoff, given up
after the last attempt (in-memory unit of work, a fake sender)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest

from loanmatch.domain.products import Market
from loanmatch.errors import ApplyRefusedError, RequestError
from loanmatch.services import applications as apps
from loanmatch.services.webhooks import MAX_ATTEMPTS, backoff, deliver_due, set_webhook
from tests.unit.services.conftest import World
from tests.unit.services.fakes import PRODUCTS, OfferingEngine
from tests.unit.services.test_applications_flow import finished


@dataclass
class Receiver:
    """Answers ``status`` (or raises) and keeps every request."""

    status: int = 200
    error: Exception | None = None
    got: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.got.append((url, body, dict(headers)))
        if self.error is not None:
            raise self.error
        return self.status


@pytest.fixture
def hooked(world: World) -> tuple[World, str]:
    world.engine = OfferingEngine(world.catalog)
    _, secret = set_webhook(world.uow(), "bank_a", "https://bank-a.example/hooks", world.clock())
    return world, secret


def ctx(world: World) -> apps.ApplicationsContext:
    return apps.ApplicationsContext(world.ctx, Market(world.catalog, PRODUCTS))


def test_an_application_writes_its_event_for_the_lender_with_a_webhook_only(
    hooked: tuple[World, str],
) -> None:
    world, _ = hooked
    session = finished(world)
    apps.apply(world.uow(), ctx(world), session, ["p1", "p3"], "k")
    (message,) = world.store.outbox
    assert (message.lender_id, message.kind) == ("bank_a", "application.submitted")
    assert set(message.payload) == {"application_id", "product_id", "status"}, "ids only"


def test_a_refused_application_writes_no_event(hooked: tuple[World, str]) -> None:
    world, _ = hooked
    session = finished(world)
    with pytest.raises(ApplyRefusedError):
        apps.apply(world.uow(), ctx(world), session, ["p1", "nope"], "k")
    assert world.store.outbox == []


def test_a_delivered_event_is_signed_so_the_lender_can_verify_it(
    hooked: tuple[World, str],
) -> None:
    world, secret = hooked
    apps.apply(world.uow(), ctx(world), finished(world), ["p1"], "k")
    receiver = Receiver()
    assert deliver_due(world.uow, world.clock, receiver).sent == 1
    (url, body, headers) = receiver.got[0]
    assert url == "https://bank-a.example/hooks"
    signed = f"{headers['Webhook-Timestamp']}.".encode() + body
    expected = "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["Webhook-Signature"], expected)
    assert json.loads(body)["id"] == headers["Webhook-Id"] == world.store.outbox[0].delivery_id
    assert world.store.outbox[0].delivered_at == world.clock()
    assert deliver_due(world.uow, world.clock, receiver).sent == 0, "delivered once"


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(
    hooked: tuple[World, str],
) -> None:
    world, _ = hooked
    apps.apply(world.uow(), ctx(world), finished(world), ["p1"], "k")
    receiver = Receiver(error=httpx.ConnectError("refused"))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        done = deliver_due(world.uow, world.clock, receiver)
        assert (done.failed, done.dead) == ((1, 0) if attempt < MAX_ATTEMPTS else (0, 1))
        assert deliver_due(world.uow, world.clock, receiver) == type(done)(), "not due yet"
        world.clock.advance(seconds=backoff(attempt).total_seconds())
    (message,) = world.store.outbox
    assert message.attempts == MAX_ATTEMPTS
    assert message.dead_at is not None
    assert "ConnectError" in message.last_error
    assert len(receiver.got) == MAX_ATTEMPTS


def test_a_non_2xx_answer_is_a_failure_and_the_next_attempt_can_succeed(
    hooked: tuple[World, str],
) -> None:
    world, _ = hooked
    apps.apply(world.uow(), ctx(world), finished(world), ["p1"], "k")
    assert deliver_due(world.uow, world.clock, Receiver(status=503)).failed == 1
    assert world.store.outbox[0].last_error == "HTTP 503"
    world.clock.advance(seconds=10)
    assert deliver_due(world.uow, world.clock, Receiver()).sent == 1


def test_backoff_doubles_from_ten_seconds_to_at_most_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 40]
    assert backoff(30) == timedelta(hours=1)


def test_a_webhook_needs_an_http_url(world: World) -> None:
    with pytest.raises(RequestError, match="http"):
        set_webhook(world.uow(), "bank_a", "ftp://x", world.clock())
