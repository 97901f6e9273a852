"""Training: rule-failing rows left out, applicants split, calibrated on held-out applicants."""

from __future__ import annotations

import numpy as np
import pytest

from loanmatch.domain.metrics import ece
from loanmatch.domain.rules import PASS
from loanmatch.model.training import History, fit_bundle, split_applicants

from .conftest import MARKET, Small, draw_applicants, true_probability


def test_every_applicant_lands_in_exactly_one_part() -> None:
    ids = np.array([f"a{i % 500}" for i in range(3000)], dtype=object)
    part = split_applicants(ids, seed=3)
    for applicant in ("a0", "a17", "a499"):
        assert np.unique(part[ids == applicant]).size == 1
    shares = np.bincount(part[:500], minlength=3) / 500
    assert shares.tolist() == pytest.approx([0.6, 0.2, 0.2], abs=0.01)


def test_the_split_depends_on_the_seed_only() -> None:
    ids = np.array([f"a{i}" for i in range(100)], dtype=object)
    assert np.array_equal(split_applicants(ids, 1), split_applicants(ids, 1))
    assert not np.array_equal(split_applicants(ids, 1), split_applicants(ids, 2))


def test_rows_whose_rules_fail_are_not_trained_on(small: Small) -> None:
    h = small.history
    product = np.array([MARKET.index_of(p) for p in h.product_ids])
    status = MARKET.eligibility(h.values).status[np.arange(len(h.ids)), product]
    metrics = small.bundle.metrics
    assert metrics["rows_rule_fail"] == int((status == 0).sum()) > 0
    assert metrics["rows_train"] + metrics["rows_calibration"] + metrics["rows_selection"] == (
        metrics["rows"] - metrics["rows_rule_fail"]
    )


def test_held_out_selection_pairs_all_pass_their_rules_and_keep_their_outcomes(
    small: Small,
) -> None:
    bundle = small.bundle
    assert bundle.selection_p.size == bundle.selection_y.size > 200
    assert set(np.unique(bundle.selection_y).tolist()) == {0.0, 1.0}
    assert np.all((bundle.selection_p >= 0) & (bundle.selection_p <= 1))


def test_the_model_ranks_and_is_calibrated_on_fresh_applicants(small: Small) -> None:
    bundle = small.bundle
    assert bundle.metrics["auc"] > 0.8
    assert bundle.metrics["ece"] < 0.05
    values = draw_applicants(4000, seed=99)
    product = np.arange(4000) % 4
    rng = np.random.default_rng(5)
    y = rng.random(4000) < true_probability(values, product)
    status = MARKET.eligibility(values).status[np.arange(4000), product]
    X = bundle.space.pairs(bundle.space.applicant_matrix(values), np.arange(4000), product)
    p = bundle.probability(X)
    passing = status == PASS
    assert ece(p[passing], y[passing]) < 0.05


def test_a_history_naming_an_unknown_product_is_refused() -> None:
    values = draw_applicants(10, seed=1)
    history = History(
        np.array([f"a{i}" for i in range(10)], dtype=object),
        values,
        np.array(["p1"] * 9 + ["nope"], dtype=object),
        np.ones(10, dtype=np.int8),
    )
    with pytest.raises(ValueError, match="nope"):
        fit_bundle(MARKET, history)


def test_an_empty_history_is_refused() -> None:
    history = History(
        np.array([], dtype=object),
        {k: v[:0] for k, v in draw_applicants(1, 0).items()},
        np.array([], dtype=object),
        np.array([], dtype=np.int8),
    )
    with pytest.raises(ValueError, match="empty"):
        fit_bundle(MARKET, history)


def test_a_history_without_declines_is_refused() -> None:
    values = draw_applicants(300, seed=1)
    history = History(
        np.array([f"a{i}" for i in range(300)], dtype=object),
        values,
        np.array(["p3"] * 300, dtype=object),
        np.ones(300, dtype=np.int8),
    )
    with pytest.raises(ValueError, match="more history is needed"):
        fit_bundle(MARKET, history)


def test_with_dates_the_earliest_applicants_train_and_the_latest_are_held_out() -> None:
    ids = np.array([f"a{i}" for i in range(1000)], dtype=object)
    dates = np.array([f"2024-{1 + i // 100:02d}-01" for i in range(1000)], dtype=object)
    part = split_applicants(ids, seed=3, decided_at=dates)
    assert set(part[:600].tolist()) == {0}
    assert set(part[600:].tolist()) == {1, 2}
    assert (part[600:] == 1).sum() == pytest.approx(200, abs=1)


def test_an_applicant_is_dated_by_its_first_decision() -> None:
    ids = np.array(["late", "early", "late"] + [f"m{i}" for i in range(7)], dtype=object)
    dates = np.array(["2025-06-01", "2020-01-01", "2019-01-01"] + ["2022-01-01"] * 7, dtype=object)
    part = split_applicants(ids, seed=0, decided_at=dates)
    assert part[0] == part[2] == 0  # 'late' first applied in 2019: among the earliest
    assert part[1] == 0


def test_without_a_date_on_every_row_the_split_is_at_random() -> None:
    ids = np.array([f"a{i}" for i in range(100)], dtype=object)
    dates = np.array(["2024-01-01"] * 99 + [""], dtype=object)
    assert np.array_equal(split_applicants(ids, 1, dates), split_applicants(ids, 1))
