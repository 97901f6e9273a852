"""The intake use cases on the in-memory unit of work: start, consent, prefill, answer, correct."""

from __future__ import annotations

import pytest

from loanmatch.errors import ConnectorTimeout, ConsentRequestError, SessionNotFoundError
from loanmatch.services import intake
from tests.unit.services.conftest import CODE, World

SOURCES = ("registry", "tax", "bureau", "bank")


def test_a_new_session_waits_for_consent_and_is_logged(world: World) -> None:
    view = intake.start_session(world.uow(), world.ctx, "en", "91310000MA1FL0000N", "owner-7")
    assert view.stage == "consent"
    assert view.question is None
    assert view.lang == "en"
    assert [e.kind for e in world.store.events] == ["started"]
    assert [a.action for a in world.store.audit] == ["session_started"]


def test_consent_is_committed_before_any_connector_is_called(world: World) -> None:
    seen: list[int] = []
    world.connectors["tax"].on_fetch = lambda: seen.append(len(world.store.consents))
    view = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1")
    intake.grant_consent(world.uow(), world.ctx, view.session_id, ["tax"], days=30)
    assert seen == [1], "the tax consent was committed when the tax source was called"


def test_granted_sources_prefill_and_the_intake_never_asks_what_they_know(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    view = intake.grant_consent(world.uow(), world.ctx, session, SOURCES)
    assert view.stage == "asking"
    assert view.question is not None
    assert view.question.feature == "loan_amount"
    known = {k.feature: k for k in view.known}
    assert known["tax_grade"].value == "A"
    assert known["tax_grade"].provenance == "connector"
    assert known["tax_grade"].source == "tax"
    assert view.sources == dict.fromkeys(SOURCES, "ok")
    assert {c.source: c.status for c in view.consents} == dict.fromkeys(SOURCES, "active")
    world.answer_open(session, "50万")
    after = intake.view(world.uow(), world.ctx, session)
    assert after.question is not None
    assert after.question.feature == "loan_term_months", "revenue, grade and score are known"


def test_a_timed_out_source_leaves_its_features_to_ask_and_says_why(world: World) -> None:
    world.connectors["tax"].error = ConnectorTimeout("tax", "no answer within 2 s")
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    view = intake.grant_consent(world.uow(), world.ctx, session, SOURCES)
    assert view.sources["tax"] == "timeout"
    (notice,) = [n for n in view.notices if n.source == "tax"]
    assert notice.code == "source_timeout"
    assert "税务" in notice.zh
    assert "did not answer in time" in notice.en
    assert "annual_revenue" in notice.features
    world.answer_open(session, "50万")
    asked = intake.view(world.uow(), world.ctx, session).question
    assert asked is not None
    assert asked.feature == "annual_revenue"
    assert "税务" in asked.hint.zh or asked.hint.zh
    assert [a.detail.get("reason") for a in world.store.audit if a.action == "pull_failed"] == [
        "timeout"
    ]
    assert "prefill_failed" in [e.kind for e in world.store.events]


def test_a_source_left_out_of_the_consent_is_declined_and_never_called(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    view = intake.grant_consent(world.uow(), world.ctx, session, ["registry", "tax"])
    assert view.sources["bureau"] == "declined"
    assert view.sources["bank"] == "declined"
    assert world.connectors["bureau"].calls == []


def test_granting_an_unknown_source_or_a_bad_term_is_refused_politely(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    with pytest.raises(ConsentRequestError) as unknown:
        intake.grant_consent(world.uow(), world.ctx, session, ["weibo"])
    assert "weibo" in unknown.value.text.zh
    with pytest.raises(ConsentRequestError) as too_long:
        intake.grant_consent(world.uow(), world.ctx, session, ["tax"], days=400)
    assert "365" in too_long.value.text.en
    assert world.store.consents == []


def test_answers_come_in_any_order_and_dont_know_is_accepted(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, [])
    intake.answer(world.uow(), world.ctx, session, "3年", feature="loan_term_months")
    view = world.answer_open(session, "不知道")
    known = {k.feature: k for k in view.known}
    assert known["loan_term_months"].value == 36.0
    assert known["loan_amount"].provenance == "dont_know"
    assert known["loan_amount"].shown.en == "don't know"
    assert view.question is not None
    assert view.question.feature == "annual_revenue"


def test_a_correction_replaces_a_connector_value_and_says_so(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, SOURCES)
    view = intake.correct(world.uow(), world.ctx, session, "tax_grade", "B")
    grade = next(k for k in view.known if k.feature == "tax_grade")
    assert (grade.value, grade.provenance, grade.source) == ("B", "corrected", "tax")
    assert [a.action for a in world.store.audit][-1] == "corrected"


def test_the_session_is_done_with_a_result_when_the_engine_stops(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, [])
    for text in ("50万", "300万", "A"):
        view = world.answer_open(session, text)
    assert view.stage == "done"
    assert view.question is None
    assert view.result is not None
    assert view.questions_typed == 3
    assert [e.kind for e in world.store.events].count("recommended") == 1


def test_an_unknown_session_is_reported_as_not_found(world: World) -> None:
    with pytest.raises(SessionNotFoundError):
        intake.view(world.uow(), world.ctx, "nope")
    with pytest.raises(SessionNotFoundError):
        world.answer_open("nope", "50万")


def test_questions_asked_are_logged_once_each(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, [])
    intake.view(world.uow(), world.ctx, session)
    world.answer_open(session, "50万")
    asked = [e.detail["feature"] for e in world.store.events if e.kind == "question_asked"]
    assert asked == ["loan_amount", "annual_revenue"]


def test_the_assistant_can_log_doubts_and_returns_in_the_journey_schema(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1", channel="web")
    intake.note_event(world.uow(), world.ctx, session.session_id, "doubt", topic="data_safety")
    intake.note_event(world.uow(), world.ctx, session.session_id, "resumed")
    started, doubt, resumed = world.store.events
    assert started.detail == {"lang": "zh-CN", "channel": "web"}
    assert (doubt.kind, doubt.detail) == ("doubt", {"topic": "data_safety"})
    assert resumed.kind == "resumed"
    with pytest.raises(ValueError, match="unknown journey event kind"):
        intake.note_event(world.uow(), world.ctx, session.session_id, "gossip")
    with pytest.raises(SessionNotFoundError):
        intake.note_event(world.uow(), world.ctx, "nope", "doubt")
    assert len(world.store.events) == 3


def test_a_consent_never_covers_a_protected_attribute(world: World) -> None:
    world.connectors["registry"].values["owner_gender"] = "female"
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    view = intake.grant_consent(world.uow(), world.ctx, session, ["registry"])
    (registry,) = view.consents
    assert "owner_gender" not in registry.scope
    assert "enterprise_age_years" in registry.scope
    assert "owner_gender" not in {k.feature for k in view.known}
