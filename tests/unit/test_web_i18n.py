"""The demo page's words: both languages complete, and every key usable from a template."""

from __future__ import annotations

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.web.i18n import group_title, strings, unit_label


def test_chinese_and_english_have_the_same_words() -> None:
    assert set(strings("zh-CN")) == set(strings("en"))


def test_no_word_is_hidden_by_a_mapping_method_in_a_template() -> None:
    clashes = {key for key in strings("zh-CN") if hasattr(dict, key)}
    assert not clashes, f"Jinja would read {clashes} as dict methods"


def test_known_groups_units_and_categories_read_naturally_and_others_as_written() -> None:
    assert group_title("request", "zh-CN") == "贷款需求"
    assert group_title("my_group", "en") == "My group"
    assert unit_label("yuan", "zh-CN") == "元"
    assert unit_label("furlongs", "en") == "furlongs"
    industry = load_catalog(DEFAULT_CATALOG)["industry"]
    assert industry.category_label("C", "zh") == "制造业"
    assert industry.category_label("C", "en") == "Manufacturing"
    assert industry.category_label("Z9", "zh") == "Z9"
