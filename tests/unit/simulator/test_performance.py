"""Loan performance: realistic default rates, deterministic by seed, riskier loans default more."""

from __future__ import annotations

import numpy as np

from loanmatch.simulator import SimulatedMarket, simulate_market
from loanmatch.simulator.performance import BANK_STYLES, calibrate_performance, loan_book


def test_the_loan_book_holds_every_approved_application(small_market: SimulatedMarket) -> None:
    book = loan_book(small_market)
    assert small_market.history.approved is not None
    assert len(book) == int(small_market.history.approved.sum())
    assert set(book.default.tolist()) <= {0, 1}


def test_bank_loans_default_at_the_calibrated_rate_and_fintech_loans_more_often(
    small_market: SimulatedMarket,
) -> None:
    book = loan_book(small_market)
    banks = np.isin(book.styles, BANK_STYLES)
    assert abs(float(np.mean(book.true_pd[banks])) - 0.025) < 1e-6  # 普惠 NPL 2.2-2.99%
    assert float(np.mean(book.true_pd[book.styles == "fintech"])) > 0.035


def test_the_same_seed_gives_the_same_outcomes(small_market: SimulatedMarket) -> None:
    again = simulate_market(small_market.seed, history_rows=8_000, n_applicants=500)
    assert np.array_equal(loan_book(small_market).default, loan_book(again).default)


def test_a_bigger_loan_for_the_same_firm_is_riskier(small_market: SimulatedMarket) -> None:
    model = calibrate_performance(small_market)
    people = small_market.history_population.take(np.arange(200))
    product = np.zeros(200, dtype=np.intp)
    base = model.probability(people.complete, people.quality, people.soft, product)
    bigger = {k: v.copy() for k, v in people.complete.items()}
    bigger["loan_amount"] = bigger["loan_amount"] * 4
    more = model.probability(bigger, people.quality, people.soft, product)
    assert np.all(more >= base)
    assert np.any(more > base)
