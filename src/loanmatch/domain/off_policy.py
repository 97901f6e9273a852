"""Off-policy evaluation: a candidate policy's approval among recommended, from decisions logged
under another (logging) policy with recorded propensities.

The data, one entry per logged row (an application the logging policy sent, and the lender's
decision): the applicant ``i`` (an index ``0..n-1``), the decision ``y`` (1 approved, 0 not), the
logging policy's propensity ``mu`` (the probability that it sent applicant ``i`` to this product,
its marginal inclusion probability), the candidate's probability ``pi`` of recommending this pair
(1 or 0 for a deterministic candidate) and, for the doubly robust estimate, the candidate's own
model probability ``m`` of approval. Per applicant: ``V_i`` the number (mass) of pairs the
candidate recommends, and ``M_i`` the sum of ``m`` over them. Both are known for every logged
applicant because the candidate can be run on the applicant's facts; only the decisions on
pairs the logging policy did not send are unknown.

The estimand is the candidate's approval among recommended over the logged applicants'
population, ``R = E[sum_j pi_ij P(approve_ij)] / E[V_i]``.

- **Self-normalised inverse propensity (SNIPS)**: ``sum w y / sum w`` over logged rows with the
  weights ``w = pi / mu``, the Horvitz-Thompson sums (Horvitz and Thompson 1952, "A
  generalization of sampling without replacement from a finite universe", *JASA* 47) of the
  approvals and of the recommendations; self-normalising trades a small bias for much less
  variance (Swaminathan and Joachims 2015, "The self-normalized estimator for counterfactual
  learning", *NeurIPS*).
- **Doubly robust (DR)**: ``(sum_i M_i + sum_rows w (y - m)) / sum_i V_i``: the model's own
  prediction corrected by the weighted residuals of the logged rows. Unbiased when the
  propensities are right whatever the model, and close to unbiased when the model is right
  whatever the propensities; its variance is that of the residuals, not of the decisions
  (Dudík, Langford and Li 2011, "Doubly robust policy evaluation and learning", *ICML*).

**The interval** is the delta method for a ratio of means (Cochran 1977, *Sampling Techniques*,
3rd ed., §6.4), on the per-applicant sums ``a_i`` (numerator) and ``b_i`` (denominator) so an
applicant's correlated rows count once: ``var(R) = sum (a_i - R b_i)^2 / (n (n - 1) mean(b)^2)``,
a two-sided normal interval at ``confidence``. Near approval 1 that empirical variance is the
Wald interval's weakness (Brown, Cai and DasGupta 2001, "Interval estimation for a binomial
proportion", *Statistical Science* 16): a log that happens to hold few weighted declines shows
both a high estimate and a small variance. So, given the candidate's model, the sum of squares
is the larger of the empirical one and the one expected if each logged decision were drawn from
the model's probability ``m`` (``sum w^2 E[(y - R)^2]`` for SNIPS; ``sum (M_i - R V_i)^2 + sum
w^2 m (1 - m)`` for DR), in the spirit of Wilson's interval, which takes its variance from a
model rather than from the sample. Paired differences between two candidates on the
same logged applicants use the difference of their influence terms (:func:`ratio_difference`,
empirical variance only).

**Assumptions.** (1) *Overlap (positivity)*: every pair the candidate recommends had a positive
probability of being logged; (2) *the propensities are the logging policy's own*, correctly
recorded; (3) a lender's decision does not depend on which other products the applicant was
sent to, or on the policy that sent it; (4) the logged applicants are a sample of the population
the candidate will serve. When (1) or (2) fails the estimate is biased with nothing in the
decisions to show it, except one check this module makes: with the candidate's known volume
``V_i``, the inverse-propensity estimate of that same volume, ``sum w / sum V``, has mean 1
exactly when (1) and (2) hold. Where its interval at ``CHECK_CONFIDENCE`` excludes 1 (e.g. a
deterministic logging policy that never sent what the candidate recommends: the check comes out
far below 1), or the weights carry fewer than ``MIN_EFFECTIVE`` effective rows (Kish), or a
propensity is missing or outside ``(0, 1]``, the estimate is refused with the reason: no number
is given. Clipping weights would give a number with an unknown bias; this module never clips.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "CHECK_CONFIDENCE",
    "MIN_EFFECTIVE",
    "Interval",
    "OffPolicyEstimate",
    "PolicyTerms",
    "estimate_approval",
    "policy_terms",
    "ratio_difference",
    "ratio_interval",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

MIN_EFFECTIVE = 30.0
"""Fewest effective logged rows (Kish, ``(sum w)^2 / sum w^2``) behind an estimate."""
CHECK_CONFIDENCE = 0.999
"""Confidence of the weight check's interval (a correct log fails it about 1 time in 1,000)."""


