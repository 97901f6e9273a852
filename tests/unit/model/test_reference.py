"""Held-out applicants scored over every product: ranks of logged pairs, best pairs, drift."""

from __future__ import annotations

import numpy as np
import pytest

from loanmatch.model.reference import Reference
from loanmatch.model.training import period_drift


def test_a_logged_pair_is_ranked_among_every_product_its_applicant_could_get() -> None:
    p = np.array([[0.9, 0.5, -np.inf, 0.7], [0.2, 0.8, 0.6, -np.inf]])
    reference = Reference(np.array([10, 20]), p, np.array([0, 0, 1, 1]))
    rank = reference.rank_of(np.array([10, 10, 20, 99]), np.array([0.9, 0.5, 0.6, 0.9]))
    assert rank.tolist() == [0, 2, 1, -1]


def test_the_best_pairs_skip_products_whose_rules_fail() -> None:
    p = np.array([[0.9, 0.5, -np.inf, 0.7], [-np.inf, -np.inf, -np.inf, 0.4]])
    reference = Reference(np.array([1, 2]), p, np.array([0, 0, 1, 1]))
    assert reference.best_p.tolist() == [0.9, 0.7, 0.5, 0.4]
    assert reference.best_lender.tolist() == [0, 1, 0, 1]


def test_drift_names_the_lender_whose_latest_decisions_left_the_model() -> None:
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.3, 0.9, 6000)
    lenders = np.repeat([0, 1, 2], 2000)
    truth = np.where(lenders == 1, raw - 0.2, raw)  # lender 1 tightened
    approved = (rng.random(raw.size) < truth).astype(float)
    report = period_drift(raw, approved, lenders, ["a", "b", "c"])
    changed = report["lenders"]
    assert isinstance(changed, list)
    names = [item["lender"] for item in changed]
    assert names == ["b"]
    assert report["realised"] == pytest.approx(float(approved.mean()), abs=1e-4)
