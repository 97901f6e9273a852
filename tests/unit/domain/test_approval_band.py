"""An approval probability in words: a band the held-out decisions support, never 100%."""

from __future__ import annotations

import math
import re

import numpy as np

from loanmatch.domain.approval_band import (
    ApprovalBands,
    Band,
    band_text,
    below_text,
    clopper_pearson,
    point_text,
    shown_probability,
    threshold_text,
)


def _percent(text: str) -> float:
    found = re.search(r"([\d.]+)%", text)
    assert found is not None, text
    return float(found.group(1))


def test_the_clopper_pearson_interval_matches_its_closed_forms_and_published_values() -> None:
    low, high = clopper_pearson(0, 10, 0.9)
    assert low == 0.0
    assert math.isclose(high, 1 - 0.05 ** (1 / 10), abs_tol=1e-9)
    low, high = clopper_pearson(10, 10, 0.9)
    assert math.isclose(low, 0.05 ** (1 / 10), abs_tol=1e-9)
    assert high == 1.0
    low, high = clopper_pearson(95, 100, 0.95)  # the textbook 95/100: 0.8872 - 0.9836
    assert math.isclose(low, 0.8872, abs_tol=5e-4)
    assert math.isclose(high, 0.9836, abs_tol=5e-4)


def test_groups_hold_enough_held_out_pairs_and_cover_every_probability() -> None:
    rng = np.random.default_rng(3)
    p = rng.beta(6, 1.5, 20_000)
    y = rng.uniform(size=p.size) < p
    bands = ApprovalBands.from_held_out(p, y, min_pairs=300)
    assert bands.edges[0] == 0.0
    assert bands.edges[-1] == 1.0
    assert list(bands.edges) == sorted(bands.edges)
    assert all(b.pairs >= 300 for b in bands.bands)
    assert sum(b.pairs for b in bands.bands) == p.size
    for x in (0.0, 0.31, 0.8, 0.934, 0.999, 1.0):
        band = bands.band(x)
        assert band is not None
        assert band.p_from <= x <= band.p_to


def test_on_a_calibrated_model_the_bands_contain_the_true_approval_rate() -> None:
    rng = np.random.default_rng(11)
    p = rng.uniform(0.5, 1.0, 40_000)
    y = rng.uniform(size=p.size) < p
    bands = ApprovalBands.from_held_out(p, y, confidence=0.9)
    inside = [b.low <= (b.p_from + b.p_to) / 2 <= b.high for b in bands.bands]
    assert sum(inside) / len(inside) >= 0.8


def test_a_band_never_reads_100_percent_and_says_or_more_near_the_top() -> None:
    assert band_text(Band(0.979, 1.0, 400, 400, 0.98, 1.0)) == "95%以上"
    assert band_text(Band(0.979, 1.0, 400, 400, 0.98, 1.0), "en") == "95% or more"
    assert band_text(Band(0.912, 0.947, 400, 372, 0.92, 0.94)) == "约90%–95%"
    assert band_text(Band(0.87, 0.96, 400, 372, 0.9, 0.92)) == "85%以上"
    for low in np.linspace(0.0, 1.0, 101):
        for high in np.linspace(low, 1.0, 11):
            text = band_text(Band(float(low), float(high), 300, 0, 0.0, 1.0), "zh")
            assert "100%" not in text


def test_a_probability_under_its_threshold_always_reads_below_it() -> None:
    for t in np.linspace(0.5, 0.9999, 397):
        for p in (t - 1e-6, t - 0.004, t - 0.01, t - 0.2):
            if p < 0:
                continue
            assert _percent(below_text(float(p), float(t))) < _percent(threshold_text(float(t)))
    assert below_text(0.7996, 0.8) == "约79%"
    assert threshold_text(0.8) == "80%"
    assert threshold_text(0.8734) == "88%"
    assert threshold_text(0.9912) == "99.2%"
    assert below_text(0.9911, 0.9912) == "约99.1%"
    assert "100" not in threshold_text(0.99999)


def test_without_held_out_pairs_the_point_is_rounded_down_and_capped_below_100() -> None:
    bands = ApprovalBands.from_held_out(np.array([0.9, 0.95]), np.array([1, 1]))
    assert bands.band(0.9) is None
    assert point_text(0.9996) == "约99%"
    assert point_text(0.934, "en") == "about 93%"
    assert shown_probability(0.9996, None, "zh", threshold=math.inf) == "约99%"
