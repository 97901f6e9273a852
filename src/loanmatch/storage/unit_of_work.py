"""The interfaces services depend on: repositories and the unit of work that commits them.

A use case opens a unit of work, reads and changes through its repositories, and calls
:meth:`UnitOfWork.commit` once at the end; leaving the ``with`` block without committing (an
exception anywhere in the step) rolls everything back, so a session is never half-changed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from loanmatch.domain.applications import Application
from loanmatch.domain.events import IntakeEvent
from loanmatch.storage.operations_repositories import (
    FloorRepository,
    HoldRepository,
    JobQueue,
    ModelRegistry,
)
from loanmatch.storage.records import (
    AuditEntry,
    DataRelease,
    IdentityChallenge,
    LenderKey,
    OutboxMessage,
    OwnerToken,
    ProductVersion,
    SessionRecord,
    StaffSession,
    StaffUser,
    StoredConsent,
    Webhook,
)

__all__ = [
    "ApplicationRepository",
    "AuditLog",
    "CapacityLedger",
    "ConsentRepository",
    "DataReleaseLog",
    "EventLog",
    "FloorRepository",
    "HoldRepository",
    "IdentityRepository",
    "JobQueue",
    "LenderKeyRepository",
    "ModelRegistry",
    "Outbox",
    "ProductVersionRepository",
    "SessionRepository",
    "StaffRepository",
    "UnitOfWork",
    "WebhookRepository",
]


class SessionRepository(ABC):
    @abstractmethod
    def add(self, record: SessionRecord) -> None:
        """Store a new session (its ``version`` should be 0)."""

    @abstractmethod
    def get(self, session_id: str) -> SessionRecord | None:
        """The session as last committed (or as changed in this unit of work), or None."""

    @abstractmethod
    def idle(self, before: datetime, limit: int) -> Sequence[str]:
        """Ids of up to ``limit`` sessions, not erased, last changed before ``before``."""

    @abstractmethod
    def update(self, record: SessionRecord) -> SessionRecord:
        """Store ``record`` over the session of the same id if it is still at
        ``record.version``; return it at the next version. Raises
        :class:`~loanmatch.errors.SessionConflictError`."""

    @abstractmethod
    def started_since(self, at: datetime) -> int:
        """How many sessions were started at ``at`` or later (the platform's recent flow of
        applicants, for a lender's dry run)."""


class ConsentRepository(ABC):
    @abstractmethod
    def add(self, consent: StoredConsent) -> StoredConsent:
        """Record a consent; returns it with its ``id``."""

    @abstractmethod
    def for_session(self, session_id: str) -> Sequence[StoredConsent]:
        """Every consent of the session, oldest first (revoked and expired ones included)."""

    @abstractmethod
    def lapsed(self, at: datetime) -> Sequence[StoredConsent]:
        """Consents expired by ``at`` and never revoked (their data must go)."""

    @abstractmethod
    def save_revocation(self, consent: StoredConsent) -> None:
        """Store the ``revoked_at`` of an already recorded consent (nothing else changes)."""


class AuditLog(ABC):
    """Append-only: there is no way to change or delete an entry."""

    @abstractmethod
    def append(self, entry: AuditEntry) -> None: ...

    @abstractmethod
    def entries(self, session_id: str | None = None) -> Sequence[AuditEntry]:
        """Entries in the order they were appended (of one session, or all)."""


class EventLog(ABC):
    """Append-only journey events (:class:`loanmatch.domain.events.IntakeEvent`), read back by
    the journey measures (:mod:`loanmatch.journey.measures`)."""

    @abstractmethod
    def append(self, event: IntakeEvent) -> None: ...

    @abstractmethod
    def events(self, session_id: str | None = None) -> Sequence[IntakeEvent]:
        """Events in the order they were appended (of one session, or all)."""


class ApplicationRepository(ABC):
    @abstractmethod
    def add(self, application: Application) -> None:
        """Store a new application (version 0). Raises
        :class:`~loanmatch.errors.ApplyRefusedError` (rule ``already_applied``) when the
        session has applied to the product already (a unique constraint, so two racing
        requests cannot both add one)."""

    @abstractmethod
    def get(self, application_id: str) -> Application | None: ...

    @abstractmethod
    def for_session(self, session_id: str) -> Sequence[Application]:
        """The session's applications, oldest first."""

    @abstractmethod
    def for_lender(self, lender_id: str, status: str | None = None) -> Sequence[Application]:
        """The lender's applications (of one status, or all), oldest first."""

    @abstractmethod
    def decided_between(
        self, start: datetime, end: datetime, lender_id: str | None = None
    ) -> Sequence[Application]:
        """Applications a lender approved or declined in ``[start, end)`` (of one lender, or
        all), by decision time (:attr:`Application.decided`)."""

    @abstractmethod
    def offered_p(self, lender_id: str, model_id: str, limit: int) -> Sequence[float]:
        """The P(approve) recorded with the lender's latest ``limit`` applications made from
        offers of the model ``model_id``, newest first (``services/floors.py``)."""

    @abstractmethod
    def update(self, application: Application) -> Application:
        """Store ``application`` if the stored one is still at its ``version``; return it at
        the next version. Raises :class:`~loanmatch.errors.TransitionError` (rule
        ``application.transition.conflict``) when another request changed it first."""


class DataReleaseLog(ABC):
    """Append-only: what went to which lender (:class:`DataRelease`)."""

    @abstractmethod
    def append(self, release: DataRelease) -> None: ...

    @abstractmethod
    def for_session(self, session_id: str) -> Sequence[DataRelease]: ...


class LenderKeyRepository(ABC):
    @abstractmethod
    def add(self, key: LenderKey) -> None: ...

    @abstractmethod
    def get(self, key_id: str) -> LenderKey | None: ...

    @abstractmethod
    def for_lender(self, lender_id: str) -> Sequence[LenderKey]: ...

    @abstractmethod
    def save_revocation(self, key: LenderKey) -> None:
        """Store the ``revoked_at`` of a stored key (nothing else changes)."""


class WebhookRepository(ABC):
    @abstractmethod
    def set(self, webhook: Webhook) -> None:
        """Store the lender's webhook, replacing any earlier one."""

    @abstractmethod
    def get(self, lender_id: str) -> Webhook | None: ...


class Outbox(ABC):
    @abstractmethod
    def add(self, message: OutboxMessage) -> None: ...

    @abstractmethod
    def claim_due(self, at: datetime, limit: int) -> Sequence[OutboxMessage]:
        """Up to ``limit`` undelivered, live messages due at ``at``, oldest first. On PostgreSQL
        their rows stay locked until this unit of work ends and other workers skip them
        (``FOR UPDATE SKIP LOCKED``), so two workers never send one message at once."""

    @abstractmethod
    def save(self, message: OutboxMessage) -> None:
        """Store a message's delivery state (attempts, next attempt, delivered, dead, error)."""

    @abstractmethod
    def all(self) -> Sequence[OutboxMessage]:
        """Every message, oldest first."""


class CapacityLedger(ABC):
    """Applications per product and day (``day``: an ISO date, ``2026-12-02``)."""

    @abstractmethod
    def take(self, product_id: str, day: str, capacity: int) -> bool:
        """Count one more application of the product on ``day`` if fewer than ``capacity``
        are counted (atomic in the database: racing requests never pass the capacity);
        False, counting nothing, when it is full."""

    @abstractmethod
    def used(self, product_id: str, day: str) -> int: ...


class IdentityRepository(ABC):
    """One-time codes and the owner tokens they open (issue 12)."""

    @abstractmethod
    def add_challenge(self, challenge: IdentityChallenge) -> None: ...

    @abstractmethod
    def get_challenge(self, challenge_id: str) -> IdentityChallenge | None: ...

    @abstractmethod
    def count_attempt(self, challenge_id: str, limit: int) -> bool:
        """Count one try of the challenge's code if fewer than ``limit`` were counted (atomic:
        racing guesses never get more than ``limit`` tries); False when none is left."""

    @abstractmethod
    def use_challenge(self, challenge_id: str, at: datetime) -> bool:
        """Mark the challenge used at ``at`` if it was not (atomic: a code opens one token)."""

    @abstractmethod
    def add_token(self, token: OwnerToken) -> None: ...

    @abstractmethod
    def get_token(self, token_id: str) -> OwnerToken | None: ...

    @abstractmethod
    def revoke_token(self, token_id: str, at: datetime) -> None: ...

    @abstractmethod
    def purge(self, before: datetime) -> int:
        """Delete the codes and tokens that expired before ``before``; how many."""


class StaffRepository(ABC):
    """Lenders' portal users and their sessions (issue 12)."""

    @abstractmethod
    def add_user(self, user: StaffUser) -> None:
        """Store a new user; :class:`ValueError` when its user name is taken."""

    @abstractmethod
    def user_named(self, username: str) -> StaffUser | None: ...

    @abstractmethod
    def get_user(self, staff_id: str) -> StaffUser | None: ...

    @abstractmethod
    def for_lender(self, lender_id: str) -> Sequence[StaffUser]: ...

    @abstractmethod
    def set_password_hash(self, staff_id: str, password_hash: str) -> None: ...

    @abstractmethod
    def disable_user(self, staff_id: str, at: datetime) -> None: ...

    @abstractmethod
    def add_session(self, session: StaffSession) -> None: ...

    @abstractmethod
    def get_session(self, session_id: str) -> StaffSession | None: ...

    @abstractmethod
    def revoke_sessions(self, staff_id: str, at: datetime, session_id: str | None = None) -> None:
        """End ``session_id`` of the user, or all its sessions when None."""

    @abstractmethod
    def purge_sessions(self, before: datetime) -> int:
        """Delete the portal sessions that expired before ``before``; how many."""


class ProductVersionRepository(ABC):
    """Lenders' product versions: drafts and published versions, none ever deleted."""

    @abstractmethod
    def add(self, version: ProductVersion) -> ProductVersion:
        """Store a new version; returns it with its ``id``. Raises
        :class:`~loanmatch.errors.ProductConflictError` (``version_taken``) when the product
        has that version number already (a unique constraint: racing saves cannot both
        take one number)."""

    @abstractmethod
    def get(self, product_id: str, version: int) -> ProductVersion | None: ...

    @abstractmethod
    def for_product(self, product_id: str) -> Sequence[ProductVersion]:
        """Every version of the product, by version number."""

    @abstractmethod
    def for_lender(self, lender_id: str) -> Sequence[ProductVersion]:
        """Every version of the lender's products, by product and version number."""

    @abstractmethod
    def publish(
        self, product_id: str, version: int, at: datetime, effective_at: datetime, by: str
    ) -> bool:
        """Mark a draft published at ``at``, effective from ``effective_at``, by ``by``, if it
        is still a draft (atomic: a version is published once); False when it was not."""

    @abstractmethod
    def published(self) -> Sequence[ProductVersion]:
        """Every published version of every product, by product and version number."""

    @abstractmethod
    def publications(self) -> Sequence[tuple[str, int, datetime | None]]:
        """``(product_id, version, effective_at)`` of every published version: what decides
        which versions are in effect, without their bodies (cheap enough per request)."""


class UnitOfWork(ABC):
    """One transaction over all repositories."""

    sessions: SessionRepository
    consents: ConsentRepository
    audit: AuditLog
    events: EventLog
    applications: ApplicationRepository
    releases: DataReleaseLog
    lender_keys: LenderKeyRepository
    webhooks: WebhookRepository
    outbox: Outbox
    capacity: CapacityLedger
    identity: IdentityRepository
    staff: StaffRepository
    products: ProductVersionRepository
    jobs: JobQueue
    models: ModelRegistry
    holds: HoldRepository
    floors: FloorRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    @abstractmethod
    def commit(self) -> None:
        """Make every change of this unit of work durable, all or nothing."""

    @abstractmethod
    def rollback(self) -> None:
        """Forget every change not committed (harmless after a commit)."""
