"""The drift test-bed market: lenders tighten or loosen in 2024, applicants grow richer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loanmatch.domain.rules import FAIL, PASS
from loanmatch.testbed import drift
from loanmatch.testbed.case import MarketCase
from tests.unit.testbed import checks
from tests.unit.testbed.checks import Loaded

SCALE = 0.1


@pytest.fixture(scope="module")
def case() -> MarketCase:
    return drift.generate(7, SCALE)


@pytest.fixture(scope="module")
def loaded(case: MarketCase, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    return checks.load(case, tmp_path_factory.mktemp("drift"))


def test_the_same_seed_gives_the_same_market(case: MarketCase) -> None:
    checks.assert_same_market(case, drift.generate(7, SCALE))


def test_another_seed_gives_another_market(case: MarketCase) -> None:
    checks.assert_another_market(case, drift.generate(8, SCALE))


def test_scale_changes_the_rows_but_not_the_products_or_policies(case: MarketCase) -> None:
    small = drift.generate(7, SCALE / 2)
    checks.assert_scale_changes_only_the_rows(case, small)
    assert small.facts["tightened_lenders"] == case.facts["tightened_lenders"]


def test_the_files_load_through_the_section_9_adapters(case: MarketCase, loaded: Loaded) -> None:
    checks.assert_loads_through_the_section_9_readers(case, loaded)


def test_the_catalog_is_its_own_and_unannotated(case: MarketCase) -> None:
    checks.assert_catalog_is_its_own(case)
    assert all("monotone" not in f for f in case.features)
    assert {f["type"] for f in case.features} == {"number", "boolean", "category"}
    assert max(len(f.get("categories", [])) for f in case.features) >= 20


def test_the_market_has_the_intended_shape(case: MarketCase) -> None:
    assert len({p["lender"] for p in case.products}) == 40
    assert len(case.products) == 120
    assert all(len(p["rules"]) <= 4 for p in case.products)
    assert any(not p["rules"] for p in case.products)
    assert len(case.history) == pytest.approx(150_000 * SCALE, rel=0.05)
    assert case.true_p.shape == (round(8_000 * SCALE), 120)
    checks.assert_fresh_applicants_are_new(case)
    dates = pd.to_datetime(case.history["decided_at"], format="ISO8601")
    assert dates.min() >= pd.Timestamp("2022-01-01")
    assert dates.max() <= pd.Timestamp("2025-12-31")
    assert set(case.history["approved"]) == {0, 1}


def test_true_p_is_a_probability_that_never_saturates(case: MarketCase) -> None:
    checks.assert_true_p_is_a_probability_below_0_99(case)


def test_a_failing_published_rule_leaves_almost_no_approval(
    case: MarketCase, loaded: Loaded
) -> None:
    assert (checks.applicant_status(loaded) == FAIL).mean() > 0.2
    checks.assert_a_failing_rule_leaves_almost_no_approval(case, loaded)


def test_hidden_knockouts_hit_some_otherwise_eligible_pairs(
    case: MarketCase, loaded: Loaded
) -> None:
    checks.assert_hidden_knockouts_hit_eligible_pairs(case, loaded, 0.08)


def test_the_approval_rate_is_in_the_intended_band(case: MarketCase) -> None:
    checks.assert_approval_rate_between_20_and_40_percent(case)
    assert set(case.facts["approval_rate_by_year"]) == {2022, 2023, 2024, 2025}


def test_an_oracle_could_cover_a_fair_share_of_fresh_applicants(case: MarketCase) -> None:
    checks.assert_an_oracle_covers_30_to_70_percent_at_95_percent(case)


def test_tightened_lenders_approve_fewer_comparable_applicants_in_the_last_year(
    case: MarketCase, loaded: Loaded
) -> None:
    history = case.history.assign(
        year=case.history["decided_at"].str.slice(0, 4).astype(int),
        lender=case.history["product_id"].str.split("_").str[0],
    )
    score = history["personal_score"]
    comparable = (checks.history_status(loaded) == PASS) & score.between(600, 760).to_numpy()
    tight = history["lender"].isin(case.facts["tightened_lenders"]).to_numpy()
    moved = history["lender"].isin(case.facts["loosened_lenders"]).to_numpy() | tight

    def change(rows: np.ndarray) -> float:
        rate = history[rows & comparable].groupby("year")["approved"].mean()
        return float(rate[2025] - rate[2022])

    assert len(case.facts["tightened_lenders"]) == 13
    assert len(case.facts["loosened_lenders"]) == 4
    assert change(tight) < -0.06
    assert change(tight) < change(~moved) - 0.05


def test_fresh_applicants_come_from_a_richer_population_than_early_history(
    case: MarketCase,
) -> None:
    early = case.history[case.history["decided_at"] < "2023-01-01"]
    assert case.applicants["sales_12m"].median() > 1.15 * early["sales_12m"].median()
    share = (case.applicants["trade"] == "ecommerce").mean()
    assert share > 1.5 * (early["trade"] == "ecommerce").mean()


def test_a_tiny_scale_still_has_approvals_and_declines_for_most_products() -> None:
    tiny = drift.generate(11, 0.02)
    both = checks.both_outcomes(tiny.history)
    assert len(both) >= 110
    assert both.mean() >= 0.8


def test_files_round_trip_without_error_at_a_tiny_scale(tmp_path: Path) -> None:
    checks.assert_files_round_trip(drift.generate(3, 0.02), tmp_path, 2_000)
