"""The guiding assistant's chat on the real intake: a SQLite database, the adaptive engine over
the session's trained model, and the simulated sources (reliable here, so runs repeat)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from loanmatch.assistant.llm import LlmProvider
from loanmatch.assistant.retrieval import default_retriever
from loanmatch.connectors import simulated_credit_code
from loanmatch.errors import SessionNotFoundError
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.directory import load_model
from loanmatch.services.assistant import Assistant, ChatTurn, chat, start_chat
from loanmatch.services.intake.setup import default_context
from loanmatch.storage.database import Database
from tests.conftest import TrainedMarket
from tests.unit.assistant.test_llm import FakeModel, fake_model  # noqa: F401  (a fixture)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def assistant(trained_market: TrainedMarket, tmp_path: Path) -> Iterator[Assistant]:
    database = Database(f"sqlite:///{tmp_path / 'chat.db'}")
    database.upgrade()
    bundle = load_model(trained_market.model_dir)
    context = default_context(bundle, trained_market.applicants, RecommendPolicy(), failures={})
    yield Assistant(database.unit_of_work, context, default_retriever())
    database.dispose()


def _rows(trained_market: TrainedMarket) -> list[dict[str, str]]:
    with trained_market.applicants.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def truthful_chat(assistant: Assistant, row: dict[str, str], lang: str,
                  doubt: str | None = None) -> ChatTurn:  # fmt: skip
    """A whole chat by an owner who agrees, then answers every question with the truth."""
    turn = start_chat(assistant, lang, simulated_credit_code(row["applicant_id"]))
    turn = chat(assistant, turn.view.session_id, "同意" if lang == "zh" else "agree")
    for _ in range(30):
        if turn.view.stage != "asking" or turn.view.question is None:
            break
        if doubt is not None:
            turn = chat(assistant, turn.view.session_id, doubt)
            doubt = None
            continue
        assert turn.view.question is not None
        value = row.get(turn.view.question.feature) or ("不知道" if lang == "zh" else "don't know")
        turn = chat(assistant, turn.view.session_id, value)
        assert turn.kind == "answer", turn.replies
    return turn


def asking_chat(assistant: Assistant, lang: str) -> ChatTurn:
    """A session whose owner declined every source, so that questions are open."""
    turn = start_chat(assistant, lang, "")
    return chat(assistant, turn.view.session_id, "不同意" if lang == "zh" else "no")


def test_a_doubt_is_answered_and_the_same_question_is_asked_again_with_nothing_lost(
    assistant: Assistant,
) -> None:
    asking = asking_chat(assistant, "zh")
    assert asking.view.stage == "asking"
    assert asking.view.question is not None
    doubt = chat(assistant, asking.view.session_id, "我的数据安全吗？")
    assert doubt.kind == "doubt"
    assert doubt.entry == "data_safety"
    assert "脱敏" in doubt.replies[0]
    assert doubt.view.question == asking.view.question
    assert doubt.view.version == asking.view.version
    assert doubt.view.known == asking.view.known
    assert asking.view.question.text.zh in doubt.replies[-1]


def test_why_do_you_need_this_names_the_question_being_asked(assistant: Assistant) -> None:
    asking = asking_chat(assistant, "en")
    assert asking.view.question is not None
    why = chat(assistant, asking.view.session_id, "why are you asking me this?")
    assert why.entry == "why_needed"
    assert asking.view.question.label.en in why.replies[0]


def test_a_bad_answer_gets_a_polite_reason_and_changes_nothing(assistant: Assistant) -> None:
    asking = asking_chat(assistant, "zh")
    assert asking.kind == "refuse"
    assert asking.view.question is not None
    question = assistant.context.catalog[asking.view.question.feature]
    bad = "-1" if question.type == "number" else "紫色"
    turn = chat(assistant, asking.view.session_id, bad)
    assert turn.kind in ("invalid", "fallback")
    assert turn.view.version == asking.view.version
    assert "抱歉" in turn.replies[0]


def test_an_owner_who_answers_truthfully_reaches_offers_with_rates_in_both_languages(
    assistant: Assistant, trained_market: TrainedMarket
) -> None:
    reached = {}
    for lang in ("zh", "en"):
        for row in _rows(trained_market)[:60]:
            turn = truthful_chat(assistant, row, lang)
            if turn.view.result is not None and turn.view.result.offers:
                reached[lang] = turn
                break
    assert set(reached) == {"zh", "en"}
    assert "获批概率" in reached["zh"].replies[-1]
    assert "approval" in reached["en"].replies[-1]
    rate = chat(assistant, reached["zh"].view.session_id, "利率大概多少？")
    assert rate.entry == "rate"
    offer = reached["zh"].view.result.offers[0]  # type: ignore[union-attr]
    assert offer.product.display("zh") in rate.replies[0]


def test_why_was_i_declined_after_the_result_gives_the_sessions_reasons(
    assistant: Assistant, trained_market: TrainedMarket
) -> None:
    turn = truthful_chat(assistant, _rows(trained_market)[2], "zh")
    assert turn.view.stage == "done"
    declined = chat(assistant, turn.view.session_id, "为什么我没通过？")
    assert declined.entry == "declined"
    assert "主要原因" in declined.replies[0] or "推荐产品" in declined.replies[0]


def test_a_doubt_is_logged_as_a_journey_event(
    assistant: Assistant, trained_market: TrainedMarket
) -> None:
    turn = start_chat(assistant, "zh", "")
    chat(assistant, turn.view.session_id, "需要准备什么材料")
    with assistant.unit_of_work() as uow:
        kinds = [e.kind for e in uow.events.events(turn.view.session_id)]
    assert "doubt" in kinds


def test_an_unknown_session_is_an_error_not_a_new_session(assistant: Assistant) -> None:
    with pytest.raises(SessionNotFoundError):
        chat(assistant, "nope", "你好")


def test_a_configured_model_rephrases_the_answer_and_its_failure_keeps_the_kb(
    assistant: Assistant,
    fake_model: tuple[FakeModel, str],  # noqa: F811
) -> None:
    model, base = fake_model
    model.reply = "放心，您的数据只用于这次匹配。"
    with_model = Assistant(assistant.unit_of_work, assistant.context, assistant.retriever,
                           LlmProvider(base_url=base, model="tiny", timeout_s=5))  # fmt: skip
    session = start_chat(with_model, "zh", "").view.session_id
    assert chat(with_model, session, "数据安全吗")
    assert chat(with_model, session, "数据安全吗").replies[0] == model.reply
    model.status = 500
    assert "脱敏" in chat(with_model, session, "数据安全吗").replies[0]
