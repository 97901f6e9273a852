"""Certify a threshold for a target approval rate on held-out decisions (Learn-then-Test).

The promise ``approval among recommended >= A`` is certified, with confidence ``1 - delta``, on
held-out pairs ``(p, y)`` the model never saw: for a threshold ``t`` the null hypothesis is
``H0(t): approval among pairs with p >= t < A``, tested with the exact binomial tail
``P(Bin(n_t, A) >= k_t)``. Learn-then-Test (Angelopoulos, Bates, Candes, Jordan and Lei 2021,
"Learn then Test: Calibrating Predictive Algorithms to Achieve Risk Control") turns such tests
into a threshold with a family-wise guarantee; we use its fixed-sequence form (Bauer 1991):
hypotheses are tested in an order fixed before the test data are looked at, and testing stops
at the first one not rejected, so the chance of certifying any threshold whose true approval is
below ``A`` is at most ``delta``.

The order decides the power. Starting at the highest threshold fails whenever the top few pairs
are too few to reject at all (20 pairs all approved give a p-value of 0.36 for A = 0.95), or
the model is over-confident at the very top. So (docs/method.md, section 5):

1. Candidates are a label-free grid: held-out scores rounded down to 0.001, only those with
   enough pairs above them that the test could reject at all (``A ** n <= delta``), thinned to
   at most ``MAX_CANDIDATES`` evenly spaced in their pair counts.
2. The held-out applicants are split at random into an *ordering* part (a quarter) and a
   *testing* part. Each candidate's approval is estimated from the ordering part's decisions,
   shrunk toward the model's mean probability above it (worth ``PRIOR_PAIRS`` pairs), and from
   it the chance that the testing part would reject there (the test's power). The sequence
   starts at the candidate with the most power and goes down to lower thresholds (coverage).
3. On the testing part, fixed-sequence testing from that start; the threshold returned is the
   last rejected one. The ordering part only chose the order, so the guarantee holds.

When nothing is certified, :func:`diagnose` says the highest target that is, and how many more
held-out decisions like these the requested one would need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from loanmatch.domain.binomial import binomial_sf

__all__ = [
    "MAX_CANDIDATES",
    "ORDER_SHARE",
    "PRIOR_PAIRS",
    "ThresholdChoice",
    "calibration_margin",
    "choose_threshold",
    "critical_count",
    "diagnose",
    "guard_groups",
    "lender_floors",
    "model_floor",
    "ordering_split",
    "reach",
]

FloatArray = npt.NDArray[np.float64]
MAX_CANDIDATES = 120
"""At most this many thresholds are candidates (evenly spaced in the number of pairs)."""
ORDER_SHARE = 0.25
"""Share of the held-out applicants used only to order the tests."""
PRIOR_PAIRS = 20.0
"""Planning the order, the model's own mean probability above a threshold counts as this many
pairs beside the ordering part's decisions (labels of the testing part are never used)."""
POWER_FOR_PLANNING = 0.8
"""Power asked of a test when estimating how many more decisions a target needs."""


@dataclass(frozen=True)
class ThresholdChoice:
    """The outcome of certification. ``threshold`` is ``inf`` when nothing was certified.

    ``n_pairs`` and ``approval`` describe the testing part's pairs at or above the threshold
    (the data the certificate rests on); ``group_thresholds`` raises the threshold for the
    groups (lenders) whose own held-out decisions fall below the target (``inf``: excluded).
    """

    threshold: float
    target: float
    confidence: float
    n_pairs: int
    approval: float
    p_value: float
    tested: int
    start: float = math.inf
    """The first threshold tested (chosen on the ordering part)."""
    highest_certifiable: float | None = None
    """When not certified: the highest target these decisions certify (None: not even 0.5)."""
    pairs_needed: int | None = None
    """When not certified: about how many held-out pairs like these the target needs in all
    (for a test with power 0.8; None: the observed approval never clears the target, so more of
    the same would not do)."""
    group_thresholds: dict[int, float] = field(default_factory=dict)

    @property
    def certified(self) -> bool:
        return math.isfinite(self.threshold)

    def threshold_for(self, group: int) -> float:
        """The threshold for one group (lender): its own when raised, else the pooled one."""
        return max(self.threshold, self.group_thresholds.get(group, -math.inf))


