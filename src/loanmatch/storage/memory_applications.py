"""The in-memory application, data-release and lender-key repositories
(:class:`loanmatch.storage.memory.MemoryUnitOfWork` wires and commits them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from loanmatch.domain.applications import Application
from loanmatch.errors import ApplyRefusedError, TransitionError
from loanmatch.storage.records import DataRelease, LenderKey, OutboxMessage, Webhook
from loanmatch.storage.unit_of_work import (
    ApplicationRepository,
    CapacityLedger,
    DataReleaseLog,
    LenderKeyRepository,
    Outbox,
    WebhookRepository,
)

__all__ = [
    "MemoryApplications",
    "MemoryCapacity",
    "MemoryDataReleases",
    "MemoryLenderKeys",
    "MemoryOutbox",
    "MemoryWebhooks",
]


def _by_time(applications: Sequence[Application]) -> list[Application]:
    return sorted(applications, key=lambda a: (a.submitted_at, a.id))


class MemoryApplications(ApplicationRepository):
    def __init__(self, applications: dict[str, Application]) -> None:
        self._applications = applications
        self.base_versions: dict[str, int | None] = {}
        """Applications changed here -> the committed version they started from (None: new)."""

    def add(self, application: Application) -> None:
        taken = any(
            a.session_id == application.session_id and a.product_id == application.product_id
            for a in self._applications.values()
        )
        if taken or application.id in self._applications:
            raise ApplyRefusedError(
                "already_applied",
                f"session {application.session_id} has applied to {application.product_id}",
                zh="您已经申请过这个产品",
            )
        self.base_versions.setdefault(application.id, None)
        self._applications[application.id] = application

    def get(self, application_id: str) -> Application | None:
        return self._applications.get(application_id)

    def for_session(self, session_id: str) -> Sequence[Application]:
        found = [a for a in self._applications.values() if a.session_id == session_id]
        return _by_time(found)

    def for_lender(self, lender_id: str, status: str | None = None) -> Sequence[Application]:
        found = [
            a
            for a in self._applications.values()
            if a.lender_id == lender_id and (status is None or a.status.value == status)
        ]
        return _by_time(found)

    def decided_between(
        self, start: datetime, end: datetime, lender_id: str | None = None
    ) -> Sequence[Application]:
        found = [
            (decided[1].at, a.id, a)
            for a in self._applications.values()
            if (decided := a.decided) is not None
            and start <= decided[1].at < end
            and (lender_id is None or a.lender_id == lender_id)
        ]
        return [a for _, _, a in sorted(found, key=lambda t: (t[0], t[1]))]

    def offered_p(self, lender_id: str, model_id: str, limit: int) -> Sequence[float]:
        mine = [
            (a.submitted_at, a.id, a.prediction.p_approve)
            for a in self._applications.values()
            if a.lender_id == lender_id
            and a.prediction is not None
            and a.prediction.model_id == model_id
        ]
        return [p for _, _, p in sorted(mine, reverse=True)[:limit]]

    def update(self, application: Application) -> Application:
        current = self._applications.get(application.id)
        if current is None or current.version != application.version:
            raise TransitionError(
                "conflict",
                "update",
                application.status,
                f"application {application.id} was changed by another request; read it again",
            )
        self.base_versions.setdefault(application.id, current.version)
        stored = replace(application, version=application.version + 1)
        self._applications[application.id] = stored
        return stored


class MemoryDataReleases(DataReleaseLog):
    def __init__(self, releases: list[DataRelease]) -> None:
        self._releases = releases

    def append(self, release: DataRelease) -> None:
        self._releases.append(replace(release, id=len(self._releases) + 1))

    def for_session(self, session_id: str) -> Sequence[DataRelease]:
        return [r for r in self._releases if r.session_id == session_id]


class MemoryLenderKeys(LenderKeyRepository):
    def __init__(self, keys: dict[str, LenderKey]) -> None:
        self._keys = keys
        self.changed: set[str] = set()

    def add(self, key: LenderKey) -> None:
        if key.id in self._keys:
            raise ValueError(f"lender key {key.id} exists already")
        self._keys[key.id] = key
        self.changed.add(key.id)

    def get(self, key_id: str) -> LenderKey | None:
        return self._keys.get(key_id)

    def for_lender(self, lender_id: str) -> Sequence[LenderKey]:
        keys = [k for k in self._keys.values() if k.lender_id == lender_id]
        return sorted(keys, key=lambda k: k.created_at)

    def save_revocation(self, key: LenderKey) -> None:
        stored = self._keys.get(key.id)
        if stored is None:
            raise KeyError(f"no lender key {key.id}")
        self._keys[key.id] = replace(stored, revoked_at=key.revoked_at)
        self.changed.add(key.id)


class MemoryWebhooks(WebhookRepository):
    def __init__(self, webhooks: dict[str, Webhook]) -> None:
        self._webhooks = webhooks

    def set(self, webhook: Webhook) -> None:
        self._webhooks[webhook.lender_id] = webhook

    def get(self, lender_id: str) -> Webhook | None:
        return self._webhooks.get(lender_id)


class MemoryOutbox(Outbox):
    """Messages by id; the unit of work writes back the ones added or saved."""

    def __init__(self, messages: list[OutboxMessage]) -> None:
        self._messages = messages

    def add(self, message: OutboxMessage) -> None:
        self._messages.append(replace(message, id=len(self._messages) + 1))

    def claim_due(self, at: datetime, limit: int) -> Sequence[OutboxMessage]:
        due = [
            m
            for m in self._messages
            if m.delivered_at is None and m.dead_at is None and m.next_attempt_at <= at
        ]
        return due[:limit]

    def save(self, message: OutboxMessage) -> None:
        for index, stored in enumerate(self._messages):
            if stored.id == message.id:
                self._messages[index] = message
                return
        raise KeyError(f"no outbox message {message.id}")

    def all(self) -> Sequence[OutboxMessage]:
        return list(self._messages)


class MemoryCapacity(CapacityLedger):
    def __init__(self, used: dict[tuple[str, str], int]) -> None:
        self._used = used

    def take(self, product_id: str, day: str, capacity: int) -> bool:
        now = self._used.get((product_id, day), 0)
        if now >= capacity:
            return False
        self._used[(product_id, day)] = now + 1
        return True

    def used(self, product_id: str, day: str) -> int:
        return self._used.get((product_id, day), 0)
