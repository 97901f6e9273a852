"""An in-memory unit of work with the same all-or-nothing commit as the database one.

For unit tests (and trying things out): :class:`MemoryStore` holds what is "committed"; each
:class:`MemoryUnitOfWork` works on a private copy and writes it back only on :meth:`commit`.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Self

from loanmatch.domain.applications import Application
from loanmatch.domain.events import IntakeEvent
from loanmatch.errors import SessionConflictError, TransitionError
from loanmatch.storage.memory_applications import (
    MemoryApplications,
    MemoryCapacity,
    MemoryDataReleases,
    MemoryLenderKeys,
    MemoryOutbox,
    MemoryWebhooks,
)
from loanmatch.storage.memory_identity import MemoryIdentity
from loanmatch.storage.memory_operations import MemoryFloors, MemoryHolds, MemoryJobs, MemoryModels
from loanmatch.storage.memory_products import MemoryProducts, commit_products
from loanmatch.storage.memory_staff import MemoryStaff
from loanmatch.storage.records import (
    AuditEntry,
    DataRelease,
    DriftState,
    IdentityChallenge,
    Job,
    LenderFloor,
    LenderHold,
    LenderKey,
    ModelVersion,
    OutboxMessage,
    OwnerToken,
    ProductVersion,
    SessionRecord,
    StaffSession,
    StaffUser,
    StoredConsent,
    Webhook,
    as_utc,
)
from loanmatch.storage.unit_of_work import (
    AuditLog,
    ConsentRepository,
    EventLog,
    SessionRepository,
    UnitOfWork,
)

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


@dataclass
class MemoryStore:
    """Committed data. ``commits`` counts successful commits (tests read it)."""

    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    consents: list[StoredConsent] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    events: list[IntakeEvent] = field(default_factory=list)
    applications: dict[str, Application] = field(default_factory=dict)
    releases: list[DataRelease] = field(default_factory=list)
    lender_keys: dict[str, LenderKey] = field(default_factory=dict)
    webhooks: dict[str, Webhook] = field(default_factory=dict)
    outbox: list[OutboxMessage] = field(default_factory=list)
    capacity: dict[tuple[str, str], int] = field(default_factory=dict)
    challenges: dict[str, IdentityChallenge] = field(default_factory=dict)
    tokens: dict[str, OwnerToken] = field(default_factory=dict)
    staff: dict[str, StaffUser] = field(default_factory=dict)
    staff_sessions: dict[str, StaffSession] = field(default_factory=dict)
    products: dict[tuple[str, int], ProductVersion] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    models: dict[str, ModelVersion] = field(default_factory=dict)
    holds: dict[str, LenderHold] = field(default_factory=dict)
    floors: dict[tuple[str, str], LenderFloor] = field(default_factory=dict)
    drift: dict[str, DriftState] = field(default_factory=dict)
    commits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def snapshot(self) -> MemoryStore:
        return MemoryStore(
            sessions=dict(self.sessions),
            consents=list(self.consents),
            audit=list(self.audit),
            events=list(self.events),
            applications=dict(self.applications),
            releases=list(self.releases),
            lender_keys=dict(self.lender_keys),
            webhooks=dict(self.webhooks),
            outbox=list(self.outbox),
            capacity=dict(self.capacity),
            challenges=dict(self.challenges),
            tokens=dict(self.tokens),
            staff=dict(self.staff),
            staff_sessions=dict(self.staff_sessions),
            products=dict(self.products),
            jobs=dict(self.jobs),
            models=dict(self.models),
            holds=dict(self.holds),
            floors=dict(self.floors),
            drift=dict(self.drift),
            commits=self.commits,
        )


class _Sessions(SessionRepository):
    def __init__(self, data: MemoryStore) -> None:
        self._data = data
        self.base_versions: dict[str, int | None] = {}
        """Sessions changed in this unit of work -> the committed version they started from."""

    def add(self, record: SessionRecord) -> None:
        if record.id in self._data.sessions:
            raise SessionConflictError(f"session {record.id} exists already")
        self.base_versions.setdefault(record.id, None)
        self._data.sessions[record.id] = copy.deepcopy(record)

    def get(self, session_id: str) -> SessionRecord | None:
        record = self._data.sessions.get(session_id)
        return copy.deepcopy(record) if record is not None else None

    def idle(self, before: datetime, limit: int) -> Sequence[str]:
        found = [r for r in self._data.sessions.values()
                 if r.updated_at < before and r.stage != "erased"]  # fmt: skip
        return [r.id for r in sorted(found, key=lambda r: r.updated_at)[:limit]]

    def update(self, record: SessionRecord) -> SessionRecord:
        current = self._data.sessions.get(record.id)
        if current is None or current.version != record.version:
            raise SessionConflictError(f"session {record.id} was changed by another request")
        self.base_versions.setdefault(record.id, current.version)
        stored = replace(copy.deepcopy(record), version=record.version + 1)
        self._data.sessions[record.id] = stored
        return copy.deepcopy(stored)

    def started_since(self, at: datetime) -> int:
        return sum(1 for s in self._data.sessions.values() if as_utc(s.created_at) >= at)


class _Consents(ConsentRepository):
    def __init__(self, data: MemoryStore) -> None:
        self._data = data

    def add(self, consent: StoredConsent) -> StoredConsent:
        next_id = 1 + max((c.id or 0 for c in self._data.consents), default=0)
        stored = replace(consent, id=next_id)
        self._data.consents.append(stored)
        return stored

    def for_session(self, session_id: str) -> Sequence[StoredConsent]:
        return [c for c in self._data.consents if c.session_id == session_id]

    def lapsed(self, at: datetime) -> Sequence[StoredConsent]:
        live = {k for k, r in self._data.sessions.items() if r.stage != "erased"}
        return [
            c for c in self._data.consents
            if c.consent.expires_at <= at and c.consent.revoked_at is None and c.session_id in live
        ]  # fmt: skip

    def save_revocation(self, consent: StoredConsent) -> None:
        for index, stored in enumerate(self._data.consents):
            if stored.id == consent.id:
                revoked = replace(stored.consent, revoked_at=consent.consent.revoked_at)
                self._data.consents[index] = replace(stored, consent=revoked)
                return
        raise KeyError(f"no consent {consent.id}")


class _Audit(AuditLog):
    def __init__(self, data: MemoryStore) -> None:
        self._data = data

    def append(self, entry: AuditEntry) -> None:
        self._data.audit.append(replace(copy.deepcopy(entry), id=len(self._data.audit) + 1))

    def entries(self, session_id: str | None = None) -> Sequence[AuditEntry]:
        return [e for e in self._data.audit if session_id is None or e.session_id == session_id]


class _Events(EventLog):
    def __init__(self, data: MemoryStore) -> None:
        self._data = data

    def append(self, event: IntakeEvent) -> None:
        self._data.events.append(copy.deepcopy(event))

    def events(self, session_id: str | None = None) -> Sequence[IntakeEvent]:
        return [e for e in self._data.events if session_id is None or e.session_id == session_id]


class MemoryUnitOfWork(UnitOfWork):
    """A unit of work over ``store``; pass the same store to several to share data.

    Reads see the committed data as of ``__enter__`` plus this unit's own changes; ``commit``
    applies the changes under a lock, or raises :class:`SessionConflictError` (changing nothing)
    when another unit committed a change to the same session first.
    """

    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store if store is not None else MemoryStore()
        self._begin()

    def __enter__(self) -> Self:
        self._begin()
        return self

    def _begin(self) -> None:
        with self.store.lock:
            self._work = self.store.snapshot()
        self._base = (len(self._work.consents), len(self._work.audit), len(self._work.events))
        self._n_releases = len(self._work.releases)
        self._sessions = _Sessions(self._work)
        self.sessions = self._sessions
        self._applications = MemoryApplications(self._work.applications)
        self.applications = self._applications
        self.releases = MemoryDataReleases(self._work.releases)
        self._keys = MemoryLenderKeys(self._work.lender_keys)
        self.lender_keys = self._keys
        self.webhooks = MemoryWebhooks(self._work.webhooks)
        self.outbox = MemoryOutbox(self._work.outbox)
        self.capacity = MemoryCapacity(self._work.capacity)
        self.identity = MemoryIdentity(self._work.challenges, self._work.tokens)
        self.staff = MemoryStaff(self._work.staff, self._work.staff_sessions)
        self._products = MemoryProducts(self._work.products)
        self.products = self._products
        self.jobs = MemoryJobs(self._work.jobs)
        self.models = MemoryModels(self._work.models)
        self.holds = MemoryHolds(self._work.holds, self._work.drift)
        self.floors = MemoryFloors(self._work.floors)
        self.consents = _Consents(self._work)
        self.audit = _Audit(self._work)
        self.events = _Events(self._work)

    def commit(self) -> None:
        n_consents, n_audit, n_events = self._base
        with self.store.lock:
            for session_id, base in self._sessions.base_versions.items():
                committed = self.store.sessions.get(session_id)
                if (committed.version if committed is not None else None) != base:
                    raise SessionConflictError(f"session {session_id} was changed meanwhile")
            for app_id, base in self._applications.base_versions.items():
                stored = self.store.applications.get(app_id)
                if (stored.version if stored is not None else None) != base:
                    raise TransitionError(
                        "conflict", "commit", "unknown", f"application {app_id} changed meanwhile"
                    )
            commit_products(self._products, self._work.products, self.store.products)
            for session_id in self._sessions.base_versions:
                self.store.sessions[session_id] = self._work.sessions[session_id]
            for app_id in self._applications.base_versions:
                self.store.applications[app_id] = self._work.applications[app_id]
            for key_id in self._keys.changed:
                self.store.lender_keys[key_id] = self._work.lender_keys[key_id]
            # Webhooks, outbox, capacity, identity, staff, jobs, models, holds and floors are
            # written back whole: a fake for one caller at a time (the database's unit of work
            # serves concurrent requests).
            self.store.webhooks = dict(self._work.webhooks)
            self.store.outbox = list(self._work.outbox)
            self.store.capacity = dict(self._work.capacity)
            self.store.challenges = dict(self._work.challenges)
            self.store.tokens = dict(self._work.tokens)
            self.store.staff = dict(self._work.staff)
            self.store.staff_sessions = dict(self._work.staff_sessions)
            self.store.jobs = dict(self._work.jobs)
            self.store.models = dict(self._work.models)
            self.store.holds = dict(self._work.holds)
            self.store.floors = dict(self._work.floors)
            self.store.drift = dict(self._work.drift)
            for release in self._work.releases[self._n_releases :]:
                self.store.releases.append(replace(release, id=len(self.store.releases) + 1))
            revoked = {c.id: c for c in self._work.consents[:n_consents] if c.consent.revoked_at}
            self.store.consents = [revoked.get(c.id, c) for c in self.store.consents]
            for consent in self._work.consents[n_consents:]:
                self.store.consents.append(replace(consent, id=len(self.store.consents) + 1))
            for entry in self._work.audit[n_audit:]:
                self.store.audit.append(replace(entry, id=len(self.store.audit) + 1))
            for event in self._work.events[n_events:]:
                self.store.events.append(event)
            self.store.commits += 1
        self._begin()

    def rollback(self) -> None:
        self._begin()