def _check(target: float, confidence: float) -> None:
    if not 0.0 < target < 1.0:
        raise ValueError(f"target approval must be between 0 and 1, not {target}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")


def feasible_pairs(target: float, delta: float) -> int:
    """The fewest pairs with which the test can reject at all (every one approved)."""
    return max(1, math.ceil(math.log(delta) / math.log(target) - 1e-9))


def critical_count(n: int, target: float, delta: float) -> int:
    """The fewest approvals among ``n`` pairs that reject ``approval < target`` at ``delta``
    (``n + 1`` when none does)."""
    lo, hi = math.floor(n * target), n + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if binomial_sf(mid, n, target) <= delta:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _candidates(p_sorted: FloatArray, minimum: int) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """Label-free candidate thresholds (descending) and the pairs at or above each."""
    grid = np.unique(np.floor(p_sorted * 1000.0 + 1e-9) / 1000.0)[::-1]
    counts = np.searchsorted(-p_sorted, -grid, side="right")
    keep = counts >= minimum
    grid, counts = grid[keep], counts[keep]
    if grid.size > MAX_CANDIDATES:
        targets = np.linspace(counts[0], counts[-1], MAX_CANDIDATES)
        picks = np.unique(np.searchsorted(counts, targets, side="left").clip(0, grid.size - 1))
        grid, counts = grid[picks], counts[picks]
    return grid, counts


def ordering_split(groups: npt.NDArray[np.int64], seed: int) -> npt.NDArray[np.bool_]:
    """True for pairs in the ordering part (a random ``ORDER_SHARE`` of the groups)."""
    unique, inverse = np.unique(groups, return_inverse=True)
    rng = np.random.default_rng([seed, 9_431])
    ordering = rng.random(unique.size) < ORDER_SHARE
    return np.asarray(ordering[inverse], dtype=bool)


def _counts_at(p: FloatArray, y: FloatArray, grid: FloatArray) -> tuple[FloatArray, FloatArray]:
    order = np.argsort(-p, kind="mergesort")
    p_sorted = p[order]
    cum = np.concatenate([[0.0], np.cumsum(y[order])])
    n = np.searchsorted(-p_sorted, -grid, side="right")
    return n.astype(np.float64), cum[n]


def choose_threshold(
    scores: npt.ArrayLike,
    approved: npt.ArrayLike,
    target: float,
    confidence: float = 0.9,
    groups: npt.ArrayLike | None = None,
    seed: int = 0,
) -> ThresholdChoice:
    """The lowest threshold certified for ``approval >= target`` (module docstring).

    ``groups`` (e.g. applicant numbers) keeps one applicant's pairs on one side of the split;
    without it every pair is its own group.
    """
    _check(target, confidence)
    p = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(approved, dtype=np.float64).ravel()
    g = np.arange(p.size) if groups is None else np.asarray(groups).ravel()
    keep = ~np.isnan(p)
    p, y, g = p[keep], y[keep], g[keep].astype(np.int64)
    delta = 1.0 - confidence
    none = ThresholdChoice(math.inf, target, confidence, 0, math.nan, math.nan, 0)
    ordering = ordering_split(g, seed)
    test_p, test_y = p[~ordering], y[~ordering]
    grid, n_test = _candidates(np.sort(test_p)[::-1], feasible_pairs(target, delta))
    if grid.size == 0:
        return none
    n1, k1 = _counts_at(p[ordering], y[ordering], grid)
    n_all, p_sum = _counts_at(p, p, grid)
    predicted = np.clip(p_sum / np.maximum(n_all, 1.0), 0.0, 1.0)
    planned = (k1 + PRIOR_PAIRS * predicted) / (n1 + PRIOR_PAIRS)
    power = np.array(
        [
            binomial_sf(critical_count(int(n), target, delta), int(n), float(a))
            for n, a in zip(n_test.tolist(), planned.tolist(), strict=True)
        ]
    )
    start = int(np.argmax(power))
    _, k2 = _counts_at(test_p, test_y, grid)
    best, tested = replace(none, start=float(grid[start])), 0
    for index in range(start, grid.size):
        n, k = int(n_test[index]), round(float(k2[index]))
        tested += 1
        p_value = binomial_sf(k, n, target)
        if p_value > delta:
            break
        best = replace(best, threshold=float(grid[index]), n_pairs=n, approval=k / n)
        best = replace(best, p_value=p_value)
    return replace(best, tested=tested)


