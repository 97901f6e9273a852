"""Certify a batch's own threshold on held-out decisions reweighted to the batch's mix.

The pooled certificate (``certification.choose_threshold``) tests the approval of the held-out
pairs at or above a threshold. Those pairs are the ones the logging policy chose, most of them
just above the threshold; a batch recommends each applicant's best products, whose
probabilities sit higher. So at the same threshold the batch's approval is above the held-out
pairs', and a threshold certified on the held-out mix is higher than the batch needs: on the
test-bed markets the realised approval came out 1 to 3 points above the target
(docs/method.md, section 5).

For a batch the hypothesis is the batch's own: ``H0(t): the approval of the pairs the batch
recommends at threshold t is below A``. The held-out pairs are cut into ``BINS`` bands of
probability (quantiles of the held-out probabilities at or above the threshold, fixed before
any label is read, so the bands are as fine at a high threshold as at a low one); in each band
the held-out approval estimates the approval of the batch's pairs in that band (the calibration
assumption the probabilities already rest on: given its probability, a pair's chance of
approval does not depend on who chose it). So the held-out pairs need not be the batch's kind:
the batch path draws on every scored held-out pair (``ModelBundle.held_out_scored``), not only
applicants' best products, five times the pairs on the ``steady`` test-bed market. The
estimate at ``t`` is the mean of the bands' held-out approval weighted by the batch's shares
``r_b``, with the effective number of pairs ``1 / sum(r_b^2 / n_b)`` (Kish); it is tested with
the binomial tail at those counts.

The thresholds are tested as in the pooled certificate: a label-free descending grid, an
ordering quarter of the held-out applicants that only chooses the start (the most power), and
fixed-sequence testing on the other three quarters from that start down, stopping at the first
threshold not rejected. The batch's mix at each threshold is label-free, so the guarantee of
fixed-sequence testing holds for the hypotheses as stated; it rests on the calibration
assumption above, which the per-band estimate needs and the lender floors of the batch
(``certification.lender_floors``) already make.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from loanmatch.domain.binomial import binomial_sf
from loanmatch.domain.certification import PRIOR_PAIRS, ordering_split

__all__ = ["BINS", "MIN_BAND_PAIRS", "MixChoice", "certify_mix", "mix_estimate"]

FloatArray = npt.NDArray[np.float64]
BINS = 10
"""Bands of probability the held-out pairs are cut into (quantiles, label-free)."""
MIN_BAND_PAIRS = 20
"""A band with fewer held-out pairs at the threshold lends its batch share to the band below
(lower probabilities: the conservative side)."""


@dataclass(frozen=True)
class MixChoice:
    """The lowest threshold certified for the batch's mix (``inf``: none), with the estimate
    and the effective number of held-out pairs behind it."""

    threshold: float
    approval: float
    effective_pairs: float
    p_value: float
    tested: int

    @property
    def certified(self) -> bool:
        return math.isfinite(self.threshold)


def _edges(p: FloatArray) -> FloatArray:
    """Inner edges of ``BINS`` bands holding equal shares of the probabilities ``p``."""
    if p.size == 0:
        return np.empty(0, dtype=np.float64)
    return np.unique(np.quantile(p, np.linspace(0.0, 1.0, BINS + 1)[1:-1]))


def mix_estimate(
    held_p: FloatArray, held_y: FloatArray, batch_p: FloatArray, t: float
) -> tuple[float, float]:
    """The held-out approval at threshold ``t`` reweighted to the probabilities ``batch_p`` of
    the pairs a batch recommends there, and its effective number of pairs (0: no estimate).

    The bands are ``BINS`` quantiles of the held-out probabilities at or above ``t`` (so they
    are as fine at a high threshold as at a low one, however many held-out pairs sit below it):
    edges leaving fewer than ``MIN_BAND_PAIRS`` held-out pairs between ``t`` and them are
    dropped (the lowest band reaches up to the next edge), and a thin band above lends its batch
    share to the band below it."""
    above = held_p >= t
    if batch_p.size == 0 or int(above.sum()) < MIN_BAND_PAIRS:
        return math.nan, 0.0
    mine = held_p[above]
    edges = _edges(mine)
    edges = edges[edges > t]
    while edges.size and int((mine < edges[0]).sum()) < MIN_BAND_PAIRS:
        edges = edges[1:]
    bands = edges.size + 1
    band_h = np.searchsorted(edges, mine, side="right")
    n = np.bincount(band_h, minlength=bands).astype(np.float64)
    k = np.bincount(band_h, held_y[above], minlength=bands)
    r = np.bincount(np.searchsorted(edges, batch_p, side="right"), minlength=bands)
    share = r.astype(np.float64) / batch_p.size
    for b in range(bands - 1, 0, -1):  # thin bands lend their share downwards
        if n[b] < MIN_BAND_PAIRS and share[b] > 0:
            share[b - 1] += share[b]
            share[b] = 0.0
    used = share > 0
    approval = float(np.sum(share[used] * k[used] / n[used]))
    effective = float(1.0 / np.sum(share[used] ** 2 / n[used]))
    return approval, effective


def _p_value(approval: float, effective: float, target: float) -> float:
    if effective < 1.0 or math.isnan(approval):
        return 1.0
    n = int(effective)
    return binomial_sf(round(approval * n), n, target)


def _power(planned: float, effective: float, target: float, delta: float) -> float:
    if effective < 1.0 or math.isnan(planned):
        return 0.0
    error = math.sqrt(target * (1.0 - target) / effective)
    z = (planned - target) / error - NormalDist().inv_cdf(1.0 - delta)
    return NormalDist().cdf(z)


def certify_mix(
    held_p: npt.ArrayLike,
    held_y: npt.ArrayLike,
    held_groups: npt.ArrayLike | None,
    grid: Sequence[float],
    batch_at: Callable[[float], FloatArray],
    target: float,
    confidence: float,
    seed: int = 0,
) -> MixChoice:
    """The lowest threshold of ``grid`` (descending) certified for the batch whose recommended
    pairs at threshold ``t`` have the probabilities ``batch_at(t)`` (module docstring);
    ``held_groups`` (applicants) keeps one applicant's pairs on one side of the ordering split
    (None: every pair its own)."""
    p = np.asarray(held_p, dtype=np.float64).ravel()
    y = np.asarray(held_y, dtype=np.float64).ravel()
    g = np.arange(p.size) if held_groups is None else np.asarray(held_groups).ravel()
    g = g.astype(np.int64)
    keep = ~np.isnan(p)
    p, y, g = p[keep], y[keep], g[keep]
    delta = 1.0 - confidence
    none = MixChoice(math.inf, math.nan, 0.0, 1.0, 0)
    thresholds = sorted({float(t) for t in grid}, reverse=True)
    if not thresholds or p.size == 0:
        return none
    ordering = ordering_split(g, seed)
    order_p, order_y = p[ordering], y[ordering]
    test_p, test_y = p[~ordering], y[~ordering]
    mixes = [np.asarray(batch_at(t), dtype=np.float64) for t in thresholds]
    # on the testing part: the estimates tested below; planning reads only their pair counts
    tests = [mix_estimate(test_p, test_y, mix, t) for t, mix in zip(thresholds, mixes, strict=True)]
    power = []
    for t, mix, (_, effective) in zip(thresholds, mixes, tests, strict=True):
        seen, _ = mix_estimate(order_p, order_y, mix, t)
        expected = float(mix.mean()) if mix.size else math.nan
        n_order = float((order_p >= t).sum())
        planned = expected
        if not math.isnan(seen):
            planned = (seen * n_order + PRIOR_PAIRS * expected) / (n_order + PRIOR_PAIRS)
        power.append(_power(planned, effective, target, delta))
    start = int(np.argmax(power))
    best, tested = none, 0
    for t, (approval, effective) in zip(thresholds[start:], tests[start:], strict=True):
        tested += 1
        p_value = _p_value(approval, effective, target)
        if p_value > delta:
            break
        best = MixChoice(t, approval, effective, p_value, 0)
    return replace(best, tested=tested)
