"""What an approval probability is worth, in words: a band from held-out decisions.

A calibrated probability of 0.996 printed as "100%" reads as a guarantee no lender gives, and
"93.4%" claims a precision the history does not have. What the evidence supports is the
realised approval of held-out pairs the model scored alike: the held-out (probability,
approved) pairs (``selection.csv`` of the model directory) are cut into groups of model
probability, each with at least ``min_pairs`` pairs (formed from the top down over a grid of
0.01, so the groups where offers are made are the narrowest the data allow; counts only, never
outcomes, decide the cuts), and each group's approval gets an exact two-sided Clopper-Pearson
interval (Clopper and Pearson 1934, "The use of confidence or fiducial limits illustrated in
the case of the binomial", *Biometrika* 26), at confidence 0.9 by default (the certificate's
``1 - δ``). A pair's band is its group's interval, shown rounded outward to steps of 5 points
("约 90%–95%") and, when the interval reaches past 95%, as its lower end only ("95% 以上"):
never 100%.

Below a threshold the question is another one (is it below?), so :func:`below_text` shows the
point rounded DOWN and the threshold rounded UP: a probability under its threshold can never
read as equal to or above it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loanmatch.domain.binomial import binomial_sf
from loanmatch.lang import parse_lang

__all__ = [
    "CONFIDENCE",
    "MIN_PAIRS",
    "ApprovalBands",
    "Band",
    "band_text",
    "below_text",
    "clopper_pearson",
    "point_text",
    "probability_text",
    "shown_probability",
    "threshold_text",
]

CONFIDENCE = 0.9
"""Two-sided confidence of a band's interval."""
MIN_PAIRS = 300
"""Held-out pairs a group needs (the top group may be wider to reach it)."""
STEP = 0.05
"""Display step: a band's ends are rounded outward to it."""
TOP = 0.95
"""The highest lower end a band shows: above it the text is "95% 以上"."""
_GRID = 100
"""Cells of 0.01 the groups are formed from."""


