"""The steady market: nine lenders whose approval probabilities spread out and never saturate."""

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
from loanmatch.testbed import steady, thin
from loanmatch.testbed.case import MarketCase

SEED, SCALE = 7, 0.25


@pytest.fixture(scope="module")
def case() -> MarketCase:
    return steady.generate(SEED, SCALE)


@pytest.fixture(scope="module")
def loaded(
    case: MarketCase, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Market, Table, Table]:
    files = case.write(tmp_path_factory.mktemp("steady"))
    catalog = load_catalog(files.features)
    market = load_products(files.products, catalog)
    history = read_table(files.history, catalog, kind="history")
    applicants = read_table(files.applicants, catalog, kind="applicants")
    return market, history, applicants


@pytest.fixture(scope="module")
def status(loaded: tuple[Market, Table, Table]) -> npt.NDArray[np.int8]:
    """Published-rule status of every (fresh applicant, product), from loanmatch's own rules."""
    market, _, applicants = loaded
    return market.eligibility(applicants.values).status


def test_the_same_seed_gives_the_same_market(case: MarketCase) -> None:
    again = steady.generate(SEED, SCALE)
    assert again.features == case.features
    assert again.products == case.products
    pd.testing.assert_frame_equal(again.history, case.history)
    pd.testing.assert_frame_equal(again.applicants, case.applicants)
    np.testing.assert_array_equal(again.true_p, case.true_p)
    assert again.facts == case.facts


def test_another_seed_gives_another_market() -> None:
    one, other = steady.generate(1, 0.05), steady.generate(2, 0.05)
    assert one.products != other.products
    assert not np.array_equal(one.true_p, other.true_p)


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


def test_the_market_has_9_lenders_and_46_products_of_few_rules(case: MarketCase) -> None:
    assert len({p["lender"] for p in case.products}) == 9
    assert len(case.products) == 46
    assert all(0 <= len(p["rules"]) <= 4 for p in case.products)


def test_the_catalog_is_its_own_and_marks_a_few_features_monotone(case: MarketCase) -> None:
    names = {f["name"] for f in case.features}
    assert not names & set(load_catalog(DEFAULT_CATALOG))
    assert not names & {f["name"] for f in thin.FEATURES}
    monotone = {f["name"]: f["monotone"] for f in case.features if "monotone" in f}
    assert monotone == {"monthly_sales_k": 1, "principal_points": 1, "missed_bills_24m": -1}


def test_history_and_fresh_applicants_have_the_designed_sizes(case: MarketCase) -> None:
    history, fresh = case.history, case.applicants
    assert len(history) == round(steady.HISTORY_ROWS * SCALE)
    assert len(fresh) == round(steady.FRESH_APPLICANTS * SCALE)
    assert case.true_p.shape == (len(fresh), 46)
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


def test_no_lender_approves_anyone_for_sure(case: MarketCase) -> None:
    lenders = np.asarray([p["lender"] for p in case.products])
    best = [case.true_p[:, lenders == lender].max() for lender in np.unique(lenders)]
    assert max(best) <= 0.985
    assert min(best) >= 0.8
    assert len({round(b, 2) for b in best}) >= 4  # the ceilings differ by lender


def test_probabilities_spread_out_with_no_mass_near_one(
    case: MarketCase, status: npt.NDArray[np.int8]
) -> None:
    passing = case.true_p[(status == PASS) & (case.true_p > 0.05)]
    assert ((passing > 0.2) & (passing < 0.9)).mean() >= 0.3
    assert (passing >= 0.98).mean() < 0.05
    assert (passing > 0.985).sum() == 0


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
    assert 0.08 <= (passing < 0.05).mean() <= 0.4
    assert 0.10 <= case.facts["hidden_knockout_share"] <= 0.25


def test_the_approval_rate_is_between_20_and_40_percent(case: MarketCase) -> None:
    rate = case.history["approved"].mean()
    assert 0.2 <= rate <= 0.4
    outcomes = case.history.groupby("product_id")["approved"].agg(["min", "max"])
    assert ((outcomes["min"] == 0) & (outcomes["max"] == 1)).sum() >= 40


def test_an_oracle_covers_30_to_70_percent_of_applicants_at_95_percent(case: MarketCase) -> None:
    share = (case.true_p.max(axis=1) >= 0.95).mean()
    assert 0.3 <= share <= 0.7
    assert case.facts["oracle_share_p95"] == pytest.approx(share)


def test_a_few_percent_of_cells_are_unknown(case: MarketCase) -> None:
    names = [f["name"] for f in case.features]
    for frame in (case.history, case.applicants):
        assert 0.005 <= frame[names].isna().to_numpy().mean() <= 0.08


@pytest.mark.parametrize(
    ("feature", "step"),
    [("principal_points", 6.0), ("monthly_sales_k", 40.0), ("missed_bills_24m", -1.0)],
)
def test_the_truth_respects_the_monotone_annotations(feature: str, step: float) -> None:
    streams = np.random.SeedSequence([SEED, steady._SALT]).spawn(6)
    design = steady._design(np.random.default_rng(streams[0]))
    shops = steady._population(np.random.default_rng(3), 2_000, design)
    moved = dict(shops)
    moved[feature] = np.maximum(shops[feature] + step, 0.0)
    before, after = steady._evaluate(design, shops)[2], steady._evaluate(design, moved)[2]
    assert np.all(after >= before - 1e-12)
    assert np.any(after > before)
