"""Promotion by evidence: should a challenger model replace the champion?

Both model directories' recommendation policies are run on the same recent held-out decisions
(a history table logged with propensities, ``services/off_policy.py``) and compared on four
figures, each challenger minus champion:

- **approval among recommended**: the doubly robust off-policy estimate (``domain/off_policy``),
  the difference with its paired delta-method interval (the same logged applicants);
- **coverage**: the share of logged applicants with at least one recommendation (known exactly
  for these applicants), the difference with its paired interval over applicants;
- **calibration**: ECE of each model's decision probability on the logged decisions whose rules
  pass (point figures, no interval);
- **the worst lender**: the lowest per-lender DR estimate among lenders with at least
  ``MIN_LENDER_PAIRS`` recommended pairs.

**The rule** (every interval two-sided at ``confidence``, 0.9 by default): promote only when
(1) both off-policy estimates could be made (not refused: see ``domain/off_policy``'s
assumptions), (2) the challenger is not worse on any figure beyond its margin — for approval and
coverage the difference's *lower* end must be above ``-margin`` (non-inferiority shown, not
merely not refuted), except that under a target-approval policy an approval that is lower than
the champion's but whose own interval stays above ``target - margin`` still keeps the promise
(the target policy trades approval above the target for coverage); for ECE the challenger's
may exceed the champion's by at most its margin;
for the worst lender, whose figure rests on few decisions, the challenger's interval must reach
the champion's estimate less the margin (not shown worse) — and (3) it is better on approval or
coverage with the difference's interval above 0. Anything else, a tie included, is refused: the
champion stays unless the decisions show the challenger better.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from loanmatch.adapters.tables import Table, read_table
from loanmatch.domain.off_policy import Interval, ratio_difference, ratio_interval
from loanmatch.errors import Location, ModelError
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.services.off_policy import CandidateOnLog, candidate_on_log, logged_applicants

__all__ = [
    "APPROVAL_MARGIN",
    "COVERAGE_MARGIN",
    "ECE_MARGIN",
    "NO_ESTIMATE",
    "WORST_LENDER_MARGIN",
    "Comparison",
    "Figure",
    "compare_bundles",
    "compare_models",
]

NO_ESTIMATE = "no off-policy estimate of the"
"""How a reason that no off-policy estimate could be made begins."""
APPROVAL_MARGIN = 0.01
COVERAGE_MARGIN = 0.02
ECE_MARGIN = 0.01
WORST_LENDER_MARGIN = 0.03

Verdict = Literal["better", "same", "worse"]


@dataclass(frozen=True)
class Figure:
    """One compared figure: both models' values and the challenger's difference."""

    name: str
    champion: float
    challenger: float
    difference: Interval | None
    """Challenger minus champion with its interval (None: compared by points)."""
    margin: float
    verdict: Verdict
    champion_interval: Interval | None = None
    challenger_interval: Interval | None = None

    @property
    def clearly_worse(self) -> bool:
        """Worse beyond doubt: the difference's whole interval below ``-margin``, or, compared
        by points, the challenger's own value worse (not missing: that is no estimate)."""
        if self.verdict != "worse":
            return False
        if self.difference is not None:
            return self.difference.high < -self.margin
        return not math.isnan(self.challenger)

    def to_dict(self) -> dict[str, Any]:
        def number(value: float) -> float | None:
            return None if math.isnan(value) else value

        return {
            "name": self.name,
            "champion": number(self.champion),
            "challenger": number(self.challenger),
            "difference": None if self.difference is None else self.difference.to_dict(),
            "margin": self.margin,
            "verdict": self.verdict,
            "champion_interval": None
            if self.champion_interval is None
            else self.champion_interval.to_dict(),
            "challenger_interval": None
            if self.challenger_interval is None
            else self.challenger_interval.to_dict(),
        }


@dataclass(frozen=True)
class Comparison:
    """The gate's decision with its reasons and figures (for an audit entry or a console)."""

    promote: bool
    reasons: tuple[str, ...]
    figures: tuple[Figure, ...]
    confidence: float
    applicants: int
    rows: int
    estimates: dict[str, Any] = field(default_factory=dict)
    """Each model's off-policy estimate in full (``OffPolicyEstimate.to_dict``)."""
    worst_lenders: dict[str, str | None] = field(default_factory=dict)

    @property
    def unestimable_only(self) -> bool:
        """Refused because an off-policy estimate could not be made (no overlap), with no
        figure shown worse beyond its margin (a difference wholly below ``-margin``, or an ECE
        worse by more): what an experiment can judge instead (``services/canary.py``)."""
        if self.promote or not any(r.startswith(NO_ESTIMATE) for r in self.reasons):
            return False
        return not any(f.clearly_worse for f in self.figures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": "promote" if self.promote else "refuse",
            "promote": self.promote,
            "reasons": list(self.reasons),
            "figures": [f.to_dict() for f in self.figures],
            "confidence": self.confidence,
            "applicants": self.applicants,
            "rows": self.rows,
            "estimates": self.estimates,
            "worst_lenders": self.worst_lenders,
        }


def _paired_figure(
    name: str, first: Interval, second: Interval, difference: Interval, margin: float
) -> Figure:
    if difference.low > 0.0:
        verdict: Verdict = "better"
    elif math.isnan(difference.low) or difference.low <= -margin:
        verdict = "worse"
    else:
        verdict = "same"
    return Figure(name, first.estimate, second.estimate, difference, margin, verdict, first, second)


