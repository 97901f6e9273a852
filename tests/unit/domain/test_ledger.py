"""The ledger's maths (domain/ledger.py): counts, exact intervals, bands, what owners were
told, and the CUSUM's weights and false-alarm level."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from scipy.stats import binomtest

from loanmatch.domain.ledger import (
    LEDGER_CONFIDENCE,
    DriftRule,
    LearningRecord,
    build_ledger,
    cusum,
    p_band,
    told_floor,
)

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def _record(k: int, lender: str, product: str, p: float, approved: bool,
            band_low: float | None = None, days: float = 0.0) -> LearningRecord:  # fmt: skip
    return LearningRecord(f"a{k}", lender, product, approved, p, "m1", 0.8, 1.0,
                          T0 + timedelta(days=days, minutes=k), "lender:x",
                          band_low, None)  # fmt: skip


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 10), (47, 50), (50, 50), (930, 1000)])
def test_a_cells_interval_is_the_exact_clopper_pearson_interval_scipy_computes(
    k: int, n: int
) -> None:
    records = [_record(i, "bank_a", "p1", 0.9, i < k) for i in range(n)]
    ledger = build_ledger(records, T0, T0 + timedelta(days=1))
    cell = ledger.overall
    expected = binomtest(k, n).proportion_ci(confidence_level=LEDGER_CONFIDENCE, method="exact")
    assert (cell.decisions, cell.approved) == (n, k)
    assert cell.low == pytest.approx(expected.low, abs=1e-9)
    assert cell.high == pytest.approx(expected.high, abs=1e-9)
    assert cell.predicted == pytest.approx(0.9)


def test_the_ledger_counts_per_lender_product_and_band_within_its_window() -> None:
    records = [
        _record(0, "bank_a", "p1", 0.82, True), _record(1, "bank_a", "p1", 0.97, False),
        _record(2, "bank_a", "p2", 0.91, True), _record(3, "bank_b", "p3", 0.93, True),
        _record(4, "bank_b", "p3", 0.99, True, days=40),  # outside the window
    ]  # fmt: skip
    ledger = build_ledger(records, T0, T0 + timedelta(days=30))
    assert ledger.overall.decisions == 4
    assert [(c.lender, c.decisions, c.approved) for c in ledger.lenders] == [
        ("bank_a", 3, 2), ("bank_b", 1, 1),
    ]  # fmt: skip
    assert [(c.product, c.decisions) for c in ledger.products] == [("p1", 2), ("p2", 1), ("p3", 1)]
    assert [(c.band, c.decisions) for c in ledger.bands] == [
        ("0.80-0.85", 1), ("0.90-0.95", 2), ("0.95-1.00", 1),
    ]  # fmt: skip
    assert len(ledger.product_bands) == 4
    assert [a.lender for a in ledger.alarms] == ["bank_a", "bank_b"]


def test_bands_of_p_cover_zero_to_one_with_the_top_band_closed() -> None:
    assert p_band(0.0) == "0.00-0.80"
    assert p_band(0.8) == "0.80-0.85"
    assert p_band(0.8999) == "0.85-0.90"
    assert p_band(1.0) == "0.95-1.00"


def test_what_the_owner_was_told_is_the_bands_lower_end_rounded_down_and_at_most_95() -> None:
    assert told_floor(0.99, 0.962) == 95
    assert told_floor(0.93, 0.904) == 90
    assert told_floor(0.93, None) == 90
    assert told_floor(0.849, None) == 80


def test_owners_told_at_least_a_figure_are_counted_together() -> None:
    records = [_record(i, "bank_a", "p1", 0.97, i % 10 != 0, band_low=0.91) for i in range(40)]
    records += [_record(40 + i, "bank_a", "p1", 0.86, i % 2 == 0, band_low=0.85)
                for i in range(10)]  # fmt: skip
    told = {row.floor: row.cell for row in build_ledger(records, T0, T0 + timedelta(1)).told}
    assert (told[90].decisions, told[90].approved) == (40, 36)
    assert (told[85].decisions, told[85].approved) == (50, 41)


def test_a_decisions_weight_is_the_log_likelihood_ratio_of_the_halved_odds() -> None:
    rule = DriftRule(odds_ratio=0.5)
    p = 0.9
    p1 = 0.5 * p / (1 - p + 0.5 * p)  # the alternative's probability: odds halved
    assert rule.weight(p, True) == pytest.approx(math.log(p1 / p))
    assert rule.weight(p, False) == pytest.approx(math.log((1 - p1) / (1 - p)))
    assert rule.level == pytest.approx(math.log(2000 / 0.05))


def test_the_cusum_rings_on_a_run_of_declines_and_never_goes_below_zero() -> None:
    approvals = [_record(i, "bank_a", "p1", 0.95, True) for i in range(200)]
    assert cusum(approvals).statistic == 0.0
    assert not cusum(approvals).ringing
    declines = [_record(200 + i, "bank_a", "p1", 0.95, False) for i in range(20)]
    alarm = cusum([*approvals, *declines])
    # each decline at p = 0.95 adds log(1 / (1 - 0.475)) ≈ 0.644; the level is ≈ 10.6
    assert alarm.alarm_after == 200 + math.ceil(DriftRule().level / -math.log(1 - 0.475))
    assert alarm.alarm_at == declines[alarm.alarm_after - 201].decided_at
