"""The unit of work and repositories over SQLAlchemy (SQLite or PostgreSQL, same code)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Self, cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from loanmatch.domain.consent import Consent
from loanmatch.domain.events import EventKind, IntakeEvent
from loanmatch.errors import SessionConflictError
from loanmatch.storage.orm import AuditRow, ConsentRow, EventRow, SessionRow
from loanmatch.storage.records import (
    AuditEntry,
    Notice,
    SessionRecord,
    StoredConsent,
    as_utc,
)
from loanmatch.storage.sql_applications import SqlApplications, SqlDataReleases, SqlLenderKeys
from loanmatch.storage.sql_identity import SqlIdentity
from loanmatch.storage.sql_operations import SqlFloors, SqlHolds, SqlJobs, SqlModels
from loanmatch.storage.sql_outbox import SqlCapacity, SqlOutbox, SqlWebhooks
from loanmatch.storage.sql_products import SqlProducts
from loanmatch.storage.sql_staff import SqlStaff
from loanmatch.storage.unit_of_work import (
    AuditLog,
    ConsentRepository,
    EventLog,
    SessionRepository,
    UnitOfWork,
)

__all__ = ["SqlUnitOfWork"]


def _session_record(row: SessionRow) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        lang=row.lang,
        enterprise_id=row.enterprise_id,
        owner_id=row.owner_id,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        state=dict(row.state),
        notices=tuple(Notice.from_dict(n) for n in row.notices),
        stage=row.stage,
        question=row.question,
        version=row.version,
    )


def _session_columns(record: SessionRecord) -> dict[str, object]:
    return {
        "lang": record.lang,
        "enterprise_id": record.enterprise_id,
        "owner_id": record.owner_id,
        "created_at": as_utc(record.created_at),
        "updated_at": as_utc(record.updated_at),
        "state": record.state,
        "notices": [n.to_dict() for n in record.notices],
        "stage": record.stage,
        "question": record.question,
    }


class _Sessions(SessionRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, record: SessionRecord) -> None:
        self._session.add(
            SessionRow(id=record.id, version=record.version, **_session_columns(record))
        )
        self._session.flush()

    def get(self, session_id: str) -> SessionRecord | None:
        row = self._session.get(SessionRow, session_id, populate_existing=True)
        return _session_record(row) if row is not None else None

    def idle(self, before: datetime, limit: int) -> Sequence[str]:
        return list(
            self._session.scalars(
                select(SessionRow.id)
                .where(SessionRow.updated_at < before, SessionRow.stage != "erased")
                .order_by(SessionRow.updated_at)
                .limit(limit)
            )
        )

    def update(self, record: SessionRecord) -> SessionRecord:
        statement = (
            update(SessionRow)
            .where(SessionRow.id == record.id, SessionRow.version == record.version)
            .values(version=record.version + 1, **_session_columns(record))
            .execution_options(synchronize_session=False)
        )
        result = self._session.execute(statement)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise SessionConflictError(f"session {record.id} was changed by another request")
        return SessionRecord(**{**record.__dict__, "version": record.version + 1})

    def started_since(self, at: datetime) -> int:
        query = select(func.count()).select_from(SessionRow).where(SessionRow.created_at >= at)
        return int(self._session.scalar(query) or 0)


def _consent(row: ConsentRow) -> StoredConsent:
    consent = Consent(
        subject=row.subject,
        source=row.source,
        purpose=row.purpose,
        scope=tuple(row.scope),
        granted_at=as_utc(row.granted_at),
        expires_at=as_utc(row.expires_at),
        revoked_at=as_utc(row.revoked_at) if row.revoked_at is not None else None,
    )
    return StoredConsent(session_id=row.session_id, consent=consent, id=row.id)


class _Consents(ConsentRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, consent: StoredConsent) -> StoredConsent:
        c = consent.consent
        row = ConsentRow(
            session_id=consent.session_id,
            subject=c.subject,
            source=c.source,
            purpose=c.purpose,
            scope=list(c.scope),
            granted_at=c.granted_at,
            expires_at=c.expires_at,
            revoked_at=c.revoked_at,
        )
        self._session.add(row)
        self._session.flush()
        return StoredConsent(session_id=consent.session_id, consent=c, id=row.id)

    def for_session(self, session_id: str) -> Sequence[StoredConsent]:
        rows = self._session.scalars(
            select(ConsentRow).where(ConsentRow.session_id == session_id).order_by(ConsentRow.id)
        )
        return [_consent(row) for row in rows]

    def lapsed(self, at: datetime) -> Sequence[StoredConsent]:
        rows = self._session.scalars(
            select(ConsentRow)
            .join(SessionRow, SessionRow.id == ConsentRow.session_id)
            .where(
                ConsentRow.expires_at <= at,
                ConsentRow.revoked_at.is_(None),
                SessionRow.stage != "erased",
            )
            .order_by(ConsentRow.id)
        )
        return [_consent(row) for row in rows]

    def save_revocation(self, consent: StoredConsent) -> None:
        row = self._session.get(ConsentRow, consent.id)
        if row is None:
            raise KeyError(f"no consent {consent.id}")
        row.revoked_at = consent.consent.revoked_at
        self._session.flush()


class _Audit(AuditLog):
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, entry: AuditEntry) -> None:
        self._session.add(
            AuditRow(
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                session_id=entry.session_id,
                detail=dict(entry.detail),
            )
        )

    def entries(self, session_id: str | None = None) -> Sequence[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id)
        if session_id is not None:
            query = query.where(AuditRow.session_id == session_id)
        return [
            AuditEntry(
                at=as_utc(r.at),
                actor=r.actor,
                action=r.action,
                subject=r.subject,
                session_id=r.session_id,
                detail=dict(r.detail),
                id=r.id,
            )
            for r in self._session.scalars(query)
        ]


class _Events(EventLog):
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, event: IntakeEvent) -> None:
        self._session.add(
            EventRow(
                session_id=event.session_id, kind=event.kind, at=event.at, detail=dict(event.detail)
            )
        )

    def events(self, session_id: str | None = None) -> Sequence[IntakeEvent]:
        query = select(EventRow).order_by(EventRow.id)
        if session_id is not None:
            query = query.where(EventRow.session_id == session_id)
        return [
            IntakeEvent(
                session_id=r.session_id,
                kind=cast("EventKind", r.kind),
                at=as_utc(r.at),
                detail=dict(r.detail),
            )
            for r in self._session.scalars(query)
        ]


class SqlUnitOfWork(UnitOfWork):
    """One database transaction; make one per use case from a ``sessionmaker``.

    Audit entries and events are written at the next flush (the session update or the commit),
    not when appended: on SQLite the write lock is then taken after the engine has chosen the
    next question, not held while it thinks."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._session = self._factory()
        self.sessions = _Sessions(self._session)
        self.consents = _Consents(self._session)
        self.audit = _Audit(self._session)
        self.events = _Events(self._session)
        self.applications = SqlApplications(self._session)
        self.releases = SqlDataReleases(self._session)
        self.lender_keys = SqlLenderKeys(self._session)
        self.webhooks = SqlWebhooks(self._session)
        self.outbox = SqlOutbox(self._session)
        self.capacity = SqlCapacity(self._session)
        self.identity = SqlIdentity(self._session)
        self.staff = SqlStaff(self._session)
        self.products = SqlProducts(self._session)
        self.jobs = SqlJobs(self._session)
        self.models = SqlModels(self._session)
        self.holds = SqlHolds(self._session)
        self.floors = SqlFloors(self._session)
        return self

    def __exit__(self, *args: object) -> None:
        self.rollback()
        if self._session is not None:
            self._session.close()
            self._session = None

    def _current(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work in a with block")
        return self._session

    def commit(self) -> None:
        self._current().commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
