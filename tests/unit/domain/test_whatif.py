"""Candidate changes of the "not yet" plan: only what the owner can really change."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.products_file import load_products_data
from loanmatch.domain.whatif import WAITS, candidates, time_moved
from loanmatch.simulator.lenders import default_products

CATALOG = load_catalog(DEFAULT_CATALOG)
MARKET = load_products_data(default_products(), CATALOG)
NEVER = ("owner_gender", "industry", "region", "tax_grade", "entity_type", "legal_disputes")


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
    for candidate in candidates(MARKET, row):
        for name in candidate.changes:
            assert CATALOG[name].actionable is not None, name
        assert not set(candidate.changes) & set(NEVER)


@settings(max_examples=40, deadline=None)
@given(row=owners())
def test_time_only_moves_forward_and_only_while_waiting(row: dict[str, float]) -> None:
    for candidate in candidates(MARKET, row):
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
