"""The unit of work keeps the same promises in memory, on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from loanmatch.domain.consent import grant
from loanmatch.domain.events import EventKind, IntakeEvent
from loanmatch.errors import SessionConflictError
from loanmatch.storage.records import (
    AuditEntry,
    Notice,
    SessionRecord,
    StoredConsent,
)
from tests.integration.storage.conftest import UowFactory

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def a_session(session_id: str = "s-1") -> SessionRecord:
    return SessionRecord(
        id=session_id,
        lang="zh-CN",
        enterprise_id="91310000MA1FL0000N",
        owner_id="owner-1",
        created_at=NOW,
        updated_at=NOW,
        state={"answers": {"loan_amount": 500000.0}, "asked": ["loan_amount"]},
        question={"feature": "loan_amount", "hint_zh": "会影响", "hint_en": "matters"},
        stage="asking",
        notices=(Notice(code="connector_timeout", zh="超时", en="timed out", source="tax"),),
    )


def test_a_committed_session_reads_back_exactly_as_written(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.sessions.add(a_session())
        uow.commit()
    with uow_factory() as uow:
        assert uow.sessions.get("s-1") == a_session()
        assert uow.sessions.get("no-such-session") is None


def test_leaving_a_unit_of_work_without_commit_keeps_nothing(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.sessions.add(a_session())
        uow.audit.append(AuditEntry(at=NOW, actor="owner", action="start", subject="x"))
    with uow_factory() as uow:
        assert uow.sessions.get("s-1") is None
        assert list(uow.audit.entries()) == []


def test_an_exception_inside_a_unit_of_work_leaves_the_session_as_before(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        uow.sessions.add(a_session())
        uow.commit()

    def a_step_that_crashes() -> None:
        with uow_factory() as uow:
            record = uow.sessions.get("s-1")
            assert record is not None
            uow.sessions.update(replace(record, state={"broken": True}))
            uow.events.append(IntakeEvent(session_id="s-1", kind="answered", at=NOW))
            raise RuntimeError("crash in the middle of a step")

    with pytest.raises(RuntimeError, match="crash"):
        a_step_that_crashes()
    with uow_factory() as uow:
        assert uow.sessions.get("s-1") == a_session()
        assert list(uow.events.events("s-1")) == []


def test_an_update_bumps_the_version_and_a_stale_update_is_a_conflict(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        uow.sessions.add(a_session())
        uow.commit()
    with uow_factory() as first, uow_factory() as second:
        mine = first.sessions.get("s-1")
        theirs = second.sessions.get("s-1")
        assert mine is not None
        assert theirs is not None
        saved = first.sessions.update(replace(mine, lang="en"))
        first.commit()
        assert saved.version == 1

        def a_stale_update() -> None:
            second.sessions.update(replace(theirs, lang="zh-CN"))
            second.commit()

        with pytest.raises(SessionConflictError):
            a_stale_update()
    with uow_factory() as uow:
        stored = uow.sessions.get("s-1")
        assert stored is not None
        assert (stored.lang, stored.version) == ("en", 1)


def test_consents_are_recorded_listed_and_revoked(uow_factory: UowFactory) -> None:
    consent = grant("91310000MA1FL0000N", "tax", "loan matching", ["annual_revenue"], NOW, 30)
    with uow_factory() as uow:
        uow.sessions.add(a_session())
        stored = uow.consents.add(StoredConsent(session_id="s-1", consent=consent))
        uow.commit()
    assert stored.id is not None
    with uow_factory() as uow:
        (listed,) = uow.consents.for_session("s-1")
        assert listed.consent == consent
        revoked = replace(listed, consent=listed.consent.revoke(NOW + timedelta(hours=1)))
        uow.consents.save_revocation(revoked)
        uow.commit()
    with uow_factory() as uow:
        (listed,) = uow.consents.for_session("s-1")
        assert listed.consent.revoked_at == NOW + timedelta(hours=1)
        assert listed.consent.status(NOW + timedelta(hours=2)) == "revoked"


def test_audit_entries_and_events_come_back_in_the_order_they_were_appended(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        appended: tuple[EventKind, ...] = ("started", "consent", "prefill_ok", "question_asked")
        for step, kind in enumerate(appended):
            at = NOW + timedelta(seconds=step)
            uow.events.append(IntakeEvent("s-1", kind, at, {"n": step}))
            uow.audit.append(
                AuditEntry(
                    at=at,
                    actor="owner",
                    action=kind,
                    subject="e",
                    session_id="s-1",
                    detail={"step": str(step)},
                )
            )
        uow.events.append(IntakeEvent(session_id="s-2", kind="started", at=NOW))
        uow.commit()
    with uow_factory() as uow:
        assert tuple(e.kind for e in uow.events.events("s-1")) == appended
        assert [e.detail["step"] for e in uow.audit.entries("s-1")] == ["0", "1", "2", "3"]
        assert len(uow.events.events()) == 5
        assert uow.events.events("s-1")[2].detail == {"n": 2}
        assert uow.events.events("s-1")[0].at == NOW
