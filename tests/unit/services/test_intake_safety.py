"""Nothing corrupts a session; consent expiry and revocation stop pulls; the audit log is masked."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from loanmatch.errors import (
    AnswerFieldError,
    ConnectorUnavailable,
    ConsentRequestError,
    SessionConflictError,
)
from loanmatch.services import intake
from loanmatch.storage.memory import MemoryStore
from tests.unit.services.conftest import BUREAU, CODE, World

SOURCES = ("registry", "tax", "bureau", "bank")


def _snapshot(store: MemoryStore) -> tuple[object, ...]:
    return (
        dict(store.sessions),
        list(store.consents),
        list(store.audit),
        list(store.events),
        store.commits,
    )


@pytest.mark.parametrize(
    ("text", "feature"),
    [
        ("a lot", None),
        ("-5", None),
        ("", None),
        ("Z", "tax_grade"),
        ("1", "debt_to_revenue"),
        ("f", "owner_gender"),
        ("1", "no_such_feature"),
    ],
)
def test_a_bad_answer_changes_nothing_and_explains_itself_in_both_languages(
    world: World, text: str, feature: str | None
) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, [])
    before = _snapshot(world.store)
    question = None if feature is not None else 1  # the open question, when no item is named
    with pytest.raises(AnswerFieldError) as problem:
        intake.answer(world.uow(), world.ctx, session, text, feature=feature, question=question)
    assert problem.value.text.zh
    assert problem.value.text.en
    assert problem.value.to_dict()["error"] == "invalid_answer"
    assert _snapshot(world.store) == before


def test_a_crash_in_the_middle_of_a_step_leaves_the_session_exactly_as_before(
    world: World,
) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, SOURCES)
    before = _snapshot(world.store)
    world.engine.explode = True
    with pytest.raises(RuntimeError, match="crashed"):
        world.answer_open(session, "50万")
    assert _snapshot(world.store) == before
    world.engine.explode = False
    view = world.answer_open(session, "50万")
    assert next(k for k in view.known if k.feature == "loan_amount").value == 500_000.0


def test_a_revoked_consent_removes_its_data_stops_later_pulls_and_is_audited(
    world: World,
) -> None:
    world.connectors["bank"].error = ConnectorUnavailable("bank", "down")
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, SOURCES)
    world.clock.advance(minutes=5)
    view = intake.revoke_consent(world.uow(), world.ctx, session, "bureau")
    assert "owner_bureau_score" not in {k.feature for k in view.known}
    assert view.sources["bureau"] == "declined"
    assert {c.source: c.status for c in view.consents}["bureau"] == "revoked"
    revoked = [a for a in world.store.audit if a.action == "consent_revoked"]
    assert [a.detail["source"] for a in revoked] == ["bureau"]
    assert revoked[0].at == world.clock.now
    calls = len(world.connectors["bureau"].calls)
    world.connectors["bank"].error = None
    intake.refresh_sources(world.uow(), world.ctx, session)
    assert len(world.connectors["bureau"].calls) == calls, "no pull after revocation"
    assert len(world.connectors["bank"].calls) == 2, "the failed source is pulled again"


def test_revoking_what_was_never_granted_is_refused(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    with pytest.raises(ConsentRequestError):
        intake.revoke_consent(world.uow(), world.ctx, session, "tax")


def test_an_expired_consent_is_not_used_for_a_later_pull_and_the_refusal_is_audited(
    world: World,
) -> None:
    world.connectors["tax"].error = ConnectorUnavailable("tax", "down")
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, SOURCES, days=1)
    world.connectors["tax"].error = None
    world.clock.advance(days=2)
    view = intake.refresh_sources(world.uow(), world.ctx, session)
    assert len(world.connectors["tax"].calls) == 1
    assert view.sources["tax"] == "unavailable"
    assert any(n.code == "consent_expired" and "过期" in n.zh for n in view.notices)
    refused = [a for a in world.store.audit if a.action == "pull_refused"]
    assert [(a.detail["source"], a.detail["reason"]) for a in refused] == [("tax", "expired")]


def test_a_revocation_during_a_pull_discards_what_the_pull_brought(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id

    def revoke_meanwhile() -> None:
        with world.uow() as uow:
            (stored,) = [c for c in uow.consents.for_session(session) if c.consent.source == "tax"]
            uow.consents.save_revocation(
                type(stored)(stored.session_id, stored.consent.revoke(world.clock()), stored.id)
            )
            uow.commit()

    world.connectors["tax"].on_fetch = revoke_meanwhile
    view = intake.grant_consent(world.uow(), world.ctx, session, ["tax"])
    assert "tax_grade" not in {k.feature for k in view.known}
    assert "pull_discarded" in [a.action for a in world.store.audit]


def test_the_audit_log_never_holds_a_personal_value_unmasked(world: World) -> None:
    owner_id = "110101199003071234"
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, owner_id).session_id
    intake.grant_consent(world.uow(), world.ctx, session, SOURCES)
    world.engine.order = ("property_value", "social_security_months", "loan_amount")
    world.engine.enough = 10
    intake.answer(world.uow(), world.ctx, session, "8765432", feature="property_value")
    intake.answer(world.uow(), world.ctx, session, "37", feature="social_security_months")
    intake.correct(world.uow(), world.ctx, session, "owner_bureau_score", "733")
    intake.correct(world.uow(), world.ctx, session, "outstanding_debt", "98.76万")
    text = json.dumps([asdict(a) for a in world.store.audit], default=str, ensure_ascii=False)
    for secret in (owner_id, "8765432", "733", "987600", "345678", str(BUREAU["outstanding_debt"])):
        assert secret not in text
    personal = {
        e.detail["feature"]: e.detail["value"]
        for e in world.store.audit
        if e.action in ("answered", "corrected")
    }
    assert personal == {
        "property_value": "***",
        "social_security_months": "***",
        "owner_bureau_score": "***",
        "outstanding_debt": "***",
    }
    assert all(e.detail["owner"] == "110*************34" for e in world.store.audit)


def test_of_two_answers_racing_on_one_session_the_later_commit_is_refused_whole(
    world: World,
) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, [])
    world.engine.meanwhile = lambda: intake.answer(
        world.uow(), world.ctx, session, "24", feature="loan_term_months"
    )
    with pytest.raises(SessionConflictError):
        intake.answer(world.uow(), world.ctx, session, "50万", feature="loan_amount")
    view = intake.view(world.uow(), world.ctx, session)
    known = {k.feature: k.value for k in view.known}
    assert known == {"loan_term_months": 24.0}
    assert [a.action for a in world.store.audit].count("answered") == 1
