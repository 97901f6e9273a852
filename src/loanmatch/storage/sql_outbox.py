"""The webhook, outbox and capacity repositories over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from loanmatch.storage.orm import OutboxRow, ProductCapacityRow, WebhookRow
from loanmatch.storage.records import OutboxMessage, Webhook, as_utc, maybe_utc
from loanmatch.storage.unit_of_work import CapacityLedger, Outbox, WebhookRepository

__all__ = ["SqlCapacity", "SqlOutbox", "SqlWebhooks"]


class SqlWebhooks(WebhookRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def set(self, webhook: Webhook) -> None:
        row = self._session.get(WebhookRow, webhook.lender_id)
        if row is None:
            self._session.add(
                WebhookRow(
                    lender_id=webhook.lender_id,
                    url=webhook.url,
                    secret=webhook.secret,
                    created_at=webhook.created_at,
                )
            )
        else:
            row.url, row.secret, row.created_at = webhook.url, webhook.secret, webhook.created_at
        self._session.flush()

    def get(self, lender_id: str) -> Webhook | None:
        row = self._session.get(WebhookRow, lender_id, populate_existing=True)
        if row is None:
            return None
        return Webhook(row.lender_id, row.url, row.secret, as_utc(row.created_at))


def _message(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        delivery_id=row.delivery_id,
        lender_id=row.lender_id,
        kind=row.kind,
        payload=dict(row.payload),
        created_at=as_utc(row.created_at),
        next_attempt_at=as_utc(row.next_attempt_at),
        attempts=row.attempts,
        delivered_at=maybe_utc(row.delivered_at),
        dead_at=maybe_utc(row.dead_at),
        last_error=row.last_error,
        id=row.id,
    )


class SqlOutbox(Outbox):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, message: OutboxMessage) -> None:
        self._session.add(
            OutboxRow(
                delivery_id=message.delivery_id,
                lender_id=message.lender_id,
                kind=message.kind,
                payload=dict(message.payload),
                created_at=message.created_at,
                next_attempt_at=message.next_attempt_at,
                attempts=message.attempts,
                delivered_at=message.delivered_at,
                dead_at=message.dead_at,
                last_error=message.last_error,
            )
        )

    def claim_due(self, at: datetime, limit: int) -> Sequence[OutboxMessage]:
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.delivered_at.is_(None),
                OutboxRow.dead_at.is_(None),
                OutboxRow.next_attempt_at <= at,
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_message(r) for r in self._session.scalars(query)]

    def save(self, message: OutboxMessage) -> None:
        row = self._session.get(OutboxRow, message.id)
        if row is None:
            raise KeyError(f"no outbox message {message.id}")
        row.attempts = message.attempts
        row.next_attempt_at = message.next_attempt_at
        row.delivered_at = message.delivered_at
        row.dead_at = message.dead_at
        row.last_error = message.last_error
        self._session.flush()

    def all(self) -> Sequence[OutboxMessage]:
        return [
            _message(r) for r in self._session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        ]


class SqlCapacity(CapacityLedger):
    """A row per product and day; taking one is a conditional ``UPDATE ... WHERE used <
    capacity``, which the database applies atomically (row lock on PostgreSQL, the write lock
    on SQLite)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def take(self, product_id: str, day: str, capacity: int) -> bool:
        dialect = self._session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        values = {"product_id": product_id, "day": day, "used": 0}
        self._session.execute(insert(ProductCapacityRow).values(**values).on_conflict_do_nothing())
        taken = self._session.execute(
            update(ProductCapacityRow)
            .where(
                ProductCapacityRow.product_id == product_id,
                ProductCapacityRow.day == day,
                ProductCapacityRow.used < capacity,
            )
            .values(used=ProductCapacityRow.used + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(taken.rowcount == 1)  # type: ignore[attr-defined]

    def used(self, product_id: str, day: str) -> int:
        row = self._session.get(ProductCapacityRow, (product_id, day), populate_existing=True)
        return row.used if row is not None else 0
