"""Each question asked has a number; an answer names it (or its feature) and lands only on it.
Choices to tap, and values shown with their units in words."""

from __future__ import annotations

import pytest

from loanmatch.domain.catalog import Catalog, Scalar
from loanmatch.errors import AnswerError, AnswerFieldError, StaleQuestionError
from loanmatch.services import intake
from loanmatch.services.intake.views import shown
from tests.unit.services.conftest import CODE, World


def _asking(world: World) -> str:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    intake.grant_consent(world.uow(), world.ctx, session, [])
    return session


def test_each_new_question_carries_the_next_number(world: World) -> None:
    session = _asking(world)
    first = intake.view(world.uow(), world.ctx, session).question
    assert first is not None
    assert (first.feature, first.seq) == ("loan_amount", 1)
    after = world.answer_open(session, "50万")
    assert after.question is not None
    assert (after.question.feature, after.question.seq) == ("annual_revenue", 2)


def test_an_answer_to_a_question_no_longer_open_is_refused_as_stale_and_changes_nothing(
    world: World,
) -> None:
    session = _asking(world)
    world.answer_open(session, "50万")
    before = intake.view(world.uow(), world.ctx, session)
    with pytest.raises(StaleQuestionError) as refused:
        intake.answer(world.uow(), world.ctx, session, "300万", question=1)
    body = refused.value.to_dict()
    assert refused.value.status == 409
    assert body["code"] == "session.conflict.stale_question"
    assert body["error"] == "session_conflict"
    assert body["where"] == {"setting": "question"}
    assert (body["question"], body["feature"]) == (2, "annual_revenue")
    assert intake.view(world.uow(), world.ctx, session) == before


def test_an_answer_naming_neither_its_question_nor_a_feature_is_refused_naming_the_field(
    world: World,
) -> None:
    session = _asking(world)
    before = intake.view(world.uow(), world.ctx, session)
    with pytest.raises(AnswerError) as refused:
        intake.answer(world.uow(), world.ctx, session, "50万")
    assert refused.value.status == 422
    assert refused.value.to_dict()["where"] == {"setting": "question"}
    assert intake.view(world.uow(), world.ctx, session) == before


def test_an_answer_naming_a_feature_still_works_without_the_question_number(
    world: World,
) -> None:
    session = _asking(world)
    view = intake.answer(world.uow(), world.ctx, session, "50万", feature="loan_amount")
    assert {k.feature: k.value for k in view.known} == {"loan_amount": 500_000.0}


def test_an_answer_whose_question_and_feature_disagree_is_refused(world: World) -> None:
    session = _asking(world)
    with pytest.raises(AnswerFieldError) as refused:
        intake.answer(world.uow(), world.ctx, session, "B", feature="tax_grade", question=1)
    assert refused.value.to_dict()["where"] == {"feature": "tax_grade"}


def test_an_answer_naming_its_question_lands_on_it_when_another_item_changed_meanwhile(
    world: World,
) -> None:
    session = _asking(world)
    world.engine.meanwhile = lambda: intake.answer(
        world.uow(), world.ctx, session, "24", feature="loan_term_months"
    )
    view = intake.answer(world.uow(), world.ctx, session, "50万", question=1)
    known = {k.feature: k.value for k in view.known}
    assert known == {"loan_term_months": 24.0, "loan_amount": 500_000.0}
    answered = [e.detail for e in world.store.events if e.kind == "answered"]
    assert {"feature": "loan_amount", "question": 1} in [
        {"feature": d["feature"], "question": d["question"]} for d in answered
    ]


def test_an_answer_whose_question_was_answered_meanwhile_is_refused_as_stale(
    world: World,
) -> None:
    session = _asking(world)
    world.engine.meanwhile = lambda: intake.answer(
        world.uow(), world.ctx, session, "80万", question=1
    )
    with pytest.raises(StaleQuestionError):
        intake.answer(world.uow(), world.ctx, session, "50万", question=1)
    known = {k.feature: k.value for k in intake.view(world.uow(), world.ctx, session).known}
    assert known == {"loan_amount": 800_000.0}


def test_a_yes_no_question_offers_yes_and_no_and_a_category_its_labelled_codes(
    world: World,
) -> None:
    world.engine.order = ("owns_property", "tax_grade")
    session = _asking(world)
    question = intake.view(world.uow(), world.ctx, session).question
    assert question is not None
    assert [(c.value, c.label.zh, c.label.en) for c in question.choices] == [
        ("true", "是", "Yes"),
        ("false", "否", "No"),
    ]
    after = intake.answer(world.uow(), world.ctx, session, "false", question=question.seq)
    assert after.question is not None
    assert after.question.feature == "tax_grade"
    assert [c.value for c in after.question.choices] == ["A", "B", "M", "C", "D"]
    assert after.question.choices[0].label.zh == "A级"


@pytest.mark.parametrize(
    ("feature", "value", "zh", "en"),
    [
        ("enterprise_age_years", 5.0, "5年", "5 years"),
        ("enterprise_age_years", 1.0, "1年", "1 year"),
        ("loan_term_months", 12.0, "12个月", "12 months"),
        ("overdue_count_24m", 0.0, "0次", "0"),
        ("employees", 8.0, "8人", "8"),
        ("owns_property", False, "否", "no"),
        ("tax_grade", "A", "A级", "Grade A"),
        ("days_until_needed", 30.0, "30天", "30 days"),
        ("loan_amount", 500_000.0, "50万元", "500,000 yuan"),
        ("max_acceptable_rate", 6.5, "6.5%", "6.5%"),
    ],
)
def test_a_value_is_shown_with_its_unit_in_the_owners_words(
    catalog: Catalog, feature: str, value: Scalar, zh: str, en: str
) -> None:
    text = shown(catalog[feature], value)
    assert (text.zh, text.en) == (zh, en)
