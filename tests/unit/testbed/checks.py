"""Checks the test-bed markets' tests share: plain functions over a generated ``MarketCase``.

Each market's test file generates its case once (at its own seed and scale) and calls these;
what only one market promises stays in its own file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.products_file import load_products
from loanmatch.adapters.tables import Table, read_table
from loanmatch.domain.catalog import Catalog
from loanmatch.domain.products import Market
from loanmatch.domain.rules import FAIL, PASS
from loanmatch.testbed.case import MarketCase

Status = npt.NDArray[np.int8]


@dataclass(frozen=True)
class Loaded:
    """A case's files as loanmatch reads them."""

    catalog: Catalog
    market: Market
    history: Table
    applicants: Table


def load(case: MarketCase, directory: Path) -> Loaded:
    """Write ``case`` to ``directory`` and read it back through the section-9 readers."""
    files = case.write(directory)
    catalog = load_catalog(files.features)
    market = load_products(files.products, catalog)
    history = read_table(files.history, catalog, kind="history")
    applicants = read_table(files.applicants, catalog, kind="applicants")
    return Loaded(catalog, market, history, applicants)


def applicant_status(loaded: Loaded) -> Status:
    """Published-rule status of every (fresh applicant, product), from loanmatch's own rules."""
    return loaded.market.eligibility(loaded.applicants.values).status


def history_status(loaded: Loaded) -> Status:
    """Each history row's published-rule status for its own product (observed values)."""
    status = loaded.market.eligibility(loaded.history.values).status
    assert loaded.history.product_ids is not None
    column = np.asarray([loaded.market.index_of(p) for p in loaded.history.product_ids])
    return np.asarray(status[np.arange(len(column)), column], dtype=np.int8)


def both_outcomes(history: pd.DataFrame) -> pd.Series:
    """For each product in ``history``: whether it has both approvals and declines."""
    outcomes = history.groupby("product_id")["approved"].agg(["min", "max"])
    return (outcomes["min"] == 0) & (outcomes["max"] == 1)


def assert_same_market(case: MarketCase, again: MarketCase) -> None:
    assert again.features == case.features
    assert again.products == case.products
    pd.testing.assert_frame_equal(again.history, case.history)
    pd.testing.assert_frame_equal(again.applicants, case.applicants)
    np.testing.assert_array_equal(again.true_p, case.true_p)
    assert again.facts == case.facts


def assert_another_market(case: MarketCase, other: MarketCase) -> None:
    assert other.products != case.products
    assert not np.array_equal(other.true_p, case.true_p)


def assert_scale_changes_only_the_rows(case: MarketCase, half: MarketCase) -> None:
    """``half``: the same seed at half the scale."""
    assert half.products == case.products
    assert len(half.history) == pytest.approx(len(case.history) / 2, rel=0.05)


def assert_loads_through_the_section_9_readers(case: MarketCase, loaded: Loaded) -> None:
    market, history, applicants = loaded.market, loaded.history, loaded.applicants
    assert market.product_ids == tuple(case.product_ids)
    assert len(history) == len(case.history)
    assert len(applicants) == len(case.applicants)
    assert history.warnings == ()
    assert applicants.warnings == ()
    assert history.product_ids is not None
    assert set(history.product_ids) <= set(case.product_ids)
    assert history.approved is not None
    assert set(history.approved) == {0, 1}
    np.testing.assert_array_equal(history.approved, case.history["approved"].to_numpy())


def assert_files_round_trip(case: MarketCase, directory: Path, more_rows_than: int) -> None:
    files = case.write(directory)
    catalog = load_catalog(files.features)
    load_products(files.products, catalog)
    assert len(read_table(files.history, catalog, kind="history")) > more_rows_than


def assert_catalog_is_its_own(case: MarketCase, *others: list[dict[str, object]]) -> None:
    """No feature name of ``case`` is in the default catalog or in any of ``others``."""
    names = {f["name"] for f in case.features}
    assert not names & set(load_catalog(DEFAULT_CATALOG))
    for other in others:
        assert not names & {f["name"] for f in other}