def clopper_pearson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact two-sided interval for a binomial rate of ``k`` successes in ``n`` trials:
    ``low`` solves ``P(X >= k | low) = α/2``, ``high`` solves ``P(X <= k | high) = α/2``
    (bisection on the exact tail, ``domain/binomial.py``)."""
    if n <= 0:
        return 0.0, 1.0
    alpha = (1.0 - confidence) / 2.0

    def solve(target: float, value: int) -> float:
        """The p at which P(X >= value | p), increasing in p, equals ``target``."""
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2.0
            lo, hi = (lo, mid) if binomial_sf(value, n, mid) > target else (mid, hi)
        return (lo + hi) / 2.0

    low = 0.0 if k == 0 else solve(alpha, k)
    # P(X <= k | p) = alpha  <=>  P(X >= k + 1 | p) = 1 - alpha
    high = 1.0 if k == n else solve(1.0 - alpha, k + 1)
    return low, high


@dataclass(frozen=True)
class Band:
    """The realised approval of held-out pairs scored like this one: its interval ``low`` to
    ``high``, from ``approved`` of ``pairs`` held-out pairs with a model probability in
    ``[p_from, p_to)``."""

    low: float
    high: float
    pairs: int
    approved: int
    p_from: float
    p_to: float


@dataclass(frozen=True)
class ApprovalBands:
    """Groups of model probability and their bands, ascending; ``edges[g]`` to ``edges[g+1]``
    is group ``g``."""

    edges: tuple[float, ...]
    bands: tuple[Band, ...]
    confidence: float = CONFIDENCE

    @classmethod
    def from_held_out(
        cls,
        p: npt.ArrayLike,
        approved: npt.ArrayLike,
        *,
        confidence: float = CONFIDENCE,
        min_pairs: int = MIN_PAIRS,
    ) -> ApprovalBands:
        """Bands from held-out pairs (NaN probabilities ignored); none without ``min_pairs``
        pairs in all."""
        probs = np.asarray(p, dtype=np.float64)
        y = np.asarray(approved, dtype=np.float64)
        keep = np.isfinite(probs) & np.isfinite(y)
        probs, y = np.clip(probs[keep], 0.0, 1.0), y[keep]
        if probs.size < min_pairs:
            return cls((), (), confidence)
        cell = np.minimum((probs * _GRID).astype(np.int64), _GRID - 1)
        counts = np.bincount(cell, minlength=_GRID)
        cuts = [_GRID]
        total = 0
        for c in range(_GRID - 1, -1, -1):
            total += int(counts[c])
            if total >= min_pairs and c > 0:
                cuts.append(c)
                total = 0
        cuts.append(0)
        if total < min_pairs and len(cuts) > 2:  # too few left at the bottom: join the group above
            cuts.pop(-2)
        cells = sorted(set(cuts))
        edges = tuple(c / _GRID for c in cells)
        bands = []
        for a, b in itertools.pairwise(cells):
            inside = (cell >= a) & (cell < b)
            n, k = int(inside.sum()), int(y[inside].sum())
            low, high = clopper_pearson(k, n, confidence)
            bands.append(Band(low, high, n, k, a / _GRID, b / _GRID))
        return cls(edges, tuple(bands), confidence)

    def band(self, p: float) -> Band | None:
        """The band of a model probability (None: no held-out pairs, or ``p`` unknown)."""
        if not self.bands or not math.isfinite(p):
            return None
        index = int(np.searchsorted(np.asarray(self.edges[1:-1]), p, side="right"))
        return self.bands[index]


def _floor_step(x: float) -> int:
    return math.floor(x / STEP + 1e-9) * int(STEP * 100)


def _ceil_step(x: float) -> int:
    return math.ceil(x / STEP - 1e-9) * int(STEP * 100)


def band_text(band: Band, lang: str = "zh") -> str:
    """``约90%–95%`` / ``about 90%–95%``, or ``95%以上`` / ``95% or more`` when the interval
    reaches past 95% (its lower end, at most 95%): never 100%."""
    en = parse_lang(lang) == "en"
    top = int(TOP * 100)
    low = min(_floor_step(band.low), top)
    high = max(_ceil_step(band.high), low + int(STEP * 100))
    if high > top:
        return f"{low}% or more" if en else f"{low}%以上"
    return f"about {low}%–{high}%" if en else f"约{low}%–{high}%"


def point_text(p: float, lang: str = "zh") -> str:
    """A probability without a band: rounded DOWN to a whole percent, at most 99% (``约93%``)."""
    percent = min(99, math.floor(p * 100 + 1e-9))
    return f"about {percent}%" if parse_lang(lang) == "en" else f"约{percent}%"


def probability_text(p: float, band: Band | None, lang: str = "zh") -> str:
    """The band when there is one, else the point (:func:`point_text`)."""
    return band_text(band, lang) if band is not None else point_text(p, lang)


def _decimals(threshold: float) -> int:
    """Decimals a threshold needs to read below 100% when rounded up (0, else 1, else 2)."""
    for decimals in (0, 1):
        if math.ceil(threshold * 10 ** (2 + decimals) - 1e-9) < 10 ** (2 + decimals):
            return decimals
    return 2


def _percent_text(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}%"


def threshold_text(threshold: float) -> str:
    """A threshold rounded UP to a whole percent (``0.8`` -> ``80%``, ``0.873`` -> ``88%``), or
    to the decimals it needs to stay below 100% (``0.9912`` -> ``99.2%``; at most ``99.99%``)."""
    decimals = _decimals(threshold)
    scale = 10 ** (2 + decimals)
    ceiling = min(math.ceil(threshold * scale - 1e-9), scale - 1)
    return _percent_text(ceiling / 10**decimals, decimals)


def below_text(p: float, threshold: float, lang: str = "zh") -> str:
    """A probability under ``threshold``, rounded DOWN at the threshold's precision, beside the
    threshold rounded UP (:func:`threshold_text`), so the two never read as equal: ``约79%``
    against ``80%``."""
    if not math.isfinite(threshold):
        return point_text(p, lang)
    decimals = _decimals(threshold)
    scale = 10 ** (2 + decimals)
    ceiling = min(math.ceil(threshold * scale - 1e-9), scale - 1)
    shown = min(math.floor(p * scale + 1e-9), ceiling - 1)
    text = _percent_text(shown / 10**decimals, decimals)
    return f"about {text}" if parse_lang(lang) == "en" else f"约{text}"


def shown_probability(
    p: float, band: Band | None, lang: str = "zh", threshold: float | None = None
) -> str:
    """A probability as every page and text shows it: under ``threshold`` by
    :func:`below_text`, else by :func:`probability_text`."""
    if threshold is not None and p < threshold:
        return below_text(p, threshold, lang)
    return probability_text(p, band, lang)
