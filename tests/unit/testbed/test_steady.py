"""The steady market: nine lenders whose approval probabilities spread out and never saturate."""

from __future__ import annotations

import numpy as np
import pytest

from loanmatch.domain.rules import PASS
from loanmatch.testbed import steady, thin
from loanmatch.testbed.case import MarketCase
from tests.unit.testbed import checks
from tests.unit.testbed.checks import Loaded, Status

SEED, SCALE = 7, 0.25


@pytest.fixture(scope="module")
def case() -> MarketCase:
    return steady.generate(SEED, SCALE)


@pytest.fixture(scope="module")
def loaded(case: MarketCase, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    return checks.load(case, tmp_path_factory.mktemp("steady"))


@pytest.fixture(scope="module")
def status(loaded: Loaded) -> Status:
    return checks.applicant_status(loaded)


def test_the_same_seed_gives_the_same_market(case: MarketCase) -> None:
    checks.assert_same_market(case, steady.generate(SEED, SCALE))


def test_another_seed_gives_another_market() -> None:
    checks.assert_another_market(steady.generate(1, 0.05), steady.generate(2, 0.05))


def test_the_files_load_through_the_section_9_readers(case: MarketCase, loaded: Loaded) -> None:
    checks.assert_loads_through_the_section_9_readers(case, loaded)


def test_the_market_has_9_lenders_and_46_products_of_few_rules(case: MarketCase) -> None:
    assert len({p["lender"] for p in case.products}) == 9
    assert len(case.products) == 46
    assert all(0 <= len(p["rules"]) <= 4 for p in case.products)


def test_the_catalog_is_its_own_and_marks_a_few_features_monotone(case: MarketCase) -> None:
    checks.assert_catalog_is_its_own(case, thin.FEATURES)
    monotone = {f["name"]: f["monotone"] for f in case.features if "monotone" in f}
    assert monotone == {"monthly_sales_k": 1, "principal_points": 1, "missed_bills_24m": -1}


def test_history_and_fresh_applicants_have_the_designed_sizes(case: MarketCase) -> None:
    history_rows = round(steady.HISTORY_ROWS * SCALE)
    checks.assert_designed_sizes(case, history_rows, round(steady.FRESH_APPLICANTS * SCALE))
    assert case.true_p.shape[1] == 46


def test_true_probabilities_lie_in_zero_to_one_and_stay_below_0_99(case: MarketCase) -> None:
    checks.assert_true_p_is_a_probability_below_0_99(case)


def test_no_lender_approves_anyone_for_sure(case: MarketCase) -> None:
    lenders = np.asarray([p["lender"] for p in case.products])
    best = [case.true_p[:, lenders == lender].max() for lender in np.unique(lenders)]
    assert max(best) <= 0.985
    assert min(best) >= 0.8
    assert len({round(b, 2) for b in best}) >= 4  # the ceilings differ by lender


def test_probabilities_spread_out_with_no_mass_near_one(case: MarketCase, status: Status) -> None:
    passing = case.true_p[(status == PASS) & (case.true_p > 0.05)]
    assert ((passing > 0.2) & (passing < 0.9)).mean() >= 0.3
    assert (passing >= 0.98).mean() < 0.05
    assert (passing > 0.985).sum() == 0


def test_a_failing_published_rule_means_a_true_probability_of_zero(
    case: MarketCase, status: Status
) -> None:
    checks.assert_a_failing_rule_means_zero(case, status)


def test_hidden_knockouts_decline_some_pairs_whose_published_rules_pass(
    case: MarketCase, status: Status
) -> None:
    checks.assert_hidden_knockouts_decline_passing_pairs(case, status, 0.08, 0.4)


def test_the_approval_rate_is_between_20_and_40_percent(case: MarketCase) -> None:
    checks.assert_approval_rate_between_20_and_40_percent(case)
    assert checks.both_outcomes(case.history).sum() >= 40


def test_an_oracle_covers_30_to_70_percent_of_applicants_at_95_percent(case: MarketCase) -> None:
    checks.assert_an_oracle_covers_30_to_70_percent_at_95_percent(case)


def test_a_few_percent_of_cells_are_unknown(case: MarketCase) -> None:
    checks.assert_a_few_percent_of_cells_are_unknown(case)


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
