"""The measures of docs/design.md §10 that concern probabilities: ECE, Brier score and AUC.

Pure NumPy, so the domain, the services and the tests share one definition.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["auc", "brier", "ece"]

FloatArray = npt.NDArray[np.float64]


def _pair(p: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    probs = np.asarray(p, dtype=np.float64).ravel()
    labels = np.asarray(y, dtype=np.float64).ravel()
    if probs.shape != labels.shape:
        raise ValueError(f"{probs.size} probabilities but {labels.size} labels")
    return probs, labels


def ece(p: npt.ArrayLike, y: npt.ArrayLike, bins: int = 10) -> float:
    """Expected calibration error with ``bins`` equal-width bins on [0, 1].

    The weighted mean, over bins, of |mean predicted - observed rate|; NaN for no data.
    A probability of exactly 1.0 falls into the last bin.
    """
    probs, labels = _pair(p, y)
    if probs.size == 0:
        return math.nan
    index = np.minimum((probs * bins).astype(np.int64), bins - 1)
    count = np.bincount(index, minlength=bins).astype(np.float64)
    sum_p = np.bincount(index, weights=probs, minlength=bins)
    sum_y = np.bincount(index, weights=labels, minlength=bins)
    return float(np.abs(sum_p - sum_y).sum() / probs.size) if count.sum() else math.nan


def brier(p: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Mean squared difference between probability and outcome; NaN for no data."""
    probs, labels = _pair(p, y)
    if probs.size == 0:
        return math.nan
    return float(np.mean((probs - labels) ** 2))


def _average_ranks(values: FloatArray) -> FloatArray:
    """1-based ranks with ties given their average rank (like ``scipy.stats.rankdata``)."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    boundaries = np.flatnonzero(np.diff(ordered)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [values.size]))
    average = (starts + ends + 1) / 2.0
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(average, ends - starts)
    return ranks


def auc(p: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN when one class is absent."""
    probs, labels = _pair(p, y)
    positives = labels > 0.5
    n_pos = int(positives.sum())
    n_neg = probs.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = _average_ranks(probs)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
