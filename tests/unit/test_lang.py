"""One language type and one parser: every way a language is named reads as zh-CN or en."""

from __future__ import annotations

import pytest

from loanmatch.lang import LANGS, Lang, parse_lang, short_code


@pytest.mark.parametrize(
    ("given", "expected"),
    [("en", "en"), ("en-US", "en"), ("EN", "en"), (" en_GB ", "en"), ("zh", "zh-CN"),
     ("zh-CN", "zh-CN"), ("zh-Hans", "zh-CN"), ("ZH_cn", "zh-CN"), (None, "zh-CN"),
     ("", "zh-CN"), ("fr", "zh-CN"), ("*", "zh-CN")],
)  # fmt: skip
def test_a_language_tag_reads_as_zh_cn_or_en(given: str | None, expected: Lang) -> None:
    assert parse_lang(given) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [("en-US,en;q=0.9,zh-CN;q=0.8", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
     ("fr-FR, en;q=0.8, zh;q=0.5", "en"), ("en;q=0.2, zh;q=0.7", "zh-CN"),
     ("en;q=0, fr", "zh-CN"), ("de, fr;q=0.5", "zh-CN"), ("en;q=bad, zh;q=0.1", "zh-CN")],
)  # fmt: skip
def test_an_accept_language_header_gives_its_most_preferred_language(
    header: str, expected: Lang
) -> None:
    assert parse_lang(header) == expected


def test_the_default_applies_when_no_language_is_named() -> None:
    assert parse_lang(None, "en") == "en"
    assert parse_lang("", "en") == "en"
    assert parse_lang("fr", "en") == "en"
    assert parse_lang("zh", "en") == "zh-CN"


def test_every_language_reads_as_itself_and_has_a_short_code() -> None:
    assert LANGS == ("zh-CN", "en")
    for lang in LANGS:
        assert parse_lang(lang) == lang
        assert parse_lang(short_code(lang)) == lang
    assert [short_code(lang) for lang in LANGS] == ["zh", "en"]
