"""A canary: a challenger serving a random share of firms, judged on its own decisions (issue 13).

The promotion gate judges a challenger off-policy, on decisions the champion's recommendations
led to. Serving is deterministic, so a challenger that would recommend other products than the
champion has no logged decision there and the gate refuses to estimate it (no overlap). An
experiment needs no estimate: each arm is judged on its own decisions.

- :func:`in_canary` assigns a firm to an arm by a hash of the canary's model id and the firm's
  credit code: a firm keeps its arm across sessions, and another canary draws afresh. For a
  share ``s`` the arms are a random split of firms (the hash is independent of everything a
  lender looks at), so the difference between the arms' figures is the effect of the model.
- :func:`judge` compares the arms. Both arms are served under the same policy, and each arm's
  offers are held to the target by its own certificate and floors, so the promise holds on
  both while the experiment runs. The figures, each with its two-sided interval at
  ``confidence`` (normal approximation for a difference of proportions, Newcombe 1998,
  "Interval estimation for the difference between independent proportions", *Statistics in
  Medicine* 17, method 1):

  1. approval among recommended: the canary's approved share of its decisions minus the
     champion's;
  2. coverage: the canary's share of arriving firms with at least one offer minus the
     champion's;
  3. the worst lender: a lender with at least ``MIN_LENDER`` canary decisions whose exact
     interval lies wholly below the target (when there is one) refuses the canary.

  **Promote** when approval is not worse (the difference's lower end above ``-APPROVAL_MARGIN``,
  or, under a target, the canary's own exact interval above ``target - APPROVAL_MARGIN``: it
  keeps the promise, as the off-policy gate allows),
  coverage is not worse (lower end above ``-COVERAGE_MARGIN``), no lender is below the target,
  and approval or coverage is better (lower end above 0). **Refuse** when approval or coverage
  is worse (upper end below the negative margin), a lender is below the target, or, after
  ``MAX_DECISIONS`` canary decisions, nothing is better. Otherwise **wait**; nothing is decided
  before each arm has ``MIN_DECISIONS`` decisions.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Literal

from loanmatch.domain.approval_band import clopper_pearson

__all__ = [
    "APPROVAL_MARGIN",
    "COVERAGE_MARGIN",
    "MAX_DECISIONS",
    "MIN_DECISIONS",
    "MIN_LENDER",
    "Arm",
    "Difference",
    "Verdict",
    "in_canary",
    "judge",
]

MIN_DECISIONS = 150
"""Decisions each arm needs before anything is decided."""
MAX_DECISIONS = 3000
"""Canary decisions after which a canary better on nothing is refused."""
MIN_LENDER = 30
"""Canary decisions of one lender before it can refuse the canary."""
APPROVAL_MARGIN = 0.01
COVERAGE_MARGIN = 0.02


def in_canary(model_id: str, enterprise_id: str, share: float) -> bool:
    """Whether the firm ``enterprise_id`` is served by the canary ``model_id`` at ``share``."""
    if share <= 0.0:
        return False
    digest = hashlib.sha256(f"{model_id}\x00{enterprise_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 < share


@dataclass(frozen=True)
class Arm:
    """One arm's counts: firms that arrived, firms with an offer, decisions, approvals, and per
    lender its decisions and approvals."""

    firms: int
    offered: int
    decisions: int
    approved: int
    lenders: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def approval(self) -> float:
        return self.approved / self.decisions if self.decisions else math.nan

    @property
    def coverage(self) -> float:
        return self.offered / self.firms if self.firms else math.nan


@dataclass(frozen=True)
class Difference:
    """The canary's figure minus the champion's, with the interval."""

    value: float
    low: float
    high: float


def _text(d: Difference) -> str:
    return f"{d.value:+.3f} [{d.low:+.3f}, {d.high:+.3f}]"


def _difference(k1: int, n1: int, k2: int, n2: int, z: float) -> Difference:
    """``k2 / n2 - k1 / n1`` with its normal interval (nan without data)."""
    if n1 == 0 or n2 == 0:
        return Difference(math.nan, math.nan, math.nan)
    p1, p2 = k1 / n1, k2 / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return Difference(p2 - p1, p2 - p1 - z * se, p2 - p1 + z * se)


@dataclass(frozen=True)
class Verdict:
    decision: Literal["promote", "refuse", "wait"]
    reasons: tuple[str, ...]
    approval: Difference
    coverage: Difference
    below_target: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        def diff(d: Difference) -> dict[str, float | None]:
            return {k: (None if math.isnan(v) else round(v, 6))
                    for k, v in (("value", d.value), ("low", d.low), ("high", d.high))}  # fmt: skip

        return {"decision": self.decision, "reasons": list(self.reasons),
                "approval": diff(self.approval), "coverage": diff(self.coverage),
                "below_target": list(self.below_target)}  # fmt: skip


def judge(champion: Arm, canary: Arm, target: float | None, confidence: float = 0.9) -> Verdict:
    """The canary's verdict on the two arms (module docstring)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    approval = _difference(champion.approved, champion.decisions, canary.approved,
                           canary.decisions, z)  # fmt: skip
    coverage = _difference(champion.offered, champion.firms, canary.offered, canary.firms, z)
    if min(champion.decisions, canary.decisions) < MIN_DECISIONS:
        return Verdict("wait", (f"{canary.decisions} canary and {champion.decisions} champion "
                                f"decisions; {MIN_DECISIONS} each are needed",),
                       approval, coverage)  # fmt: skip
    below = tuple(
        lender for lender, (n, k) in sorted(canary.lenders.items())
        if target is not None and n >= MIN_LENDER and clopper_pearson(k, n, confidence)[1] < target
    )  # fmt: skip
    worse = []
    if approval.high < -APPROVAL_MARGIN:
        worse.append(f"approval among recommended worse: {_text(approval)}")
    if coverage.high < -COVERAGE_MARGIN:
        worse.append(f"coverage worse: {_text(coverage)}")
    if below:
        worse.append(f"approval below the target {target:.0%} at: {', '.join(below)}")
    if worse:
        return Verdict("refuse", tuple(worse), approval, coverage, below)
    keeps_promise = (
        target is not None
        and canary.decisions > 0
        and (
            clopper_pearson(canary.approved, canary.decisions, confidence)[0]
            > target - APPROVAL_MARGIN
        )
    )
    not_worse = (approval.low > -APPROVAL_MARGIN or keeps_promise) and (
        coverage.low > -COVERAGE_MARGIN
    )
    better = [name for name, d in (("approval among recommended", approval),
                                   ("coverage", coverage)) if d.low > 0]  # fmt: skip
    figures = f"approval {_text(approval)}, coverage {_text(coverage)}"
    if not_worse and better:
        return Verdict("promote", (f"better on {', '.join(better)}; not worse on any figure: "
                                   f"{figures}",), approval, coverage)  # fmt: skip
    if canary.decisions >= MAX_DECISIONS:
        return Verdict("refuse", (f"better on nothing after {canary.decisions} decisions: "
                                  f"{figures}",), approval, coverage)  # fmt: skip
    return Verdict("wait", (f"no figure decided yet: {figures}",), approval, coverage)