@dataclass(frozen=True)
class Interval:
    """A point estimate with its two-sided interval at ``confidence``."""

    estimate: float
    low: float
    high: float
    confidence: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in asdict(self).items()}  # fmt: skip


NO_INTERVAL = Interval(math.nan, math.nan, math.nan, math.nan)


@dataclass(frozen=True)
class PolicyTerms:
    """Per-applicant sums of one candidate on one log: the inputs of every ratio here."""

    ips_approved: FloatArray
    """``sum over the applicant's logged rows of w * y``."""
    ips_volume: FloatArray
    """``sum of w``: the inverse-propensity estimate of the applicant's recommended pairs."""
    dr_approved: FloatArray
    """``M_i + sum w (y - m)`` (NaN without a model)."""
    volume: FloatArray
    """``V_i``: pairs the candidate recommends to the applicant (known)."""
    weights: FloatArray
    """``w`` of every logged row the candidate recommends (for the effective count)."""
    model_sum: FloatArray | None = None
    """``M_i`` (None without a model)."""
    model_moments: tuple[float, float, float] | None = None
    """``(sum w^2, sum w^2 m, sum w^2 m^2)`` over the logged rows: the model-based variance of
    the decisions (None without a model)."""
    refused: str | None = None
    """Why no estimate may be given from this log (None: it may)."""


