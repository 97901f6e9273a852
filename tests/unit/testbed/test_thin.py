"""The thin-history market: a thousand products, a few hundred decisions each, hidden knock-outs."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.products_file import load_products
from loanmatch.adapters.tables import Table, read_table
from loanmatch.domain.products import Market
from loanmatch.domain.rules import FAIL, PASS
from loanmatch.testbed import thin
from loanmatch.testbed.case import MarketCase

SEED, SCALE = 7, 0.05


@pytest.fixture(scope="module")
def case() -> MarketCase:
    return thin.generate(SEED, SCALE)


@pytest.fixture(scope="module")
def loaded(
    case: MarketCase, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Market, Table, Table]:
    files = case.write(tmp_path_factory.mktemp("thin"))
    catalog = load_catalog(files.features)
    market = load_products(files.products, catalog)
    history = read_table(files.history, catalog, kind="history")
    applicants = read_table(files.applicants, catalog, kind="applicants")
    return market, history, applicants


@pytest.fixture(scope="module")
def status(case: MarketCase, loaded: tuple[Market, Table, Table]) -> npt.NDArray[np.int8]:
    """Published-rule status of every (fresh applicant, product), from loanmatch's own rules."""
    market, _, applicants = loaded
    return market.eligibility(applicants.values).status


def test_the_same_seed_gives_the_same_market(case: MarketCase) -> None:
    again = thin.generate(SEED, SCALE)
    assert again.features == case.features
    assert again.products == case.products
    pd.testing.assert_frame_equal(again.history, case.history)
    pd.testing.assert_frame_equal(again.applicants, case.applicants)
    np.testing.assert_array_equal(again.true_p, case.true_p)
    assert again.facts == case.facts


def test_another_seed_gives_another_market() -> None:
    one, other = thin.generate(1, 0.02), thin.generate(2, 0.02)
    assert one.products != other.products
    assert not one.history["approved"].equals(other.history["approved"])


def test_the_files_load_through_the_section_9_readers(
    case: MarketCase, loaded: tuple[Market, Table, Table]
) -> None:
    market, history, applicants = loaded
    assert list(market.product_ids) == case.product_ids
    assert len(history) == len(case.history)
    assert len(applicants) == len(case.applicants)
    assert not history.warnings
    assert not applicants.warnings
    assert history.product_ids is not None
    assert set(history.product_ids) <= set(case.product_ids)
    assert history.approved is not None
    np.testing.assert_array_equal(history.approved, case.history["approved"].to_numpy())


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
    default = set(load_catalog(DEFAULT_CATALOG))
    assert not default & {f["name"] for f in case.features}
    assert not any("monotone" in f for f in case.features)


def test_history_and_fresh_applicants_have_the_designed_sizes(case: MarketCase) -> None:
    history, fresh = case.history, case.applicants
    assert len(history) == round(thin.HISTORY_ROWS * SCALE)
    assert len(fresh) == round(thin.FRESH_APPLICANTS * SCALE)
    assert case.true_p.shape == (len(fresh), len(case.products))
    assert fresh["applicant_id"].is_unique
    assert not set(fresh["applicant_id"]) & set(history["applicant_id"])
    per_applicant = history.groupby("applicant_id")["product_id"].agg(["size", "nunique"])
    assert per_applicant["size"].between(1, 4).all()
    assert (per_applicant["size"] == per_applicant["nunique"]).all()
    assert set(history["approved"].unique()) == {0, 1}
    dates = pd.to_datetime(history["decided_at"], format="%Y-%m-%d")
    assert (dates.max() - dates.min()).days > 600


def test_true_probabilities_lie_in_zero_to_one_and_stay_below_0_99(case: MarketCase) -> None:
    assert np.all(case.true_p >= 0)
    assert case.true_p.max() < 0.99
    assert np.quantile(case.true_p[case.true_p > 0.05], 0.5) < 0.9


def test_a_failing_published_rule_means_a_true_probability_of_zero(
    case: MarketCase, status: npt.NDArray[np.int8]
) -> None:
    assert np.all(case.true_p[status == FAIL] == 0)
    assert np.all(case.true_p[status == PASS] > 0)
    assert (status == PASS).mean() > 0.2


def test_hidden_knockouts_decline_some_pairs_whose_published_rules_pass(
    case: MarketCase, status: npt.NDArray[np.int8]
) -> None:
    passing = case.true_p[status == PASS]
    assert 0.08 <= (passing < 0.05).mean() <= 0.35
    assert 0.10 <= case.facts["hidden_knockout_share"] <= 0.25


def test_the_approval_rate_is_between_20_and_40_percent(case: MarketCase) -> None:
    rate = case.history["approved"].mean()
    assert 0.2 <= rate <= 0.4
    assert case.facts["approval_rate"] == pytest.approx(rate)


def test_most_products_see_both_approvals_and_declines(case: MarketCase) -> None:
    outcomes = case.history.groupby("product_id")["approved"].agg(["min", "max"])
    both = ((outcomes["min"] == 0) & (outcomes["max"] == 1)).sum()
    assert both >= 0.6 * len(case.products)


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
    share = (case.true_p.max(axis=1) >= 0.95).mean()
    assert 0.3 <= share <= 0.7
    assert case.facts["oracle_share_p95"] == pytest.approx(share)


def test_a_few_percent_of_cells_are_unknown(case: MarketCase) -> None:
    names = [f["name"] for f in case.features]
    for frame in (case.history, case.applicants):
        assert 0.005 <= frame[names].isna().to_numpy().mean() <= 0.08


def test_the_protected_feature_is_in_no_rule(case: MarketCase) -> None:
    protected = [f["name"] for f in case.features if f.get("protected")]
    assert protected == ["owner_sex"]
    assert not any("owner_sex" in rule for p in case.products for rule in p["rules"])
