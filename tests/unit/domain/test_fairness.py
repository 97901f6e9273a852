"""The fairness audit's measures on groups built to differ: a group recommended less, and a
group whose offers realise less approval than predicted, are flagged; equal groups are not."""

from __future__ import annotations

import numpy as np

from loanmatch.domain.fairness import MIN_GROUP, audit_groups


def _groups(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    groups = np.where(rng.random(n) < 0.4, "female", "male").astype("<U8")
    predicted = rng.uniform(0.8, 1.0, (n, 3))
    offered = rng.random((n, 3)) < 0.5
    approved = rng.random((n, 3)) < predicted
    return groups, offered, approved, predicted


def test_equal_groups_raise_no_flag() -> None:
    audit = audit_groups(*_groups())
    assert audit.flags == ()
    assert audit.recommended_rate_ratio is not None
    assert audit.recommended_rate_ratio > 0.8


def test_a_group_recommended_far_less_is_flagged_by_the_four_fifths_rule() -> None:
    groups, offered, approved, predicted = _groups()
    offered[groups == "female"] &= (
        np.random.default_rng(1).random(offered[groups == "female"].shape) < 0.2
    )
    audit = audit_groups(groups, offered, approved, predicted)
    assert "recommended_rate" in audit.flags
    assert audit.recommended_rate_ratio is not None
    assert audit.recommended_rate_ratio < 0.8


def test_a_group_promised_more_than_it_gets_is_flagged_for_calibration() -> None:
    groups, offered, approved, predicted = _groups()
    approved[groups == "female"] &= (
        np.random.default_rng(2).random(approved[groups == "female"].shape) < 0.7
    )
    audit = audit_groups(groups, offered, approved, predicted)
    assert audit.flags == ("calibration:female",)
    female = next(g for g in audit.groups if g.group == "female")
    assert female.calibration_gap is not None
    assert female.calibration_gap > 0.2


def test_a_group_too_small_is_reported_but_never_compared() -> None:
    groups, offered, approved, predicted = _groups()
    groups[: MIN_GROUP // 2] = "unknown"
    offered[: MIN_GROUP // 2] = False
    audit = audit_groups(groups, offered, approved, predicted)
    assert [g.group for g in audit.groups] == ["female", "male", "unknown"]
    assert audit.flags == ()