@dataclass(frozen=True)
class OffPolicyEstimate:
    """The off-policy estimates of one candidate's approval among recommended, or a refusal."""

    snips: Interval
    dr: Interval
    volume: float
    """Recommended pairs per logged applicant (known, not estimated)."""
    weight_check: Interval
    """The inverse-propensity estimate of ``volume`` over ``volume``: 1 when the assumptions
    hold (module docstring)."""
    applicants: int
    matched_rows: int
    """Logged rows the candidate recommends (the rows that carry the evidence)."""
    effective_rows: float
    refused: str | None = None
    """Why there is no estimate (None: there is); then the intervals are NaN."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("snips", "dr", "weight_check"):
            out[key] = getattr(self, key).to_dict()
        for key in ("volume", "effective_rows"):
            if math.isnan(out[key]):
                out[key] = None
        return out


def policy_terms(
    n_applicants: int,
    row_applicant: IntArray,
    row_approved: FloatArray,
    row_propensity: FloatArray,
    row_target: FloatArray,
    applicant_volume: FloatArray,
    row_model: FloatArray | None = None,
    applicant_model: FloatArray | None = None,
) -> PolicyTerms:
    """The per-applicant sums of the module docstring (``row_target`` is ``pi``, ``row_model``
    ``m`` of each logged row; ``applicant_model`` is ``M_i``)."""
    mu = np.asarray(row_propensity, dtype=np.float64)
    pi = np.asarray(row_target, dtype=np.float64)
    y = np.asarray(row_approved, dtype=np.float64)
    refused = None
    bad = ~np.isfinite(mu) | (mu <= 0.0) | (mu > 1.0)
    if bad.any():
        refused = (
            f"{int(bad.sum())} logged rows have no propensity in (0, 1]: the logging policy's "
            "probabilities are needed for every row"
        )
    w = np.where(bad, 0.0, pi / np.where(bad, 1.0, mu))
    groups = np.asarray(row_applicant, dtype=np.intp)
    ips_approved = np.bincount(groups, w * y, minlength=n_applicants).astype(np.float64)
    ips_volume = np.bincount(groups, w, minlength=n_applicants).astype(np.float64)
    moments = None
    if row_model is None or applicant_model is None:
        dr = np.full(n_applicants, np.nan)
    else:
        m = np.asarray(row_model, dtype=np.float64)
        mm, w2 = np.nan_to_num(m), w * w
        moments = (float(w2.sum()), float((w2 * mm).sum()), float((w2 * mm * mm).sum()))
        residual = np.where(pi > 0, w * (y - np.nan_to_num(m)), 0.0)
        dr = np.asarray(applicant_model, dtype=np.float64) + np.bincount(
            groups, residual, minlength=n_applicants
        )
    return PolicyTerms(
        ips_approved=ips_approved,
        ips_volume=ips_volume,
        dr_approved=dr,
        volume=np.asarray(applicant_volume, dtype=np.float64),
        weights=w[w > 0],
        model_sum=None if applicant_model is None else np.asarray(applicant_model, np.float64),
        model_moments=moments,
        refused=refused,
    )


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be in (0, 1)")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def ratio_interval(
    a: FloatArray,
    b: FloatArray,
    confidence: float,
    model_variance: Callable[[float], float] | None = None,
) -> Interval:
    """``sum a / sum b`` with its delta-method interval (module docstring). With
    ``model_variance(R)`` (the expected ``sum (a_i - R b_i)^2`` if the decisions followed the
    model), the larger of it and the empirical sum is used."""
    n = a.size
    total = float(b.sum())
    if n < 2 or total <= 0.0 or not np.isfinite(a).all():
        return NO_INTERVAL
    ratio = float(a.sum()) / total
    squares = float(np.sum((a - ratio * b) ** 2))
    if model_variance is not None:
        squares = max(squares, model_variance(ratio))
    se = math.sqrt(squares * n / (n - 1)) / total
    half = _z(confidence) * se
    return Interval(ratio, ratio - half, ratio + half, confidence)


def ratio_difference(
    first: tuple[FloatArray, FloatArray],
    second: tuple[FloatArray, FloatArray],
    confidence: float,
) -> Interval:
    """``sum a2 / sum b2 - sum a1 / sum b1`` for two ratios on the same applicants (paired),
    with the delta-method interval of the difference of their influence terms."""
    (a1, b1), (a2, b2) = first, second
    n = a1.size
    t1, t2 = float(b1.sum()), float(b2.sum())
    if n < 2 or t1 <= 0.0 or t2 <= 0.0:
        return NO_INTERVAL
    r1, r2 = float(a1.sum()) / t1, float(a2.sum()) / t2
    influence = (a2 - r2 * b2) / (t2 / n) - (a1 - r1 * b1) / (t1 / n)
    se = math.sqrt(float(np.sum(influence**2)) / (n * (n - 1)))
    half = _z(confidence) * se
    return Interval(r2 - r1, r2 - r1 - half, r2 - r1 + half, confidence)


def estimate_approval(terms: PolicyTerms, confidence: float = 0.9) -> OffPolicyEstimate:
    """SNIPS and DR estimates of approval among recommended with their intervals, or a refusal
    when the log cannot support them (module docstring)."""
    n = terms.volume.size
    volume = float(terms.volume.mean()) if n else math.nan
    w = terms.weights
    effective = float(w.sum() ** 2 / np.sum(w**2)) if w.size else 0.0
    check = ratio_interval(terms.ips_volume, terms.volume, CHECK_CONFIDENCE)
    refused = terms.refused
    if refused is None and (n < 2 or not terms.volume.sum() > 0):
        refused = "the candidate recommends nothing to the logged applicants"
    if refused is None and effective < MIN_EFFECTIVE:
        refused = (
            f"only {effective:.0f} effective logged rows carry the candidate's recommendations "
            f"(at least {MIN_EFFECTIVE:.0f} needed)"
        )
    if refused is None and not check.contains(1.0):
        refused = (
            f"the logged propensities account for {check.estimate:.2f} of the candidate's "
            f"recommendations (interval {check.low:.2f}-{check.high:.2f} at "
            f"{CHECK_CONFIDENCE:.0%}, 1 expected): the logging policy did not explore where "
            "the candidate recommends (no overlap), or the propensities are not its own"
        )
    if refused is not None:
        return OffPolicyEstimate(
            NO_INTERVAL, NO_INTERVAL, volume, check, n, int(w.size), effective, refused
        )
    snips_variance: Callable[[float], float] | None = None
    dr_variance: Callable[[float], float] | None = None
    if terms.model_moments is not None and terms.model_sum is not None:
        s0, s1, s2 = terms.model_moments
        model_sum = terms.model_sum

        def snips_variance(r: float) -> float:
            """sum over rows of w^2 E[(y - r)^2], y ~ Bernoulli(m)."""
            return s1 * (1.0 - 2.0 * r) + r * r * s0

        def dr_variance(r: float) -> float:
            """sum (M_i - r V_i)^2 + sum over rows of w^2 m (1 - m)."""
            return float(np.sum((model_sum - r * terms.volume) ** 2)) + s1 - s2

    snips = ratio_interval(terms.ips_approved, terms.ips_volume, confidence, snips_variance)
    dr = ratio_interval(terms.dr_approved, terms.volume, confidence, dr_variance)
    return OffPolicyEstimate(snips, dr, volume, check, n, int(w.size), effective)