def assert_fresh_applicants_are_new(case: MarketCase) -> None:
    fresh = case.applicants["applicant_id"]
    assert fresh.is_unique
    assert not set(fresh) & set(case.history["applicant_id"])


def assert_each_applicant_applies(case: MarketCase, least: int, most: int) -> None:
    """Every history applicant applies to ``least`` to ``most`` products, each once."""
    per_applicant = case.history.groupby("applicant_id")["product_id"].agg(["size", "nunique"])
    assert per_applicant["size"].between(least, most).all()
    assert (per_applicant["size"] == per_applicant["nunique"]).all()


def assert_designed_sizes(case: MarketCase, history_rows: int, fresh_applicants: int) -> None:
    """The history and fresh applicants as designed: sizes, 1-4 applications, two years."""
    history, fresh = case.history, case.applicants
    assert len(history) == history_rows
    assert len(fresh) == fresh_applicants
    assert case.true_p.shape == (len(fresh), len(case.products))
    assert_fresh_applicants_are_new(case)
    assert_each_applicant_applies(case, 1, 4)
    assert set(history["approved"].unique()) == {0, 1}
    dates = pd.to_datetime(history["decided_at"], format="%Y-%m-%d")
    assert (dates.max() - dates.min()).days > 600


def assert_true_p_is_a_probability_below_0_99(case: MarketCase) -> None:
    assert case.true_p.min() >= 0
    assert case.true_p.max() < 0.99
    assert case.true_p.max() > 0.95


def assert_a_failing_rule_means_zero(case: MarketCase, status: Status) -> None:
    assert np.all(case.true_p[status == FAIL] == 0)
    assert np.all(case.true_p[status == PASS] > 0)
    assert (status == PASS).mean() > 0.2


def assert_a_failing_rule_leaves_almost_no_approval(case: MarketCase, loaded: Loaded) -> None:
    """At most 1% for fresh applicants; under 2% approved in the history (observed values)."""
    assert case.true_p[applicant_status(loaded) == FAIL].max() <= 0.01
    assert loaded.history.approved is not None
    assert loaded.history.approved[history_status(loaded) == FAIL].mean() < 0.02


def assert_hidden_knockouts_decline_passing_pairs(
    case: MarketCase, status: Status, least: float, most: float
) -> None:
    """Between ``least`` and ``most`` of the pairs whose rules pass are nearly sure declines."""
    passing = case.true_p[status == PASS]
    assert least <= (passing < 0.05).mean() <= most
    assert 0.10 <= case.facts["hidden_knockout_share"] <= 0.25


def assert_hidden_knockouts_hit_eligible_pairs(
    case: MarketCase, loaded: Loaded, more_than: float
) -> None:
    """More than ``more_than`` of the pairs whose rules pass approve at most 2%."""
    assert 0.10 <= case.facts["hidden_knockout_share"] <= 0.25
    eligible = applicant_status(loaded) == PASS
    assert (case.true_p[eligible] <= 0.02).mean() > more_than


def assert_approval_rate_between_20_and_40_percent(case: MarketCase) -> None:
    rate = case.history["approved"].mean()
    assert 0.2 <= rate <= 0.4
    assert 0.2 <= case.facts["approval_rate"] <= 0.4
    assert case.facts["approval_rate"] == pytest.approx(rate)


def assert_an_oracle_covers_30_to_70_percent_at_95_percent(case: MarketCase) -> None:
    share = (case.true_p.max(axis=1) >= 0.95).mean()
    assert 0.3 <= share <= 0.7
    assert 0.3 <= case.facts["oracle_share_p95"] <= 0.7
    assert case.facts["oracle_share_p95"] == pytest.approx(share)


def assert_a_few_percent_of_cells_are_unknown(case: MarketCase) -> None:
    names = [f["name"] for f in case.features]
    for frame in (case.history, case.applicants):
        assert 0.005 <= frame[names].isna().to_numpy().mean() <= 0.08
