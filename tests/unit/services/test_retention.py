"""Retention (``loanmatch db purge``): a lapsed consent takes its values with it, an idle
session is erased, spent credentials go; applications and the ledger stay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loanmatch.domain.applications import Status
from loanmatch.intake.state import IntakeState
from loanmatch.services import applications as apps
from loanmatch.services import identity, staff
from loanmatch.services.intake.core import DEFAULT_CONSENT_DAYS
from loanmatch.services.retention import ACTOR, RetentionPolicy, purge
from tests.unit.services.conftest import World
from tests.unit.services.fakes import OfferingEngine
from tests.unit.services.test_applications_flow import ctx, finished

POLICY = RetentionPolicy(session_days=180, credential_days=30)


@pytest.fixture
def offering(world: World) -> World:
    world.engine = OfferingEngine(world.catalog)
    return world


def _pulled(world: World, session: str, source: str) -> list[str]:
    state = IntakeState.from_dict(world.store.sessions[session].state)
    return sorted(n for n, f in state.facts.items() if f.source == source)


def test_a_lapsed_consent_takes_its_values_with_it_and_the_purge_is_audited(
    offering: World,
) -> None:
    session = finished(offering)
    assert _pulled(offering, session, "tax")
    assert purge(offering.uow, offering.ctx, POLICY).lapsed_sources == 0, "nothing lapsed yet"
    offering.clock.advance(days=DEFAULT_CONSENT_DAYS + 1)
    report = purge(offering.uow, offering.ctx, POLICY)
    assert report.lapsed_sources == 4
    assert _pulled(offering, session, "tax") == []
    lapsed = [e for e in offering.store.audit if e.action == "consent_lapsed"]
    assert {e.detail["source"] for e in lapsed} == {"registry", "tax", "bureau", "bank"}
    assert {e.actor for e in lapsed} == {ACTOR}
    again = purge(offering.uow, offering.ctx, POLICY)
    assert again.lapsed_sources == 0, "a second run finds nothing more to remove"


def test_an_idle_session_is_erased_and_its_applications_stay_withdrawn(offering: World) -> None:
    session = finished(offering)
    (made,) = apps.apply(offering.uow(), ctx(offering), session, ["p1"], "k").applications
    offering.clock.advance(days=POLICY.session_days - 1)
    first = purge(offering.uow, offering.ctx, POLICY)
    assert (first.lapsed_sources, first.erased_sessions) == (4, 0)
    offering.clock.advance(days=POLICY.session_days - 1)
    assert purge(offering.uow, offering.ctx, POLICY).erased_sessions == 0, "the lapse was a change"
    offering.clock.advance(days=2)
    assert purge(offering.uow, offering.ctx, POLICY).erased_sessions == 1
    assert offering.store.sessions[session].stage == "erased"
    assert offering.store.applications[made.id].status is Status.WITHDRAWN
    assert [r.application_id for r in offering.store.releases] == [made.id], "the ledger stays"
    assert purge(offering.uow, offering.ctx, POLICY).erased_sessions == 0


def test_spent_codes_tokens_and_portal_sessions_are_deleted_after_their_period(
    world: World,
) -> None:
    now = world.clock()
    sent = identity.start_challenge(
        world.uow(), identity.SimulatedCodeSender(), "13800000000", "", now
    )
    assert sent.shown_code is not None
    identity.verify_code(world.uow(), sent.id, sent.shown_code, now, 30)
    staff.add_staff(world.uow(), "bank_a", "alice", "a long portal password", "officer", now)
    staff.sign_in(world.uow(), "alice", "a long portal password", now, 60)
    assert purge(world.uow, world.ctx, POLICY).credentials == 0
    world.clock.advance(days=POLICY.credential_days, hours=2)
    assert purge(world.uow, world.ctx, POLICY).credentials == 3
    assert (world.store.challenges, world.store.tokens, world.store.staff_sessions) == ({}, {}, {})
    assert len(world.store.staff) == 1, "the user stays: histories name them"
    assert now + timedelta(days=1) < world.clock()
