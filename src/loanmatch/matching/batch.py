"""The vectorised core of matching: every applicant of a batch against every product.

Eligibility first (only products whose rules all PASS can be offered), then the decision
probability (calibrated, bounded below over unknown model features) against the threshold (fixed,
certified for a target approval, or this batch's own certificate from ``MIN_BATCH`` applicants),
then price and ranking (``matching/offers.py``). ``recommend_values`` gives a :class:`Batch`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Values
from loanmatch.domain.certification import ThresholdChoice, calibration_margin, lender_floors
from loanmatch.domain.mix_certificate import certify_mix
from loanmatch.domain.products import Eligibility
from loanmatch.domain.progress import Progress
from loanmatch.domain.rules import PASS
from loanmatch.matching.offers import Selection, select_priced
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle

__all__ = [
    "CHUNK",
    "MIN_BATCH",
    "Batch",
    "Scorer",
    "lender_goals",
    "recommend_values",
    "resolve_threshold",
    "score_pairs",
]

MIN_BATCH = 200
"""From this many applicants a target-approval batch is certified on its own mix
(``_batch_choice``), and holds each lender's recommended pairs to the target by their calibrated
probabilities (``lender_floors``), plus one standard error of the lender's calibration
(``calibration_margin``)."""
BATCH_ROUNDS = 3
CHUNK = 200_000
"""Pairs scored per model call (bounds memory: about 70 MB of features per chunk)."""


@dataclass(frozen=True)
class Batch:
    """Recommendations for many applicants: matrices are applicants x products."""

    ids: npt.NDArray[np.object_]
    eligibility: Eligibility
    p_decision: npt.NDArray[np.float64]
    """Decision probability where the rules all PASS, NaN elsewhere."""
    rank: npt.NDArray[np.int64]
    """1..max_offers for offers, 0 otherwise."""
    threshold: float
    """The pooled threshold (``inf`` when a target could not be certified)."""
    choice: ThresholdChoice | None
    selection: Selection | None = None
    """PD, tier, price and benefit score of the offerable pairs; price and budget exclusions."""

    thresholds: npt.NDArray[np.float64] | None = None
    """Each product's threshold: the pooled one, or its lender's when certification raised it
    (None: the pooled one for every product)."""

    def threshold_of(self, product: int) -> float:
        return self.threshold if self.thresholds is None else float(self.thresholds[product])

    @property
    def status(self) -> npt.NDArray[np.int8]:
        """PASS, FAIL or UNKNOWN per (applicant, product)."""
        return self.eligibility.status

    @property
    def covered(self) -> npt.NDArray[np.bool_]:
        return np.asarray((self.rank > 0).any(axis=1))


def resolve_threshold(
    bundle: ModelBundle, policy: RecommendPolicy
) -> tuple[float, ThresholdChoice | None]:
    """The fixed threshold, or the one certified for the target approval (with the lenders'
    own thresholds in the choice: ``ModelBundle.product_thresholds``)."""
    if policy.target_approval is None:
        return policy.threshold, None
    choice = bundle.target_threshold(policy.target_approval, policy.confidence)
    return choice.threshold, choice


def score_pairs(
    bundle: ModelBundle, values: Values, progress: Progress | None = None
) -> tuple[Eligibility, npt.NDArray[np.float64]]:
    """Eligibility and decision probabilities (NaN where the rules do not all PASS)."""
    eligibility = bundle.market.eligibility(values)
    status = eligibility.status
    p = np.full(status.shape, np.nan)
    rows, cols = np.nonzero(status == PASS)
    applicants = bundle.space.applicant_matrix(values)
    for start in range(0, rows.size, CHUNK):
        stop = min(start + CHUNK, rows.size)
        X = bundle.space.pairs(applicants, rows[start:stop], cols[start:stop])
        p[rows[start:stop], cols[start:stop]] = bundle.decision_probability(X)
        if progress is not None:
            progress("score", stop, rows.size)
    return eligibility, p


Scorer = Callable[
    [ModelBundle, Values, Progress | None], tuple[Eligibility, npt.NDArray[np.float64]]
]
"""How pairs are scored: ``score_pairs`` (the default) or the intake's plausible lower bound."""