def _worst_figure(champion: CandidateOnLog, challenger: CandidateOnLog) -> Figure:
    one, two = champion.worst_lender, challenger.worst_lender
    first = one.estimate.dr if one is not None else None
    second = two.estimate.dr if two is not None else None
    if first is None:
        verdict: Verdict = "same"
    elif second is None or second.high < first.estimate - WORST_LENDER_MARGIN:
        verdict = "worse"
    else:
        verdict = "same"
    return Figure(
        "worst_lender_approval",
        math.nan if first is None else first.estimate,
        math.nan if second is None else second.estimate,
        None,
        WORST_LENDER_MARGIN,
        verdict,
        first,
        second,
    )


def compare_bundles(
    champion: ModelBundle,
    challenger: ModelBundle,
    log_table: Table,
    policy: RecommendPolicy,
    confidence: float = 0.9,
    file: str = "<decisions>",
) -> Comparison:
    """The gate of the module docstring on models in memory and a logged table."""
    if champion.market.product_ids != challenger.market.product_ids:
        raise ModelError(
            "the champion and the challenger were trained on different products; a comparison "
            "on one log of decisions needs the same products",
            Location(file=file),
        )
    log = logged_applicants(log_table, champion, file)
    one = candidate_on_log(champion, log, policy, confidence)
    two = candidate_on_log(challenger, log, policy, confidence)
    reasons: list[str] = []
    for label, item in (("champion", one), ("challenger", two)):
        if item.estimate.refused is not None:
            reasons.append(f"{NO_ESTIMATE} {label}: {item.estimate.refused}")
    figures: list[Figure] = []
    if not reasons:
        approval = ratio_difference(
            (one.terms.dr_approved, one.terms.volume),
            (two.terms.dr_approved, two.terms.volume),
            confidence,
        )
        figure = _paired_figure(
            "approval_among_recommended", one.estimate.dr, two.estimate.dr, approval,
            APPROVAL_MARGIN,
        )  # fmt: skip
        target = policy.target_approval
        keeps_promise = target is not None and two.estimate.dr.low > target - APPROVAL_MARGIN
        if figure.verdict == "worse" and keeps_promise:
            figure = replace(figure, verdict="same")
        figures.append(figure)
    ones = np.ones_like(one.covered)
    coverage = ratio_difference((one.covered, ones), (two.covered, ones), confidence)
    figures.append(
        _paired_figure(
            "coverage",
            ratio_interval(one.covered, ones, confidence),
            ratio_interval(two.covered, ones, confidence),
            coverage,
            COVERAGE_MARGIN,
        )
    )
    worse_ece = not (two.ece <= one.ece + ECE_MARGIN)
    figures.append(
        Figure(
            "ece",
            one.ece,
            two.ece,
            None,
            ECE_MARGIN,
            "worse" if worse_ece else ("better" if two.ece < one.ece else "same"),
        )
    )
    figures.append(_worst_figure(one, two))
    reasons += [_worse_reason(figure) for figure in figures if figure.verdict == "worse"]
    better = [f.name for f in figures if f.verdict == "better" and f.difference is not None]
    if not reasons and not better:
        reasons.append(
            "no figure is better with its interval above no change (a tie keeps the champion)"
        )
    if not reasons:
        reasons.append("better on " + ", ".join(better) + "; not worse on any figure")
    promote = len(reasons) == 1 and reasons[0].startswith("better on")
    return Comparison(
        promote=promote,
        reasons=tuple(reasons),
        figures=tuple(figures),
        confidence=confidence,
        applicants=len(log.ids),
        rows=len(log.row_applicant),
        estimates={"champion": one.estimate.to_dict(), "challenger": two.estimate.to_dict()},
        worst_lenders={
            "champion": None if one.worst_lender is None else one.worst_lender.lender,
            "challenger": None if two.worst_lender is None else two.worst_lender.lender,
        },
    )


def _worse_reason(item: Figure) -> str:
    if item.difference is not None:
        return (
            f"{item.name}: the challenger is not shown within {item.margin:g} of the champion "
            f"(difference {item.difference.estimate:+.4f}, interval {item.difference.low:+.4f} "
            f"to {item.difference.high:+.4f})"
        )
    if math.isnan(item.challenger):
        return f"{item.name}: the challenger has no such figure, the champion {item.champion:.4f}"
    return (
        f"{item.name}: the challenger's {item.challenger:.4f} is worse than the champion's "
        f"{item.champion:.4f} beyond the margin {item.margin:g}"
    )


def compare_models(
    champion_dir: Path,
    challenger_dir: Path,
    decisions: Path,
    policy: RecommendPolicy,
    confidence: float = 0.9,
) -> Comparison:
    """Load both model directories and the decisions file (a history CSV with ``propensity``,
    checked against the champion's catalog and products) and compare them; writes nothing."""
    champion = load_model(Path(champion_dir))
    challenger = load_model(Path(challenger_dir))
    catalog = champion.market.catalog
    table = read_table(Path(decisions), catalog, "history", products=champion.market.product_ids)
    return compare_bundles(champion, challenger, table, policy, confidence, str(decisions))
