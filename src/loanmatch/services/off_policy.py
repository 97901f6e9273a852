"""A model directory's recommendation policy run on logged decisions, and its off-policy
estimate (``domain/off_policy.py``): what it would have recommended to the logged applicants,
which logged rows carry evidence about it, and its approval among recommended in total and per
lender.

The logged decisions are a section-9 history table with a ``propensity`` for every row (the
logging policy's probability of having sent that applicant to that product). Applicants are
the table's distinct ids, each with the values of its first row; the candidate is
``recommend_values`` with the given policy on all of them at once (one batch, as ``recommend``
on a file of them would do).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.tables import Table
from loanmatch.domain.metrics import ece
from loanmatch.domain.off_policy import (
    OffPolicyEstimate,
    PolicyTerms,
    estimate_approval,
    policy_terms,
)
from loanmatch.domain.rules import PASS
from loanmatch.errors import Location, TableError
from loanmatch.matching.batch import Batch, Scorer, recommend_values, score_pairs
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.training import product_index

__all__ = [
    "MIN_LENDER_PAIRS",
    "CandidateOnLog",
    "LenderEstimate",
    "LoggedApplicants",
    "candidate_on_log",
    "logged_applicants",
]

MIN_LENDER_PAIRS = 100
"""A lender counts for the worst lender from this many recommended pairs (as ``evaluate``)."""


@dataclass(frozen=True)
class LoggedApplicants:
    """The logged table seen by applicant: distinct ids and each row's applicant and product."""

    table: Table
    ids: npt.NDArray[np.object_]
    first_row: npt.NDArray[np.intp]
    """The row whose values stand for each applicant."""
    row_applicant: npt.NDArray[np.intp]
    row_product: npt.NDArray[np.intp]
    approved: npt.NDArray[np.float64]
    propensity: npt.NDArray[np.float64]


@dataclass(frozen=True)
class LenderEstimate:
    lender: str
    recommended: int
    estimate: OffPolicyEstimate


@dataclass(frozen=True)
class CandidateOnLog:
    """One candidate policy on one log."""

    batch: Batch
    terms: PolicyTerms
    estimate: OffPolicyEstimate
    covered: npt.NDArray[np.float64]
    """1 for each logged applicant the candidate recommends something to, else 0."""
    ece: float
    """ECE of the decision probability on the logged rows whose rules pass."""
    lenders: tuple[LenderEstimate, ...]

    @property
    def coverage(self) -> float:
        return float(self.covered.mean()) if self.covered.size else math.nan

    @property
    def worst_lender(self) -> LenderEstimate | None:
        """The lender with the lowest DR estimate among those with an estimate and at least
        ``MIN_LENDER_PAIRS`` recommended pairs."""
        known = [
            item
            for item in self.lenders
            if item.estimate.refused is None and item.recommended >= MIN_LENDER_PAIRS
        ]
        return min(known, key=lambda item: item.estimate.dr.estimate, default=None)


def logged_applicants(
    table: Table, bundle: ModelBundle, file: str = "<decisions>"
) -> LoggedApplicants:
    """Check that ``table`` is a log of decisions on ``bundle``'s products with propensities."""
    where = Location(file=file)
    if table.product_ids is None or table.approved is None:
        raise TableError("the decisions need product_id and approved columns", where)
    if table.propensity is None or np.isnan(table.propensity).all():
        raise TableError(
            "the decisions have no propensity column: an off-policy estimate needs the logging "
            "policy's probability of every logged row",
            where,
        )
    try:
        products = product_index(bundle.market, table.product_ids)
    except ValueError as error:
        raise TableError(str(error), where) from None
    _ids, first, inverse = np.unique(table.ids.astype(str), return_index=True, return_inverse=True)
    return LoggedApplicants(
        table=table,
        ids=np.asarray(table.ids[first], dtype=object),
        first_row=first.astype(np.intp),
        row_applicant=inverse.astype(np.intp).ravel(),
        row_product=np.asarray(products, dtype=np.intp),
        approved=np.asarray(table.approved, dtype=np.float64),
        propensity=np.asarray(table.propensity, dtype=np.float64),
    )


def _terms(
    log: LoggedApplicants,
    offered: npt.NDArray[np.bool_],
    p: npt.NDArray[np.float64],
    keep: npt.NDArray[np.bool_] | None = None,
) -> PolicyTerms:
    """``policy_terms`` of the pairs ``offered`` (only the products ``keep`` when given)."""
    chosen = offered if keep is None else offered & keep[None, :]
    row_target = chosen[log.row_applicant, log.row_product].astype(np.float64)
    row_model = np.nan_to_num(p[log.row_applicant, log.row_product])
    return policy_terms(
        len(log.ids),
        log.row_applicant,
        log.approved,
        log.propensity,
        row_target,
        chosen.sum(axis=1).astype(np.float64),
        row_model,
        np.where(chosen, np.nan_to_num(p), 0.0).sum(axis=1),
    )


def candidate_on_log(
    bundle: ModelBundle,
    log: LoggedApplicants,
    policy: RecommendPolicy,
    confidence: float = 0.9,
    *,
    scorer: Scorer = score_pairs,
) -> CandidateOnLog:
    """What ``bundle`` under ``policy`` recommends to the logged applicants, and the off-policy
    estimates of its approval among recommended (pooled and per lender). ``scorer`` as in
    ``recommend_values`` (e.g. one that reuses the scores of another policy on the same model)."""
    values = {k: v[log.first_row].copy() for k, v in log.table.values.items()}
    bundle.complete(values)
    batch = recommend_values(bundle, log.ids, values, policy, scorer=scorer)
    offered = batch.rank > 0
    p = batch.p_decision
    terms = _terms(log, offered, p)
    estimate = estimate_approval(terms, confidence)
    lender_of_product = bundle.space.lender_of_product
    lenders = []
    for index, name in enumerate(bundle.market.lenders):
        keep = lender_of_product == index
        count = int(offered[:, keep].sum())
        if count == 0:
            continue
        lender_terms = _terms(log, offered, p, keep)
        lenders.append(LenderEstimate(name, count, estimate_approval(lender_terms, confidence)))
    status = batch.status[log.row_applicant, log.row_product]
    row_p = p[log.row_applicant, log.row_product]
    scored = (status == PASS) & np.isfinite(row_p)
    calibration = ece(row_p[scored], log.approved[scored]) if scored.any() else math.nan
    return CandidateOnLog(
        batch=batch,
        terms=terms,
        estimate=estimate,
        covered=np.asarray(offered.any(axis=1), dtype=np.float64),
        ece=calibration,
        lenders=tuple(lenders),
    )
