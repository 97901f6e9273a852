"""Messages are read as owners write them: colloquial forms, inflections, synonyms and filler
come down to the same concept words as the knowledge base's phrasings."""

from __future__ import annotations

from collections import Counter

import pytest

from loanmatch.assistant.knowledge import default_knowledge
from loanmatch.assistant.retrieval import default_retriever
from loanmatch.assistant.text import NUMBER, TextAnalyzer
from loanmatch.lang import LANGS


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return default_retriever().analyzer


@pytest.mark.parametrize(
    ("colloquial", "plain"),
    [("利息几个点", "利率是多少"), ("多久能到账", "多长时间能放款"),
     ("为啥我没批", "为什么我被拒绝"), ("咋就不通过呢", "怎么拒绝了"), ("要收钱不", "要收费吗"),
     ("会不会泄露", "会泄漏"), ("why u reject me", "why were you rejecting me"),
     ("i dunno", "I don't know"), ("how much interest u charge", "how much interest do you charge"),
     ("the bank turned me down", "the bank declined")],
)  # fmt: skip
def test_a_colloquial_message_reads_like_its_plain_form(
    analyzer: TextAnalyzer, colloquial: str, plain: str
) -> None:
    asked = {"是", "多少"}  # "what is it" words the plain forms add
    assert set(analyzer.words(colloquial)) - asked == set(analyzer.words(plain)) - asked


def test_chinese_question_forms_are_rewritten(analyzer: TextAnalyzer) -> None:
    assert analyzer.prepare("靠不靠谱") == "可靠"
    assert analyzer.prepare("你们这安全不？") == "你们这安全吗"
    assert analyzer.prepare("问完了没") == "问完了吗"
    assert analyzer.prepare("咋办") == "怎么办"


def test_english_inflections_are_one_word(analyzer: TextAnalyzer) -> None:
    assert analyzer.words("rejected") == analyzer.words("rejection") == analyzer.words("rejects")
    assert analyzer.words("documents") == analyzer.words("paperwork") == analyzer.words("docs")


def test_synonyms_map_to_one_concept_word(analyzer: TextAnalyzer) -> None:
    assert analyzer.words("利息") == analyzer.words("几厘") == analyzer.words("年化") == ["利率"]
    assert analyzer.words("下款") == analyzer.words("到账") == ["放款"]


def test_an_english_phrase_is_one_word_but_never_across_a_comma(analyzer: TextAnalyzer) -> None:
    assert analyzer.words("turn down") == analyzer.words("declined")
    assert analyzer.words("turn, down") != analyzer.words("declined")


def test_stop_words_and_greetings_say_nothing(analyzer: TextAnalyzer) -> None:
    assert analyzer.words("ok") == []
    assert analyzer.words("你好，请问一下") == []
    assert analyzer.words("hi, thanks") == []


def test_numbers_are_one_token(analyzer: TextAnalyzer) -> None:
    assert analyzer.words("能贷200万吗") == analyzer.words("能贷50万吗")
    assert NUMBER in analyzer.words("what does 90% mean")


def test_characters_forgive_a_typo(analyzer: TextAnalyzer) -> None:
    typo, right = set(analyzer.chars("intrest")), set(analyzer.chars("interest"))
    assert len(typo & right) >= 3


def test_an_unknown_english_word_one_typo_from_a_known_one_is_mended(
    analyzer: TextAnalyzer,
) -> None:
    assert analyzer.words("documnets") == analyzer.words("documents")
    assert analyzer.words("intrest") == analyzer.words("interest")


def test_a_real_english_word_is_never_mended_into_another(analyzer: TextAnalyzer) -> None:
    assert analyzer.words("reply") != analyzer.words("repay")
    assert analyzer.words("weather") == ["weather"]


def test_no_two_english_synonyms_stem_alike_with_other_concepts() -> None:
    assert TextAnalyzer(default_knowledge()).conflicts == []


def test_every_cue_has_a_word_that_few_entries_share(analyzer: TextAnalyzer) -> None:
    """A cue that reduces to words most entries use ("how", "什么", "bank") would pull every
    message with them to its entry."""
    kb = default_knowledge()
    langs = LANGS
    spread: Counter[str] = Counter()
    for entry in kb.entries:
        spread.update(
            {w for lang in langs for p in entry.phrasings(lang) for w in analyzer.words(p)}
        )
    vague = [
        f"{entry.id}: {cue!r} -> {analyzer.words(cue)}"
        for entry in kb.entries
        for lang in langs
        for cue in entry.cues(lang)
        if not analyzer.words(cue) or min(spread[w] for w in analyzer.words(cue)) >= 5
    ]
    assert vague == []


def test_a_cue_of_several_words_keeps_several_or_is_a_synonym_phrase(
    analyzer: TextAnalyzer,
) -> None:
    """Else the cue "how do you pick" would be just "pick", far vaguer than its author meant."""
    shrunk = [
        f"{entry.id}: {cue!r} -> {analyzer.words(cue)}"
        for entry in default_knowledge().entries
        for cue in entry.cues("en")
        if len(cue.split()) > 1
        and len(analyzer.words(cue)) < 2
        and not any(" " in surface for _, surface in analyzer.tokens(cue))
    ]
    assert shrunk == []
