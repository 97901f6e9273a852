"""The drift test-bed market: lenders tighten or loosen in 2024, applicants grow richer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.products_file import load_products
from loanmatch.adapters.tables import Table, read_table
from loanmatch.domain.products import Market
from loanmatch.domain.rules import FAIL, PASS
from loanmatch.testbed import drift
from loanmatch.testbed.case import MarketCase

SCALE = 0.1


@dataclass(frozen=True)
class Loaded:
    market: Market
    history: Table
    applicants: Table


@pytest.fixture(scope="module")
def case() -> MarketCase:
    return drift.generate(7, SCALE)


@pytest.fixture(scope="module")
def loaded(case: MarketCase, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    files = case.write(tmp_path_factory.mktemp("drift"))
    catalog = load_catalog(files.features)
    market = load_products(files.products, catalog)
    history = read_table(files.history, catalog, kind="history")
    return Loaded(market, history, read_table(files.applicants, catalog, kind="applicants"))


def _history_status(loaded: Loaded) -> np.ndarray:
    """Each history row's published-rule status for its own product (observed values)."""
    status = loaded.market.eligibility(loaded.history.values).status
    column = np.asarray([loaded.market.index_of(p) for p in loaded.history.product_ids])
    return status[np.arange(len(column)), column]


def test_the_same_seed_gives_the_same_market(case: MarketCase) -> None:
    again = drift.generate(7, SCALE)
    pd.testing.assert_frame_equal(case.history, again.history)
    pd.testing.assert_frame_equal(case.applicants, again.applicants)
    np.testing.assert_array_equal(case.true_p, again.true_p)
    assert case.products == again.products
    assert case.facts == again.facts


def test_another_seed_gives_another_market(case: MarketCase) -> None:
    other = drift.generate(8, SCALE)
    assert other.products != case.products
    assert not np.array_equal(other.true_p, case.true_p)


def test_scale_changes_the_rows_but_not_the_products_or_policies(case: MarketCase) -> None:
    small = drift.generate(7, SCALE / 2)
    assert small.products == case.products
    assert small.facts["tightened_lenders"] == case.facts["tightened_lenders"]
    assert len(small.history) == pytest.approx(len(case.history) / 2, rel=0.05)


def test_the_files_load_through_the_section_9_adapters(case: MarketCase, loaded: Loaded) -> None:
    assert len(loaded.history) == len(case.history)
    assert len(loaded.applicants) == len(case.applicants)
    assert loaded.market.product_ids == tuple(case.product_ids)
    assert set(loaded.history.product_ids) <= set(case.product_ids)
    assert loaded.history.warnings == ()
    assert loaded.applicants.warnings == ()
    assert set(loaded.history.approved) == {0, 1}


def test_the_catalog_is_its_own_and_unannotated(case: MarketCase) -> None:
    default = set(load_catalog(DEFAULT_CATALOG))
    names = {f["name"] for f in case.features}
    assert not names & default
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
    fresh = set(case.applicants["applicant_id"])
    assert len(fresh) == len(case.applicants)
    assert not fresh & set(case.history["applicant_id"])
    dates = pd.to_datetime(case.history["decided_at"], format="ISO8601")
    assert dates.min() >= pd.Timestamp("2022-01-01")
    assert dates.max() <= pd.Timestamp("2025-12-31")
    assert set(case.history["approved"]) == {0, 1}


def test_true_p_is_a_probability_that_never_saturates(case: MarketCase) -> None:
    assert case.true_p.min() >= 0
    assert case.true_p.max() < 0.99
    assert case.true_p.max() > 0.95


def test_a_failing_published_rule_leaves_almost_no_approval(
    case: MarketCase, loaded: Loaded
) -> None:
    status = loaded.market.eligibility(loaded.applicants.values).status
    assert (status == FAIL).mean() > 0.2
    assert case.true_p[status == FAIL].max() <= 0.01
    failing = _history_status(loaded) == FAIL
    assert loaded.history.approved[failing].mean() < 0.02


def test_hidden_knockouts_hit_some_otherwise_eligible_pairs(
    case: MarketCase, loaded: Loaded
) -> None:
    assert 0.10 <= case.facts["hidden_knockout_share"] <= 0.25
    eligible = loaded.market.eligibility(loaded.applicants.values).status == PASS
    assert (case.true_p[eligible] <= 0.02).mean() > 0.08


def test_the_approval_rate_is_in_the_intended_band(case: MarketCase) -> None:
    assert 0.2 <= case.history["approved"].mean() <= 0.4
    assert 0.2 <= case.facts["approval_rate"] <= 0.4
    assert set(case.facts["approval_rate_by_year"]) == {2022, 2023, 2024, 2025}


def test_an_oracle_could_cover_a_fair_share_of_fresh_applicants(case: MarketCase) -> None:
    assert 0.3 <= case.facts["oracle_share_p95"] <= 0.7
    assert case.facts["oracle_share_p95"] == pytest.approx((case.true_p.max(1) >= 0.95).mean())


def test_tightened_lenders_approve_fewer_comparable_applicants_in_the_last_year(
    case: MarketCase, loaded: Loaded
) -> None:
    history = case.history.assign(
        year=case.history["decided_at"].str.slice(0, 4).astype(int),
        lender=case.history["product_id"].str.split("_").str[0],
    )
    score = history["personal_score"]
    comparable = (_history_status(loaded) == PASS) & score.between(600, 760).to_numpy()
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
    rate = tiny.history.groupby("product_id")["approved"].mean()
    assert len(rate) >= 110
    assert ((rate > 0) & (rate < 1)).mean() >= 0.8


def test_files_round_trip_without_error_at_a_tiny_scale(tmp_path: Path) -> None:
    files = drift.generate(3, 0.02).write(tmp_path)
    catalog = load_catalog(files.features)
    load_products(files.products, catalog)
    assert len(read_table(files.history, catalog, kind="history")) > 2_000
