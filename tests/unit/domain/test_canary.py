"""The canary's arithmetic (domain/canary.py): a stable random split of firms at the asked share,
and a verdict that waits for enough decisions, promotes a canary better on one figure and worse
on none, and refuses one worse on a figure or below the target at a lender."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from loanmatch.domain.canary import MAX_DECISIONS, MIN_DECISIONS, Arm, in_canary, judge


def test_a_firm_keeps_its_arm_and_the_canary_gets_about_its_share() -> None:
    firms = [f"91110000{n:010d}" for n in range(20_000)]
    mine = [in_canary("sha256:canary", f, 0.2) for f in firms]
    assert mine == [in_canary("sha256:canary", f, 0.2) for f in firms]
    assert 0.19 < sum(mine) / len(firms) < 0.21
    other = [in_canary("sha256:another", f, 0.2) for f in firms]
    assert mine != other, "another canary draws its own split"
    assert not any(in_canary("sha256:canary", f, 0.0) for f in firms[:100])


@given(st.text(min_size=1, max_size=30), st.floats(0.0, 0.5), st.floats(0.5, 1.0))
def test_a_firm_in_a_smaller_share_is_in_every_larger_one(
    firm: str, small: float, large: float
) -> None:
    if in_canary("m", firm, small):
        assert in_canary("m", firm, large)


def test_too_few_decisions_wait() -> None:
    arm = Arm(100, 60, MIN_DECISIONS - 1, MIN_DECISIONS - 1)
    assert judge(arm, arm, 0.9).decision == "wait"


def test_a_canary_covering_more_firms_at_the_same_approval_is_promoted() -> None:
    champion = Arm(4000, 2000, 2000, 1880)
    canary = Arm(1000, 650, 650, 612)
    verdict = judge(champion, canary, 0.9)
    assert verdict.decision == "promote"
    assert "coverage" in verdict.reasons[0]
    assert verdict.coverage.low > 0


def test_a_canary_approved_less_is_refused() -> None:
    champion = Arm(4000, 2000, 2000, 1900)
    canary = Arm(1000, 500, 500, 440)
    verdict = judge(champion, canary, 0.9)
    assert verdict.decision == "refuse"
    assert "approval among recommended worse" in verdict.reasons[0]


def test_a_canary_below_the_target_at_one_lender_is_refused() -> None:
    champion = Arm(4000, 2000, 2000, 1880)
    canary = Arm(1000, 600, 600, 565, {"bank_a": (80, 60), "bank_b": (520, 505)})
    verdict = judge(champion, canary, 0.9)
    assert verdict.decision == "refuse"
    assert verdict.below_target == ("bank_a",)


def test_a_canary_better_on_nothing_waits_then_is_refused_at_the_limit() -> None:
    champion = Arm(8000, 4000, 4000, 3760)
    same = Arm(1000, 500, 500, 470)
    assert judge(champion, same, 0.9).decision == "wait"
    late = Arm(6000, 3000, MAX_DECISIONS, round(0.94 * MAX_DECISIONS))
    assert judge(champion, late, 0.9).decision == "refuse"
