"""The standard decline reason codes: one documented list, every rule and outcome mapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.products_file import load_products_data
from loanmatch.adapters.reason_codes_file import default_reason_codes, load_reason_codes
from loanmatch.domain.reason_codes import OUTCOMES
from loanmatch.errors import InputError
from loanmatch.simulator.lenders import default_products


def test_every_code_has_a_chinese_and_an_english_text() -> None:
    codes = default_reason_codes()
    assert len(codes.texts) >= 15
    for code, text in codes.texts.items():
        assert code.startswith("R")
        assert text.zh
        assert text.en


def test_every_rule_of_the_default_market_maps_to_a_listed_code() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    market = load_products_data(default_products(), catalog)
    codes = default_reason_codes()
    for product in market.products:
        for rule in product.rules:
            assert codes.for_rule(rule) in codes.texts, rule.text


def test_the_main_rule_families_get_their_documented_codes() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    market = load_products_data(default_products(), catalog)
    codes = default_reason_codes()
    by_feature = {r.feature: codes.for_rule(r) for p in market.products for r in p.rules}
    assert by_feature["owner_age"] == "R01"
    assert by_feature["enterprise_age_years"] == "R02"
    assert by_feature["tax_grade"] == "R03"
    assert by_feature["current_overdue"] == "R04"
    assert by_feature["hard_inquiries_3m"] == "R05"
    assert by_feature["loan_amount"] == "R07"
    assert by_feature["region"] == "R08"
    assert by_feature["industry"] == "R09"


def test_every_pipeline_outcome_has_a_code() -> None:
    codes = default_reason_codes()
    assert {codes.for_outcome(o) for o in OUTCOMES} <= set(codes.texts)
    assert codes.for_outcome("low_probability") == "R11"
    assert codes.for_outcome("above_owner_max_rate") == "R12"
    assert codes.for_outcome("above_rate_range") == "R13"
    assert codes.for_outcome("unknown") == "R14"


def test_a_rule_may_override_its_code_in_products_yaml() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    data = [{"id": "p", "lender": "l", "rules": [{"rule": "owner_age >= 18", "code": "R17"}]}]
    rule = load_products_data(data, catalog).products[0].rules[0]
    assert rule.code == "R17"
    assert default_reason_codes().for_rule(rule) == "R17"


def test_a_rule_without_a_code_keeps_working_as_in_section_9() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    data = [{"id": "p", "lender": "l", "rules": ["owner_age >= 18"]}]
    rule = load_products_data(data, catalog).products[0].rules[0]
    assert rule.code is None
    assert default_reason_codes().for_rule(rule) == "R01"


def test_a_code_list_that_uses_an_unlisted_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "codes.yaml"
    path.write_text(
        "codes: {R01: {zh: 年龄, en: age}}\nfeatures: {owner_age: R99}\noutcomes: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="R99"):
        load_reason_codes(path)


def test_a_code_without_an_english_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "codes.yaml"
    path.write_text("codes: {R01: {zh: 年龄}}\n", encoding="utf-8")
    with pytest.raises(InputError, match="zh and en"):
        load_reason_codes(path)
