"""The thin-history market: a thousand products, a few hundred decisions each, hidden knock-outs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loanmatch.testbed import thin
from loanmatch.testbed.case import MarketCase
from tests.unit.testbed import checks
from tests.unit.testbed.checks import Loaded, Status

SEED, SCALE = 7, 0.05


@pytest.fixture(scope="module")
def case() -> MarketCase:
    return thin.generate(SEED, SCALE)


@pytest.fixture(scope="module")
def loaded(case: MarketCase, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    return checks.load(case, tmp_path_factory.mktemp("thin"))


@pytest.fixture(scope="module")
def status(loaded: Loaded) -> Status:
    return checks.applicant_status(loaded)


def test_the_same_seed_gives_the_same_market(case: MarketCase) -> None:
    checks.assert_same_market(case, thin.generate(SEED, SCALE))


def test_another_seed_gives_another_market() -> None:
    one, other = thin.generate(1, 0.02), thin.generate(2, 0.02)
    checks.assert_another_market(one, other)
    assert not one.history["approved"].equals(other.history["approved"])


def test_the_files_load_through_the_section_9_readers(case: MarketCase, loaded: Loaded) -> None:
    checks.assert_loads_through_the_section_9_readers(case, loaded)


def test_the_market_has_220_lenders_and_about_a_thousand_products_of_few_rules(
    case: MarketCase,
) -> None:
    lenders = {p["lender"] for p in case.products}
    assert len(lenders) == thin.LENDERS == 220
    assert 900 <= len(case.products) <= 1_100
    per_lender = pd.Series([p["lender"] for p in case.products]).value_counts()
    assert per_lender.min() >= 2
    assert per_lender.max() <= 8
    assert all(0 <= len(p["rules"]) <= 4 for p in case.products)
    assert len({p["kind"] for p in case.products}) == 4


def test_the_catalog_shares_no_name_with_the_default_catalog(case: MarketCase) -> None:
    checks.assert_catalog_is_its_own(case)
    assert not any("monotone" in f for f in case.features)


def test_history_and_fresh_applicants_have_the_designed_sizes(case: MarketCase) -> None:
    history_rows, fresh = round(thin.HISTORY_ROWS * SCALE), round(thin.FRESH_APPLICANTS * SCALE)
    checks.assert_designed_sizes(case, history_rows, fresh)


def test_true_probabilities_lie_in_zero_to_one_and_stay_below_0_99(case: MarketCase) -> None:
    checks.assert_true_p_is_a_probability_below_0_99(case)
    assert np.quantile(case.true_p[case.true_p > 0.05], 0.5) < 0.9


def test_a_failing_published_rule_means_a_true_probability_of_zero(
    case: MarketCase, status: Status
) -> None:
    checks.assert_a_failing_rule_means_zero(case, status)


def test_hidden_knockouts_decline_some_pairs_whose_published_rules_pass(
    case: MarketCase, status: Status
) -> None:
    checks.assert_hidden_knockouts_decline_passing_pairs(case, status, 0.08, 0.35)


def test_the_approval_rate_is_between_20_and_40_percent(case: MarketCase) -> None:
    checks.assert_approval_rate_between_20_and_40_percent(case)


def test_most_products_see_both_approvals_and_declines(case: MarketCase) -> None:
    assert checks.both_outcomes(case.history).sum() >= 0.6 * len(case.products)


def test_rows_per_product_scale_to_a_few_hundred_unevenly_at_full_size(case: MarketCase) -> None:
    assert 350 <= thin.HISTORY_ROWS / len(case.products) <= 450
    counts = case.history["product_id"].value_counts().reindex(case.product_ids, fill_value=0)
    full = counts.to_numpy() / SCALE
    assert 250 <= np.median(full) <= 550
    assert np.quantile(full, 0.1) <= 200
    assert np.quantile(full, 0.9) >= 600
    small = thin.generate(SEED, 0.02)
    assert len(small.history) == round(thin.HISTORY_ROWS * 0.02)
    ratio = len(case.history) / len(small.history)
    assert ratio == pytest.approx(SCALE / 0.02)


def test_an_oracle_covers_30_to_70_percent_of_applicants_at_95_percent(case: MarketCase) -> None:
    checks.assert_an_oracle_covers_30_to_70_percent_at_95_percent(case)


def test_a_few_percent_of_cells_are_unknown(case: MarketCase) -> None:
    checks.assert_a_few_percent_of_cells_are_unknown(case)


def test_the_protected_feature_is_in_no_rule(case: MarketCase) -> None:
    protected = [f["name"] for f in case.features if f.get("protected")]
    assert protected == ["owner_sex"]
    assert not any("owner_sex" in rule for p in case.products for rule in p["rules"])