def diagnose(
    choice: ThresholdChoice,
    scores: npt.ArrayLike,
    approved: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    seed: int = 0,
) -> ThresholdChoice:
    """For an uncertified choice: the highest certifiable target (found by bisection in steps
    of 0.005 from 0.5) and about how many more held-out pairs the requested target would need."""
    if choice.certified:
        return choice
    lo, hi = 0, round((choice.target - 0.5) / 0.005)
    highest: float | None = None
    while lo < hi:  # bisection: certification is monotone in the target up to noise
        mid = (lo + hi) // 2
        target = round(0.5 + 0.005 * mid, 3)
        trial = choose_threshold(scores, approved, target, choice.confidence, groups, seed)
        if trial.certified:
            highest, lo = target, mid + 1
        else:
            hi = mid
    return replace(
        choice,
        highest_certifiable=highest,
        pairs_needed=_pairs_needed(scores, approved, choice.target, 1.0 - choice.confidence),
    )


def _pairs_needed(
    scores: npt.ArrayLike, approved: npt.ArrayLike, target: float, delta: float
) -> int | None:
    """Held-out pairs in all for a test of ``target`` with power ``POWER_FOR_PLANNING`` at the
    best threshold, assuming the observed approval there holds (normal approximation)."""
    p = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(approved, dtype=np.float64).ravel()
    keep = ~np.isnan(p)
    p, y = p[keep], y[keep]
    if p.size == 0:
        return None
    grid, _ = _candidates(np.sort(p)[::-1], 30)
    n, k = _counts_at(p, y, grid)
    normal = NormalDist()
    z_a, z_b = normal.inv_cdf(1.0 - delta), normal.inv_cdf(POWER_FOR_PLANNING)
    best: float | None = None
    for count, hits in zip(n.tolist(), k.tolist(), strict=True):
        rate = (hits + 0.5) / (count + 1.0)
        if rate <= target + 1e-3:
            continue
        spread = z_a * math.sqrt(target * (1 - target)) + z_b * math.sqrt(rate * (1 - rate))
        needed_at = (spread / (rate - target)) ** 2 / (1.0 - ORDER_SHARE)
        total = needed_at * p.size / count
        best = total if best is None else min(best, total)
    return None if best is None else math.ceil(best)


def reach(values_in_order: FloatArray, target: float) -> int:
    """How many of the first values, in the order given, can be taken while their mean stays at
    least ``target`` (the largest ``k`` whose first ``k`` have a mean of at least it; 0: none).
    The oracle's coverage, the model's ceiling and a group's floor are all this count."""
    if values_in_order.size == 0:
        return 0
    mean = np.cumsum(values_in_order) / np.arange(1, values_in_order.size + 1)
    reached = np.flatnonzero(mean >= target)
    return int(reached[-1]) + 1 if reached.size else 0


def model_floor(scores: FloatArray, target: float, expected: FloatArray | None = None) -> float:
    """The lowest threshold on ``scores`` at which the mean of ``expected`` (default: the scores
    themselves) over the pairs at or above it is at least ``target``: ``-inf`` when all of them
    together reach it, ``inf`` when even the best-scored pair does not. Where a calibrated model
    itself expects a group's pairs to reach the target (``expected`` is the calibrated
    probability when the scores are a lower bound of it)."""
    value = scores if expected is None else expected
    keep = ~np.isnan(scores) & ~np.isnan(value)
    order = np.argsort(-scores[keep], kind="stable")
    p, v = scores[keep][order], value[keep][order]
    k = reach(v, target)
    if k == 0:
        return math.inf
    return -math.inf if k == v.size else float(p[k - 1])


