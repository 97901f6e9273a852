"""The knowledge base is data: every entry answers in both languages, with several phrasings;
a broken file is refused with a message naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanmatch.assistant.knowledge import default_knowledge, load_knowledge
from loanmatch.assistant.replies import (
    DeclineFact,
    OfferFact,
    SessionFacts,
    compose,
)
from loanmatch.domain.catalog import Text
from loanmatch.errors import InputError

TOPICS = ["why_needed", "data_safety", "who_sees", "rate", "timing", "declined", "documents",
          "hard_inquiry", "several_banks", "interest_first", "improve_chances", "revoke_consent",
          "tax_grade", "dont_know"]  # fmt: skip


def test_the_shipped_knowledge_base_covers_the_owners_usual_doubts() -> None:
    kb = default_knowledge()
    assert set(TOPICS) <= set(kb.ids)


def test_every_entry_answers_in_chinese_and_english_with_several_phrasings_each() -> None:
    for entry in default_knowledge().entries:
        assert entry.answer.zh
        assert entry.answer.en
        assert len(entry.examples_zh) >= 4, entry.id
        assert len(entry.examples_en) >= 4, entry.id


def test_every_entry_has_intent_cues_in_both_languages() -> None:
    for entry in default_knowledge().entries:
        assert len(entry.cues("zh")) >= 3, entry.id
        assert len(entry.cues("en")) >= 3, entry.id


def test_the_language_resources_are_read_lower_cased() -> None:
    kb = default_knowledge()
    assert kb.colloquial("zh")["咋"] == "怎么"
    assert kb.colloquial("en")["u"] == "you"
    assert "的" in kb.stop_words("zh")
    assert "the" in kb.stop_words("en")
    assert kb.synonyms("en")["interest"] == "rate"


@pytest.mark.parametrize(
    ("text", "message"),
    [("entries: [{id: x, question: {zh: 问, en: q}, answer: {zh: 答, en: a}, cues: [a]}]",
      "cues must be a mapping"),
     ("entries: [{id: x, question: {zh: 问, en: q}, answer: {zh: 答, en: a}, cues: {zh: ['']}}]",
      "cues.zh must be a list of non-empty texts"),
     ("entries: [{id: x, question: {zh: 问, en: q}, answer: {zh: 答, en: a}, topics: [a]}]",
      "topics must be a mapping"),
     ("colloquial: {en: [u]}\nentries: []", "colloquial.en must map words to words"),
     ("stop_words: {zh: 的}\nentries: []", "stop_words.zh must be a list of words"),
     ("stop_words: [the]\nentries: []", "stop_words must be a mapping")],
)  # fmt: skip
def test_a_malformed_language_resource_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_knowledge(path)


def test_a_duplicate_entry_id_is_refused_naming_the_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    entry = "{id: fees, question: {zh: 收费吗, en: fees}, answer: {zh: 免费, en: free}}"
    path.write_text(f"entries: [{entry}, {entry}]", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate entry id 'fees'") as caught:
        load_knowledge(path)
    assert "kb.yaml" in str(caught.value)
    assert "fees" in str(caught.value)


def test_an_entry_without_an_english_answer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text("entries: [{id: x, question: {zh: 问, en: q}, answer: {zh: 答}}]")
    with pytest.raises(InputError, match="both zh and en"):
        load_knowledge(path)


def test_an_unknown_context_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text(
        "entries: [{id: x, context: weather, question: {zh: 问, en: q}, answer: {zh: 答, en: a}}]"
    )
    with pytest.raises(InputError, match="context must be one of"):
        load_knowledge(path)


def test_why_do_you_need_this_explains_the_current_question() -> None:
    kb = default_knowledge()
    facts = SessionFacts(
        feature="tax_grade", feature_label=Text("纳税信用等级", "Tax credit grade")
    )
    zh = compose(kb["why_needed"], kb, facts, "zh")
    en = compose(kb["why_needed"], kb, facts, "en")
    assert "纳税信用等级" in zh
    assert "A、B" in zh
    assert "Tax credit grade" in en
    assert "{context}" not in zh + en


def test_what_rate_will_i_get_quotes_the_offers_rate_ranges() -> None:
    kb = default_knowledge()
    offer = OfferFact(name=Text("云税贷", "Cloud Tax Loan"), rate_min=3.45, rate_max=7.2)
    facts = SessionFacts(offers=(offer,), done=True)
    assert "云税贷 3.45%-7.2%" in compose(kb["rate"], kb, facts, "zh")
    assert "Cloud Tax Loan 3.45%-7.2%" in compose(kb["rate"], kb, facts, "en")


def test_what_rate_before_any_result_says_when_rates_will_show() -> None:
    kb = default_knowledge()
    assert "利率区间" in compose(kb["rate"], kb, SessionFacts(), "zh")


def test_why_was_i_declined_gives_the_failing_rules_reasons() -> None:
    kb = default_knowledge()
    decline = DeclineFact(
        Text("云税贷", "Cloud Tax Loan"), (Text("纳税信用等级须为A、B级", "tax grade A or B"),)
    )
    facts = SessionFacts(declines=(decline,), done=True)
    assert "云税贷：纳税信用等级须为A、B级" in compose(kb["declined"], kb, facts, "zh")
    assert "Cloud Tax Loan: tax grade A or B" in compose(kb["declined"], kb, facts, "en")


def test_why_was_i_declined_before_the_result_says_there_is_none_yet() -> None:
    kb = default_knowledge()
    assert "还没有结果" in compose(kb["declined"], kb, SessionFacts(), "zh")
