"""Retention over every store (memory, SQLite, PostgreSQL): lapsed consents, idle sessions and
spent credentials are found by the repositories and purged."""

from __future__ import annotations

from loanmatch.services import identity, intake
from loanmatch.services.retention import RetentionPolicy, purge
from tests.integration.storage.conftest import UowFactory
from tests.unit.services.conftest import BANK, CODE, TAX
from tests.unit.services.fakes import FakeClock, FakeConnector, FakeEngine, context, default_catalog


def test_purge_finds_lapsed_consents_idle_sessions_and_spent_codes(uow_factory: UowFactory) -> None:
    clock = FakeClock()
    connectors = {"tax": FakeConnector("tax", dict(TAX)), "bank": FakeConnector("bank", dict(BANK))}
    ctx = context(FakeEngine(default_catalog()), connectors, clock)
    started = intake.start_session(uow_factory(), ctx, "zh", CODE, "13800000000")
    intake.grant_consent(uow_factory(), ctx, started.session_id, ["tax", "bank"])
    identity.start_challenge(uow_factory(), identity.SimulatedCodeSender(), "13800000000", "",
                             clock())  # fmt: skip
    policy = RetentionPolicy(session_days=60, credential_days=10)
    assert purge(uow_factory, ctx, policy) == purge(uow_factory, ctx, policy)
    clock.advance(days=31)
    report = purge(uow_factory, ctx, policy)
    assert (report.lapsed_sources, report.erased_sessions, report.credentials) == (2, 0, 1)
    clock.advance(days=61)
    assert purge(uow_factory, ctx, policy).erased_sessions == 1
    with uow_factory() as uow:
        record = uow.sessions.get(started.session_id)
        assert record is not None
        assert record.stage == "erased"
        assert uow.sessions.idle(clock(), 10) == []
        assert uow.consents.lapsed(clock()) == [], "an erased session's consents are revoked"
