"""A trained approval model with everything needed to use it: market, calibration, unknown bound."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.domain.approval_band import ApprovalBands
from loanmatch.domain.catalog import Values
from loanmatch.domain.certification import (
    ThresholdChoice,
    choose_threshold,
    diagnose,
    guard_groups,
)
from loanmatch.domain.formula import Expr, fill_derived
from loanmatch.domain.pricing import PricingBook
from loanmatch.domain.products import Market
from loanmatch.model.approval import ApprovalModel
from loanmatch.model.calibration import Calibrator, GroupShift
from loanmatch.model.features import PairSpace
from loanmatch.model.selection_bias import RankShift
from loanmatch.model.unknowns import WorstCase
from loanmatch.risk.pd_model import PDModel

__all__ = ["FORMAT_VERSION", "ModelBundle"]

FORMAT_VERSION = 3
"""2: selection.csv records each pair's applicant, product and rank; reference.csv, the lender
and product shifts and the rank shifts (issue 9's certification). 3: pd_model.pkl pickles the PD
model from ``loanmatch.risk.pd_model`` (it was ``loanmatch.risk.model``), and the trees never
split on the product index; a version-2 directory is refused with "retrain"."""
FloatArray = npt.NDArray[np.float64]
MIN_CERTIFICATION_PAIRS = 1000
"""Held-out pairs the certificate needs among applicants' best products before it narrows to
them (``ModelBundle.certification_pairs``)."""
FloatMatrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class HeldOut:
    """The held-out pairs every certificate is drawn on."""

    p: FloatArray
    y: FloatArray
    groups: npt.NDArray[np.int64] | None
    """Each pair's applicant (None: unknown, every pair its own)."""
    lenders: npt.NDArray[np.int64] | None
    """Each pair's lender (None: the products of the pairs are unknown)."""


@dataclass(frozen=True)
class ModelBundle:
    """What ``train`` produces and ``load_model`` gives back.

    ``selection_p`` / ``selection_y`` are the decision probabilities and outcomes of the held-out
    selection split (pairs whose rules all pass), the data the target-approval threshold is chosen
    on. ``rule_fail_rate[j][k]`` is the share of history rows failing rule ``k`` of product ``j``
    (used to say which of the rules an offer meets matter).
    """

    market: Market
    model: ApprovalModel
    calibrator: Calibrator
    worst_case: WorstCase
    selection_p: FloatArray
    selection_y: FloatArray
    metrics: Mapping[str, float]
    rule_fail_rate: tuple[tuple[float, ...], ...]
    formulas: Mapping[str, Expr] = field(default_factory=dict)
    selection_rank: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    """Each selection pair's rank among its applicant's products by decision probability (0:
    the best; -1: not scored). Empty: unknown (every pair is certified on)."""
    reference_p: FloatArray = field(default_factory=lambda: np.empty(0))
    """Decision probabilities of held-out applicants' best pairs over every product whose rules
    pass (``model/reference.py``): the distribution recommendations are drawn from."""
    reference_lender: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    shift: GroupShift = field(default_factory=GroupShift)
    """Lender and product corrections on top of ``calibrator`` (``model/calibration.py``)."""
    rank_shift: RankShift = field(default_factory=RankShift)
    """The winner's-curse correction by rank among an applicant's products
    (``model/selection_bias.py``), applied by :meth:`rank_adjusted`."""
    selection_group: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    """The held-out applicant (a number) of each selection pair: one applicant's pairs stay on
    one side of certification's split. Empty: each pair its own applicant."""
    selection_product: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    """The product (index into ``market.products``) of each selection pair; empty: unknown."""
    info: Mapping[str, Any] = field(default_factory=dict)
    pd_model: PDModel | None = None
    """The default-risk model for tiers and pricing (None: a directory trained without loans)."""
    pricing: PricingBook | None = None
    """The lenders' pricing (None: offers are unpriced and show the product's rate range)."""
    risk_metrics: Mapping[str, float] = field(default_factory=dict)
    """Held-out measures of the PD model (AUC, KS, Brier, ECE, loans), when there is one."""
    _thresholds: dict[tuple[float, float], ThresholdChoice] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def model_id(self) -> str:
        """What identifies this model: ``sha256:`` and the first 16 hex digits of the SHA-256 of
        its directory's meta.json (which holds every file's hash, the calibration and the shifts,
        and ``created_at``, so two trainings never share one), set by ``load_model``;
        ``unsaved`` for a bundle trained in this process and never written."""
        return str(self.info.get("model_id") or "unsaved")

    @cached_property
    def space(self) -> PairSpace:
        return PairSpace(self.market)

    @cached_property
    def approval_bands(self) -> ApprovalBands:
        """What a decision probability is worth in words: the realised approval, with an exact
        interval, of the held-out certification pairs scored alike (``domain/approval_band.py``;
        no bands when the directory has too few held-out pairs)."""
        held = self.held_out
        return ApprovalBands.from_held_out(held.p, held.y)

    def complete(self, values: Values) -> Values:
        """The values with derived features computed where unknown (in place) and returned."""
        fill_derived(dict(self.formulas), values)
        return values

    def calibrated(self, raw: FloatArray, X: FloatMatrix) -> FloatArray:
        """The pooled calibration map, then the pair's lender and product shifts."""
        lenders, products = self.space.groups_of(X)
        return self.shift.apply(self.calibrator(raw), lenders, products)

    def probability(self, X: FloatMatrix) -> FloatArray:
        """Calibrated P(approve) with the model's own handling of unknown values."""
        return self.calibrated(self.model.predict_approval(X), X)

    def rank_adjusted(self, p: FloatMatrix) -> FloatMatrix:
        """Decision probabilities of applicants x products (NaN where not scored) corrected for
        each pair's rank among its applicant's products."""
        return self.rank_shift.apply(p)

    def decision_probability(self, X: FloatMatrix) -> FloatArray:
        """Calibrated P(approve) bounded below over unknown model features (see ``unknowns``)."""
        return self.calibrated(self.worst_case.bound(X, self.model.predict_approval), X)

    def target_threshold(self, target: float, confidence: float) -> ThresholdChoice:
        """Certify ``target`` on the selection split (``domain/certification.py``), raise the
        threshold of each lender whose own held-out pairs fall below it, and when nothing is
        certified say what is; computed once per (target, confidence)."""
        key = (target, confidence)
        if key not in self._thresholds:
            held = self.held_out
            choice = choose_threshold(held.p, held.y, target, confidence, held.groups)
            self._thresholds[key] = diagnose(self.guard(choice), held.p, held.y, held.groups)
        return self._thresholds[key]

    def guard(self, choice: ThresholdChoice) -> ThresholdChoice:
        """``choice`` with each lender's own threshold (``certification.guard_groups``) on the
        certification pairs and the reference pairs."""
        held = self.held_out
        if held.lenders is None:
            return choice
        reference = (self.reference_p, self.reference_lender)
        return guard_groups(choice, held.p, held.y, held.lenders, held.groups, reference=reference)

    @cached_property
    def held_out(self) -> HeldOut:
        """The certification pairs (``certification_pairs``) with their applicants and lenders."""
        return self._held_out(self.certification_pairs())

    @cached_property
    def held_out_scored(self) -> HeldOut:
        """Every scored held-out pair (rules all pass), not only applicants' best: what a
        certificate that reweights the pairs to a batch's own mix by bands of probability
        (``domain/mix_certificate``) is drawn on."""
        rank = self.selection_rank
        if rank.size != self.selection_p.size:
            return self._held_out(np.ones(self.selection_p.size, dtype=bool))
        return self._held_out(rank >= 0)

    def _held_out(self, mine: npt.NDArray[np.bool_]) -> HeldOut:
        return HeldOut(
            self.selection_p[mine],
            self.selection_y[mine],
            self.selection_group[mine] if self.selection_group.size else None,
            self.space.lender_of_product[self.selection_product[mine]]
            if self.selection_product.size
            else None,
        )

    def certification_pairs(self) -> npt.NDArray[np.bool_]:
        """The held-out pairs a certificate is drawn on: those among their applicant's best
        ``k`` products (the recommendations' own mix, ``model/reference.py``), with ``k`` the
        smallest of 3, 10 and 30 that leaves ``MIN_CERTIFICATION_PAIRS`` pairs; all of them when
        none does or the ranks are unknown. The choice uses only counts, never outcomes."""
        everything = np.ones(self.selection_p.size, dtype=bool)
        rank = self.selection_rank
        if rank.size != self.selection_p.size:
            return everything
        for k in (3, 10, 30):
            mine = (rank >= 0) & (rank < k)
            if int(mine.sum()) >= MIN_CERTIFICATION_PAIRS:
                return np.asarray(mine)
        return everything

    def product_thresholds(self, choice: ThresholdChoice) -> FloatArray:
        """Each product's threshold under ``choice`` (its lender's when raised)."""
        lenders = self.space.lender_of_product.tolist()
        return np.array([choice.threshold_for(g) for g in lenders], dtype=np.float64)
