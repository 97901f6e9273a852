"""The default-size market: naive approval in the 20-30% band, and fast enough to regenerate."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from loanmatch.services.simulate import simulate
from loanmatch.simulator import simulate_market


def test_naive_policy_approval_is_between_20_and_30_percent() -> None:
    market = simulate_market(7)
    assert len(market.history) == 100_000
    assert 0.20 <= market.approval_rate <= 0.30


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 13])
def test_naive_policy_approval_is_between_20_and_30_percent_for_other_seeds(seed: int) -> None:
    assert 0.20 <= simulate_market(seed).approval_rate <= 0.30


def test_simulating_100k_history_rows_takes_well_under_ten_seconds() -> None:
    started = time.perf_counter()
    market = simulate_market(13, history_rows=100_000, n_applicants=2_000)
    seconds = time.perf_counter() - started
    assert len(market.history) == 100_000
    assert seconds < 10.0, f"{len(market.history) / seconds:.0f} rows/s"


@pytest.mark.slow
def test_simulate_writes_100k_rows_in_under_a_minute(tmp_path: Path) -> None:
    report = simulate(7, tmp_path)
    assert report.rows == 100_000
    assert report.seconds < 60.0
