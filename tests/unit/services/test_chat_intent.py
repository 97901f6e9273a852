"""What the chat makes of a bare 有 / 没有 / 不知道 (an answer to the question asked, never a doubt)
and of "怎么申请？下一步做什么" (the next step, not credit tips), over the fake engine."""

from __future__ import annotations

import pytest

from loanmatch.assistant.retrieval import Retriever, default_retriever
from loanmatch.errors import StaleQuestionError
from loanmatch.services import intake
from loanmatch.services.assistant import Assistant, chat
from loanmatch.services.intake import SessionView
from tests.unit.services.conftest import CODE, World


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return default_retriever()


def _asking(world: World, retriever: Retriever, *order: str) -> tuple[Assistant, str]:
    world.engine.order = order
    world.engine.enough = len(order)
    assistant = Assistant(world.uow, world.ctx, retriever)
    view = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1")
    intake.grant_consent(world.uow(), world.ctx, view.session_id, [])
    return assistant, view.session_id


def _known(view: SessionView) -> dict[str, object]:
    return {k.feature: k.value for k in view.known}


def test_a_bare_no_to_an_amount_held_is_zero_not_a_question_about_collateral(
    world: World, retriever: Retriever
) -> None:
    assistant, session = _asking(world, retriever, "bills_receivable", "owns_property")
    turn = chat(assistant, session, "没有")
    assert (turn.kind, turn.entry) == ("answer", None)
    assert _known(turn.view) == {"bills_receivable": 0.0}
    assert turn.view.question is not None
    assert turn.view.question.feature == "owns_property"


def test_a_bare_no_to_a_yes_no_question_is_no(world: World, retriever: Retriever) -> None:
    assistant, session = _asking(world, retriever, "owns_property", "has_credit_history")
    turn = chat(assistant, session, "没有")
    assert turn.kind == "answer"
    assert _known(turn.view) == {"owns_property": False}
    turn = chat(assistant, session, "有")
    assert turn.kind == "answer"
    assert _known(turn.view) == {"owns_property": False, "has_credit_history": True}


def test_a_bare_yes_to_an_amount_asks_for_the_amount_instead_of_answering_a_doubt(
    world: World, retriever: Retriever
) -> None:
    assistant, session = _asking(world, retriever, "bills_receivable")
    turn = chat(assistant, session, "有")
    assert turn.kind == "invalid"
    assert turn.entry is None
    assert _known(turn.view) == {}
    assert "持有应收票据金额" in turn.replies[0]


def test_a_bare_dont_know_is_the_answer_dont_know(world: World, retriever: Retriever) -> None:
    assistant, session = _asking(world, retriever, "tax_grade", "bills_receivable")
    turn = chat(assistant, session, "不知道")
    assert turn.kind == "answer"
    assert [(k.feature, k.provenance) for k in turn.view.known] == [("tax_grade", "dont_know")]


@pytest.mark.parametrize(
    ("message", "lang", "said"),
    [
        ("怎么申请？下一步做什么", "zh", "排名第一"),
        ("下一步做什么", "zh", "排名第一"),
        ("How do I apply? What is the next step?", "en", "Apply to the first one"),
    ],
)
def test_how_to_apply_is_answered_with_the_next_step_and_changes_nothing(
    world: World, retriever: Retriever, message: str, lang: str, said: str
) -> None:
    assistant, session = _asking(world, retriever, "tax_grade", "bills_receivable")
    turn = chat(assistant, session, message, lang)
    assert (turn.kind, turn.entry) == ("doubt", "how_to_apply")
    assert said in turn.replies[0]
    assert turn.view.known == ()
    assert turn.view.question is not None
    assert turn.view.question.feature == "tax_grade"


def test_a_message_for_a_question_already_answered_is_refused_as_stale(
    world: World, retriever: Retriever
) -> None:
    assistant, session = _asking(world, retriever, "tax_grade", "bills_receivable")
    first = chat(assistant, session, "B", question=1)
    assert _known(first.view) == {"tax_grade": "B"}
    with pytest.raises(StaleQuestionError):
        chat(assistant, session, "0", question=1)
    assert _known(chat(assistant, session, "0", question=2).view) == {
        "tax_grade": "B",
        "bills_receivable": 0.0,
    }


@pytest.mark.parametrize(("message", "lang"), [("先看结果", "zh"), ("不想回答了", "zh"),
                                               ("show me the results", "en")])  # fmt: skip
def test_the_owner_can_stop_the_questions_and_get_the_result_of_what_is_known(
    world: World, retriever: Retriever, message: str, lang: str
) -> None:
    assistant, session = _asking(world, retriever, "tax_grade", "bills_receivable", "owns_property")
    chat(assistant, session, "B", question=1)
    turn = chat(assistant, session, message, lang)
    assert turn.kind == "finish"
    assert turn.view.stage == "done"
    assert turn.view.question is None
    assert turn.view.result is not None
    assert _known(turn.view) == {"tax_grade": "B"}
    recommended = [e.detail for e in world.store.events if e.kind == "recommended"]
    assert recommended == [{"offers": 0, "by_owner": True}]
    assert "finished_by_owner" in [a.action for a in world.store.audit]


def test_a_question_about_whether_it_is_over_is_a_doubt_not_a_stop(
    world: World, retriever: Retriever
) -> None:
    assistant, session = _asking(world, retriever, "tax_grade", "bills_receivable")
    turn = chat(assistant, session, "快结束了吗")
    assert (turn.kind, turn.entry) == ("doubt", "progress")
    assert turn.view.stage == "asking"
