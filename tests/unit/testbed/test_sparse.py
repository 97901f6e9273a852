"""The sparse test-bed market: blanks not at random, a logging policy that ignores the rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loanmatch.domain.rules import FAIL, UNKNOWN
from loanmatch.testbed import drift, sparse
from loanmatch.testbed.case import MarketCase
from tests.unit.testbed import checks
from tests.unit.testbed.checks import Loaded

SCALE = 0.1


@pytest.fixture(scope="module")
def case() -> MarketCase:
    return sparse.generate(7, SCALE)


@pytest.fixture(scope="module")
def loaded(case: MarketCase, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    return checks.load(case, tmp_path_factory.mktemp("sparse"))


def _input_names(case: MarketCase) -> list[str]:
    return [f["name"] for f in case.features if f.get("source") != "derived"]


def test_the_same_seed_gives_the_same_market(case: MarketCase) -> None:
    checks.assert_same_market(case, sparse.generate(7, SCALE))


def test_another_seed_gives_another_market(case: MarketCase) -> None:
    checks.assert_another_market(case, sparse.generate(8, SCALE))


def test_scale_changes_the_rows_but_not_the_products(case: MarketCase) -> None:
    checks.assert_scale_changes_only_the_rows(case, sparse.generate(7, SCALE / 2))


def test_the_files_load_through_the_section_9_adapters(case: MarketCase, loaded: Loaded) -> None:
    checks.assert_loads_through_the_section_9_readers(case, loaded)


def test_the_derived_debt_ratio_is_what_the_catalog_formula_computes(loaded: Loaded) -> None:
    values = loaded.applicants.values
    expected = values["total_debt"] / np.maximum(values["turnover"], 1)
    np.testing.assert_allclose(values["debt_ratio"], expected, rtol=1e-12)
    assert np.isnan(values["debt_ratio"]).mean() > 0.5


def test_the_catalog_is_its_own_and_unannotated(case: MarketCase) -> None:
    checks.assert_catalog_is_its_own(case, drift.FEATURES)
    assert all("monotone" not in f for f in case.features)
    assert {f["type"] for f in case.features} == {"number", "boolean", "category"}
    assert max(len(f.get("categories", [])) for f in case.features) >= 30


def test_the_market_has_the_intended_shape(case: MarketCase) -> None:
    assert len({p["lender"] for p in case.products}) == 25
    assert len(case.products) == 80
    assert all(len(p["rules"]) <= 4 for p in case.products)
    assert len(case.history) == pytest.approx(120_000 * SCALE, rel=0.05)
    assert case.true_p.shape == (round(6_000 * SCALE), 80)
    checks.assert_fresh_applicants_are_new(case)
    assert pd.to_datetime(case.history["decided_at"], format="ISO8601").notna().all()


def test_true_p_is_a_probability_that_never_saturates(case: MarketCase) -> None:
    checks.assert_true_p_is_a_probability_below_0_99(case)


def test_about_30_percent_of_cells_are_blank_in_history_and_applicants(
    case: MarketCase, loaded: Loaded
) -> None:
    for table in (loaded.history, loaded.applicants):
        blank = np.mean([np.isnan(table.values[n]).mean() for n in _input_names(case)])
        assert 0.25 <= blank <= 0.35
    assert case.facts["missing_share"] == pytest.approx(0.3, abs=0.05)


def test_blanks_are_not_at_random(case: MarketCase) -> None:
    people = case.applicants.assign(best=case.true_p.max(axis=1))
    blank = people["turnover"].isna()
    assert people.loc[blank, "best"].mean() < people.loc[~blank, "best"].mean() - 0.05
    web = people["channel"] == "web"
    partner = people["channel"] == "partner"
    assert people.loc[web, "total_debt"].isna().all()
    assert people.loc[web, "staff"].isna().all()
    assert people.loc[partner, "owner_score"].isna().all()
    assert people.loc[~web & ~partner, "owner_score"].notna().mean() > 0.5


def test_a_failing_published_rule_leaves_almost_no_approval(
    case: MarketCase, loaded: Loaded
) -> None:
    checks.assert_a_failing_rule_leaves_almost_no_approval(case, loaded)


def test_a_large_share_of_history_rows_fail_a_published_rule(
    case: MarketCase, loaded: Loaded
) -> None:
    assert case.facts["rule_fail_share"] >= 0.4
    status = checks.history_status(loaded)
    assert (status == FAIL).mean() >= 0.25
    assert (status == UNKNOWN).mean() >= 0.2
    assert (status == FAIL).mean() == pytest.approx(case.facts["rule_fail_share_seen"])


def test_rules_lean_on_features_that_are_often_blank(case: MarketCase, loaded: Loaded) -> None:
    blank = {n: float(np.isnan(v).mean()) for n, v in loaded.history.values.items()}
    ruled = [p for p in loaded.market.products if p.rules]
    often = [p for p in ruled if any(blank[r.feature] >= 0.3 for r in p.rules)]
    assert len(often) >= 0.6 * len(ruled)


def test_the_logging_policy_sends_each_firm_to_two_to_five_products(case: MarketCase) -> None:
    checks.assert_each_applicant_applies(case, 2, 5)


def test_hidden_knockouts_hit_some_otherwise_eligible_pairs(
    case: MarketCase, loaded: Loaded
) -> None:
    checks.assert_hidden_knockouts_hit_eligible_pairs(case, loaded, 0.05)


def test_the_approval_rate_is_in_the_intended_band(case: MarketCase) -> None:
    checks.assert_approval_rate_between_20_and_40_percent(case)


def test_an_oracle_could_cover_a_fair_share_of_fresh_applicants(case: MarketCase) -> None:
    checks.assert_an_oracle_covers_30_to_70_percent_at_95_percent(case)


def test_a_tiny_scale_still_has_approvals_and_declines_for_most_products() -> None:
    tiny = sparse.generate(11, 0.02)
    both = checks.both_outcomes(tiny.history)
    assert len(both) == 80
    assert both.mean() >= 0.8


def test_files_round_trip_without_error_at_a_tiny_scale(tmp_path: Path) -> None:
    checks.assert_files_round_trip(sparse.generate(3, 0.02), tmp_path, 2_000)
