"""The PD model on simulated loans (issue 4 acceptance): AUC, KS and ECE <= 0.02 on held-out
loans, and tiers whose realised default rates rise from A to E."""

from __future__ import annotations

import numpy as np
import pytest

from loanmatch.risk import risk_metrics, tier_table, train_pd_model
from loanmatch.risk.pd_model import ModelKind
from loanmatch.risk.tiers import is_monotone
from loanmatch.simulator import simulate_market
from loanmatch.simulator.performance import loan_book


@pytest.mark.slow
@pytest.mark.parametrize("model", ["scorecard", "gbdt"])
def test_the_pd_model_ranks_and_is_calibrated_on_held_out_simulated_loans(
    model: ModelKind,
) -> None:
    market = simulate_market(11, history_rows=150_000, n_applicants=10)
    book = loan_book(market)
    held_out = np.random.default_rng(0).random(len(book)) < 0.3
    train = {k: v[~held_out] for k, v in book.values.items()}
    test = {k: v[held_out] for k, v in book.values.items()}
    pd_model = train_pd_model(
        market.catalog, train, book.default[~held_out], book.kinds[~held_out], model=model
    )
    p = pd_model.predict_pd(test, book.kinds[held_out])
    metrics = risk_metrics(p, book.default[held_out])
    assert metrics.auc >= 0.66
    assert metrics.ks >= 0.22
    assert metrics.ece <= 0.02
    rows = tier_table(p, book.default[held_out])
    assert is_monotone(rows, min_count=30), rows