def lender_floors(
    p_decision: npt.NDArray[np.float64],
    rank: npt.NDArray[np.int64],
    lender_of_product: npt.NDArray[np.int64],
    target: float | FloatArray,
    p_model: npt.NDArray[np.float64] | None = None,
) -> FloatArray:
    """Per lender, the threshold on the decision probability at which the pairs a batch
    recommends for it have a mean calibrated probability (``p_model`` of the recommended pairs,
    in ``rank`` order of ``np.nonzero``; default the decision probability) of at least
    ``target`` (one number, or one per lender; ``-inf`` for a lender already there).

    The certificate describes the held-out pairs the logging policy chose; a batch recommends
    each applicant's best products, a different mix, and for a lender picked mostly as a
    second or third choice its recommended pairs can sit near the pooled threshold. With
    calibrated probabilities (pooled map plus lender and product shifts) the mean probability
    of its recommended pairs is the approval its decisions will show, so it is held to the
    target too."""
    n_lenders = int(lender_of_product.max()) + 1 if lender_of_product.size else 0
    floors = np.full(n_lenders, -math.inf)
    rows, cols = np.nonzero(rank > 0)
    offered_p, offered_lender = p_decision[rows, cols], lender_of_product[cols]
    expected = offered_p if p_model is None else p_model
    goal = np.broadcast_to(np.asarray(target, dtype=np.float64), (n_lenders,))
    for group in np.unique(offered_lender).tolist():
        mine = offered_lender == group
        floors[group] = model_floor(offered_p[mine], float(goal[group]), expected[mine])
    return floors


def calibration_margin(target: float, support: npt.ArrayLike) -> FloatArray:
    """How much above ``target`` a lender's mean calibrated probability must be, given the
    calibration pairs behind its shift: one binomial standard error at the target,
    ``sqrt(A (1 - A) / n)`` (a lender with 30 pairs: 0.04 at A = 0.9; with 1,000: 0.009)."""
    n = np.maximum(np.asarray(support, dtype=np.float64), 1.0)
    return np.asarray(np.sqrt(target * (1.0 - target) / n), dtype=np.float64)


def guard_groups(
    choice: ThresholdChoice,
    scores: npt.ArrayLike,
    approved: npt.ArrayLike,
    group_of_pair: npt.ArrayLike,
    applicants: npt.ArrayLike | None = None,
    seed: int = 0,
    reference: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
) -> ThresholdChoice:
    """Each group's (lender's) own threshold, at least the pooled one, so that the promise holds
    for the group and not only on average over groups:

    1. the model's floor: the lowest threshold at which the group's pairs have a mean calibrated
       probability of at least the target (``model_floor``; labels unused). The pairs are
       ``reference`` (scores and groups of the pairs recommendations are made of) when given,
       else the held-out pairs;
    2. the group's own decisions: when its held-out pairs at that threshold are below the
       target with evidence (lower binomial tail at most ``delta``), its own certified threshold
       above it, or ``inf`` (excluded) when it has none.
    """
    if not choice.certified:
        return choice
    p = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(approved, dtype=np.float64).ravel()
    lender = np.asarray(group_of_pair).ravel().astype(np.int64)
    who = np.arange(p.size) if applicants is None else np.asarray(applicants).ravel()
    delta = 1.0 - choice.confidence
    raised: dict[int, float] = {}
    above = ~np.isnan(p) & (p >= choice.threshold)
    ref_p, ref_g = (p, lender) if reference is None else reference
    ref_p = np.asarray(ref_p, dtype=np.float64).ravel()
    ref_g = np.asarray(ref_g).ravel().astype(np.int64)
    ref_above = ref_p >= choice.threshold
    for group in np.union1d(lender[above], ref_g[ref_above]).tolist():
        mine_ref = ref_p[ref_above & (ref_g == group)]
        if mine_ref.size == 0:
            mine_ref = p[above & (lender == group)]
        floor = choice.threshold
        if mine_ref.size:
            floor = max(floor, model_floor(mine_ref, choice.target))
        mine = above & (lender == group) & (p >= floor)
        n, k = int(mine.sum()), int(y[mine].sum())
        if n and 1.0 - binomial_sf(k + 1, n, choice.target) <= delta:
            own = choose_threshold(
                p[mine], y[mine], choice.target, choice.confidence, who[mine], seed + group + 1
            )
            floor = max(floor, own.threshold)
        if floor > choice.threshold:
            raised[int(group)] = floor
    return replace(choice, group_thresholds=raised)
