"""The sparse test-bed market: blanks not at random, a logging policy that ignores the rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.products_file import load_products
from loanmatch.adapters.tables import Table, read_table
from loanmatch.domain.catalog import Catalog
from loanmatch.domain.products import Market
from loanmatch.domain.rules import FAIL, PASS, UNKNOWN
from loanmatch.testbed import drift, sparse
from loanmatch.testbed.case import MarketCase

SCALE = 0.1


@dataclass(frozen=True)
class Loaded:
    catalog: Catalog
    market: Market
    history: Table
    applicants: Table


@pytest.fixture(scope="module")
def case() -> MarketCase:
    return sparse.generate(7, SCALE)


@pytest.fixture(scope="module")
def loaded(case: MarketCase, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    files = case.write(tmp_path_factory.mktemp("sparse"))
    catalog = load_catalog(files.features)
    market = load_products(files.products, catalog)
    history = read_table(files.history, catalog, kind="history")
    applicants = read_table(files.applicants, catalog, kind="applicants")
    return Loaded(catalog, market, history, applicants)


def _history_status(loaded: Loaded) -> np.ndarray:
    """Each history row's published-rule status for its own product (observed values)."""
    status = loaded.market.eligibility(loaded.history.values).status
    column = np.asarray([loaded.market.index_of(p) for p in loaded.history.product_ids])
    return status[np.arange(len(column)), column]


def _input_names(case: MarketCase) -> list[str]:
    return [f["name"] for f in case.features if f.get("source") != "derived"]


def test_the_same_seed_gives_the_same_market(case: MarketCase) -> None:
    again = sparse.generate(7, SCALE)
    pd.testing.assert_frame_equal(case.history, again.history)
    pd.testing.assert_frame_equal(case.applicants, again.applicants)
    np.testing.assert_array_equal(case.true_p, again.true_p)
    assert case.products == again.products
    assert case.facts == again.facts


def test_another_seed_gives_another_market(case: MarketCase) -> None:
    other = sparse.generate(8, SCALE)
    assert other.products != case.products
    assert not np.array_equal(other.true_p, case.true_p)


def test_scale_changes_the_rows_but_not_the_products(case: MarketCase) -> None:
    small = sparse.generate(7, SCALE / 2)
    assert small.products == case.products
    assert len(small.history) == pytest.approx(len(case.history) / 2, rel=0.05)


def test_the_files_load_through_the_section_9_adapters(case: MarketCase, loaded: Loaded) -> None:
    assert len(loaded.history) == len(case.history)
    assert len(loaded.applicants) == len(case.applicants)
    assert loaded.market.product_ids == tuple(case.product_ids)
    assert set(loaded.history.product_ids) <= set(case.product_ids)
    assert loaded.history.warnings == ()
    assert loaded.applicants.warnings == ()
    assert set(loaded.history.approved) == {0, 1}


def test_the_derived_debt_ratio_is_what_the_catalog_formula_computes(loaded: Loaded) -> None:
    values = loaded.applicants.values
    expected = values["total_debt"] / np.maximum(values["turnover"], 1)
    np.testing.assert_allclose(values["debt_ratio"], expected, rtol=1e-12)
    assert np.isnan(values["debt_ratio"]).mean() > 0.5


def test_the_catalog_is_its_own_and_unannotated(case: MarketCase) -> None:
    names = {f["name"] for f in case.features}
    assert not names & set(load_catalog(DEFAULT_CATALOG))
    assert not names & {f["name"] for f in drift.FEATURES}
    assert all("monotone" not in f for f in case.features)
    assert {f["type"] for f in case.features} == {"number", "boolean", "category"}
    assert max(len(f.get("categories", [])) for f in case.features) >= 30


def test_the_market_has_the_intended_shape(case: MarketCase) -> None:
    assert len({p["lender"] for p in case.products}) == 25
    assert len(case.products) == 80
    assert all(len(p["rules"]) <= 4 for p in case.products)
    assert len(case.history) == pytest.approx(120_000 * SCALE, rel=0.05)
    assert case.true_p.shape == (round(6_000 * SCALE), 80)
    fresh = set(case.applicants["applicant_id"])
    assert len(fresh) == len(case.applicants)
    assert not fresh & set(case.history["applicant_id"])
    assert pd.to_datetime(case.history["decided_at"], format="ISO8601").notna().all()


def test_true_p_is_a_probability_that_never_saturates(case: MarketCase) -> None:
    assert case.true_p.min() >= 0
    assert case.true_p.max() < 0.99
    assert case.true_p.max() > 0.95


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
    status = loaded.market.eligibility(loaded.applicants.values).status
    assert case.true_p[status == FAIL].max() <= 0.01
    failing = _history_status(loaded) == FAIL
    assert loaded.history.approved[failing].mean() < 0.02


def test_a_large_share_of_history_rows_fail_a_published_rule(
    case: MarketCase, loaded: Loaded
) -> None:
    assert case.facts["rule_fail_share"] >= 0.4
    status = _history_status(loaded)
    assert (status == FAIL).mean() >= 0.25
    assert (status == UNKNOWN).mean() >= 0.2
    assert (status == FAIL).mean() == pytest.approx(case.facts["rule_fail_share_seen"])


def test_rules_lean_on_features_that_are_often_blank(case: MarketCase, loaded: Loaded) -> None:
    blank = {n: float(np.isnan(v).mean()) for n, v in loaded.history.values.items()}
    ruled = [p for p in loaded.market.products if p.rules]
    often = [p for p in ruled if any(blank[r.feature] >= 0.3 for r in p.rules)]
    assert len(often) >= 0.6 * len(ruled)


def test_the_logging_policy_sends_each_firm_to_two_to_five_products(case: MarketCase) -> None:
    per_firm = case.history.groupby("applicant_id")["product_id"]
    assert per_firm.size().between(2, 5).all()
    assert (per_firm.nunique() == per_firm.size()).all()


def test_hidden_knockouts_hit_some_otherwise_eligible_pairs(
    case: MarketCase, loaded: Loaded
) -> None:
    assert 0.10 <= case.facts["hidden_knockout_share"] <= 0.25
    eligible = loaded.market.eligibility(loaded.applicants.values).status == PASS
    assert (case.true_p[eligible] <= 0.02).mean() > 0.05


def test_the_approval_rate_is_in_the_intended_band(case: MarketCase) -> None:
    assert 0.2 <= case.history["approved"].mean() <= 0.4
    assert case.facts["approval_rate"] == pytest.approx(case.history["approved"].mean())


def test_an_oracle_could_cover_a_fair_share_of_fresh_applicants(case: MarketCase) -> None:
    assert 0.3 <= case.facts["oracle_share_p95"] <= 0.7


def test_a_tiny_scale_still_has_approvals_and_declines_for_most_products() -> None:
    tiny = sparse.generate(11, 0.02)
    rate = tiny.history.groupby("product_id")["approved"].mean()
    assert len(rate) == 80
    assert ((rate > 0) & (rate < 1)).mean() >= 0.8


def test_files_round_trip_without_error_at_a_tiny_scale(tmp_path: Path) -> None:
    files = sparse.generate(3, 0.02).write(tmp_path)
    catalog = load_catalog(files.features)
    load_products(files.products, catalog)
    assert len(read_table(files.history, catalog, kind="history")) > 2_000