def recommend_values(
    bundle: ModelBundle,
    ids: npt.NDArray[np.object_],
    values: Values,
    policy: RecommendPolicy,
    progress: Progress | None = None,
    *,
    scorer: Scorer = score_pairs,
) -> Batch:
    """Vectorised recommendation for every applicant in ``values``."""
    threshold, choice = resolve_threshold(bundle, policy)
    eligibility, scored = scorer(bundle, values, progress)
    p = bundle.rank_adjusted(scored)
    batch = choice is not None and len(ids) >= MIN_BATCH
    if batch and choice is not None:
        choice = _batch_choice(bundle, choice, p, eligibility.status, policy)
        threshold = choice.threshold
    thresholds = None if choice is None else bundle.product_thresholds(choice)
    limit: float | npt.NDArray[np.float64] = threshold if thresholds is None else thresholds
    selection = select_priced(bundle, values, p, eligibility.status, limit, policy.max_offers)
    if batch and thresholds is not None and choice is not None and choice.certified:
        lenders = bundle.space.lender_of_product
        applicants = bundle.space.applicant_matrix(values)
        goal = np.array(list(lender_goals(bundle, choice.target).values()), dtype=np.float64)
        for _ in range(BATCH_ROUNDS):
            rows, cols = np.nonzero(selection.rank > 0)
            expected = bundle.probability(bundle.space.pairs(applicants, rows, cols))
            floors = lender_floors(p, selection.rank, lenders, goal, expected)
            raised = np.maximum(thresholds, floors[lenders])
            if np.array_equal(raised, thresholds):
                break
            thresholds = raised
            selection = select_priced(
                bundle, values, p, eligibility.status, thresholds, policy.max_offers
            )
    return Batch(ids, eligibility, p, selection.rank, threshold, choice, selection, thresholds)


def lender_goals(bundle: ModelBundle, target: float) -> dict[str, float]:
    """Per lender (in the market's order), the mean calibrated probability its recommended
    pairs must reach for ``target``: the target plus one standard error of the lender's
    calibration shift (``certification.calibration_margin``; the target alone when the model
    does not say how many pairs each shift rests on)."""
    lenders = bundle.market.lenders
    support = bundle.shift.lender_support
    if len(support) != len(lenders):
        return dict.fromkeys(lenders, target)
    goals = target + calibration_margin(target, support)
    return {lender: float(g) for lender, g in zip(lenders, goals, strict=True)}


MIX_GRID = 60
"""Thresholds the batch's own certificate tries (quantiles of the held-out probabilities)."""


def _batch_choice(
    bundle: ModelBundle,
    choice: ThresholdChoice,
    p: npt.NDArray[np.float64],
    status: npt.NDArray[np.int8],
    policy: RecommendPolicy,
) -> ThresholdChoice:
    """The threshold certified for this batch's own mix (``domain/mix_certificate``) when it is
    lower than the pooled one (or the pooled one certifies nothing), with each lender's own
    threshold at it (``ModelBundle.guard``); else ``choice``. The batch's pairs at a threshold
    are each applicant's best ``max_offers`` products by probability (label-free); the held-out
    pairs are every scored one (``ModelBundle.held_out_scored``): the bands map them to the
    batch's mix, so they need not be applicants' best products themselves."""
    held = bundle.held_out_scored
    if held.p.size == 0:
        return choice
    open_p = np.where(status == PASS, p, -np.inf)
    k = max(1, min(policy.max_offers, open_p.shape[1]))
    best = -np.sort(-open_p, axis=1)[:, :k]
    best = best[np.isfinite(best)]
    levels = np.linspace(0.0, 1.0, MIX_GRID, endpoint=False)
    grid = np.unique(np.floor(np.quantile(held.p, levels) * 1000.0) / 1000.0)
    mix = certify_mix(
        held.p,
        held.y,
        held.groups,
        [float(t) for t in grid],
        lambda t: best[best >= t],
        choice.target,
        choice.confidence,
    )
    if not mix.certified or mix.threshold >= choice.threshold:
        return choice
    found = replace(
        choice,
        threshold=mix.threshold,
        n_pairs=round(mix.effective_pairs),
        approval=mix.approval,
        p_value=mix.p_value,
        group_thresholds={},
        highest_certifiable=None,
        pairs_needed=None,
    )
    return bundle.guard(found)
