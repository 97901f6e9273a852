"""Candidate changes of the "not yet" plan: only what the owner can really change."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, catalog_formulas, load_catalog
from loanmatch.adapters.products_file import load_products_data
from loanmatch.domain.whatif import WAITS, candidates, decayed, time_moved
from loanmatch.simulator.lenders import default_products

CATALOG = load_catalog(DEFAULT_CATALOG)
MARKET = load_products_data(default_products(), CATALOG)
FORMULAS = catalog_formulas(CATALOG)
NEVER = (
    "owner_gender",
    "industry",
    "region",
    "tax_grade",
    "entity_type",
    "owner_bureau_score",
    "max_acceptable_rate",
)
WAITING = {name for name in CATALOG if CATALOG[name].actionable in ("time", "start", "decay")}


@st.composite
def owners(draw: st.DrawFn) -> dict[str, float]:
    row: dict[str, float] = {}
    for feature in CATALOG.features:
        if feature.derived or (draw(st.booleans()) and draw(st.booleans())):
            row[feature.name] = math.nan
        elif feature.type == "category":
            row[feature.name] = float(draw(st.integers(0, len(feature.categories) - 1)))
        elif feature.type == "boolean":
            row[feature.name] = float(draw(st.integers(0, 1)))
        else:
            low = feature.min if feature.min is not None else 0.0
            high = feature.max if feature.max is not None else 1e7
            row[feature.name] = float(draw(st.integers(int(low), int(min(high, 1e7)))))
    return row


@settings(max_examples=40, deadline=None)
@given(row=owners())
def test_only_actionable_features_ever_change(row: dict[str, float]) -> None:
    for candidate in candidates(MARKET, row, FORMULAS):
        for name in candidate.changes:
            assert CATALOG[name].actionable is not None, name
        assert not set(candidate.changes) & set(NEVER)


@settings(max_examples=40, deadline=None)
@given(row=owners())
def test_time_only_moves_forward_and_only_while_waiting(row: dict[str, float]) -> None:
    for candidate in candidates(MARKET, row, FORMULAS):
        for name, new in candidate.changes.items():
            feature = CATALOG[name]
            if feature.actionable in ("time", "start"):
                assert candidate.wait_months > 0
                assert new > row[name]
            if feature.actionable == "decay":
                assert candidate.wait_months > 0
                assert new < row[name]
            if feature.actionable == "reduce":
                assert new < row[name]
        assert candidate.effort > 0


def test_lawsuits_and_penalties_only_leave_their_two_year_window_by_waiting() -> None:
    row = {"legal_disputes": 2.0, "admin_penalties": 1.0, "overdue_count_24m": 3.0}
    # events spread evenly over the window, a fraction of one rounded up: 1 penalty stays a year
    assert time_moved(CATALOG, row, 12) == {"legal_disputes": 1.0, "overdue_count_24m": 2.0}
    assert time_moved(CATALOG, row, 24) == dict.fromkeys(row, 0.0)
    full = {f.name: math.nan for f in CATALOG.features} | row | {"loan_amount": 3e5}
    for candidate in candidates(MARKET, full, FORMULAS):
        if {"legal_disputes", "admin_penalties"} & set(candidate.changes):
            assert candidate.wait_months > 0


def test_the_owners_age_moves_only_with_the_calendar() -> None:
    row = {"owner_age": 40.0, "enterprise_age_years": 1.5, "hard_inquiries_3m": 4.0}
    for months in WAITS:
        moved = time_moved(CATALOG, row, months)
        assert moved["owner_age"] == 40.0 + months / 12
        assert moved["enterprise_age_years"] == 1.5 + months / 12
    assert time_moved(CATALOG, row, 3)["hard_inquiries_3m"] == 0.0


def test_a_clock_that_has_not_started_does_not_run_by_itself() -> None:
    moved = time_moved(CATALOG, {"tobacco_licence_years": 0.0, "vat_invoice_months_24": 0.0}, 12)
    assert moved == {}


def test_invoicing_months_stop_at_the_window_of_24() -> None:
    assert time_moved(CATALOG, {"vat_invoice_months_24": 20.0}, 12) == {
        "vat_invoice_months_24": 24.0
    }


def test_a_smaller_amount_is_never_below_a_quarter_of_the_request() -> None:
    row = dict.fromkeys(CATALOG, math.nan)
    row["loan_amount"] = 400_000.0
    amounts = [
        c.changes["loan_amount"] for c in candidates(MARKET, row) if "loan_amount" in c.changes
    ]
    assert amounts
    assert min(amounts) >= 100_000.0
    assert max(amounts) < 400_000.0


@settings(max_examples=40, deadline=None)
@given(row=owners())
def test_at_most_two_changes_besides_waiting_and_two_only_as_a_new_request(
    row: dict[str, float],
) -> None:
    for candidate in candidates(MARKET, row, FORMULAS):
        own = set(candidate.changes) - WAITING
        assert len(own) <= 2, candidate
        if candidate.wait_months and len(own) == 2:
            assert {CATALOG[name].group for name in own} == {"request"}, candidate


def test_the_highest_acceptable_rate_is_the_owners_own_and_never_suggested() -> None:
    assert CATALOG["max_acceptable_rate"].actionable is None
    row = dict.fromkeys(CATALOG, math.nan)
    row.update(max_acceptable_rate=4.0, loan_amount=200_000.0, loan_term_months=12.0)
    assert all("max_acceptable_rate" not in c.changes for c in candidates(MARKET, row, FORMULAS))


def test_waiting_lets_recent_inquiries_age_consistently_across_nested_windows() -> None:
    row = {"hard_inquiries_3m": 4.0, "hard_inquiries_6m": 6.0}
    # after 3 months the 6-month window holds exactly the 4 inquiries of the last 3 months
    assert time_moved(CATALOG, row, 3) == {"hard_inquiries_3m": 0.0, "hard_inquiries_6m": 4.0}
    assert time_moved(CATALOG, row, 6) == {"hard_inquiries_3m": 0.0, "hard_inquiries_6m": 0.0}
    assert decayed([(3.0, 4.0), (6.0, 6.0)], 6.0, 1) == 6.0  # 4 + 2 of 3 older months, rounded up


def test_an_old_overdue_falls_out_of_its_window_only_when_it_surely_has() -> None:
    row = {"overdue_count_24m": 1.0}
    assert "overdue_count_24m" not in time_moved(CATALOG, row, 12)  # maybe not yet: stays
    assert time_moved(CATALOG, row, 24)["overdue_count_24m"] == 0.0
    assert time_moved(CATALOG, {"overdue_count_24m": 4.0}, 12)["overdue_count_24m"] == 2.0


def test_debt_can_be_paid_down_to_what_a_debt_to_revenue_rule_allows() -> None:
    row = dict.fromkeys(CATALOG, math.nan)
    row.update(outstanding_debt=800_000.0, annual_revenue=1_000_000.0, debt_to_revenue=0.8)
    debts = {
        c.changes["outstanding_debt"]
        for c in candidates(MARKET, row, FORMULAS)
        if set(c.changes) == {"outstanding_debt"}
    }
    assert 500_000.0 in debts  # debt_to_revenue <= 0.5: 0.5 x revenue
    assert all(200_000.0 <= d < 800_000.0 and d % 1_000 == 0 for d in debts)


def test_a_term_can_shrink_to_what_an_age_at_maturity_rule_allows() -> None:
    row = dict.fromkeys(CATALOG, math.nan)
    row.update(owner_age=61.5, loan_term_months=72.0, age_at_maturity=67.5)
    terms = {
        c.changes["loan_term_months"]
        for c in candidates(MARKET, row, FORMULAS)
        if set(c.changes) == {"loan_term_months"}
    }
    assert 42.0 in terms  # age_at_maturity <= 65: (65 - 61.5) x 12 months


def test_smaller_amounts_are_round_figures_rounded_down() -> None:
    row = dict.fromkeys(CATALOG, math.nan)
    row["loan_amount"] = 137_173.0
    amounts = [
        c.changes["loan_amount"] for c in candidates(MARKET, row) if "loan_amount" in c.changes
    ]
    assert amounts
    assert all(a % 1_000 == 0 and a < 137_173.0 for a in amounts)
