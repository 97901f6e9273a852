"""The pairs recommendations are made of, seen on held-out applicants.

The logging policy chose which products each past applicant applied to; a recommendation takes
each applicant's best products among EVERY product whose rules pass. With hundreds of products
the two mixes differ, and the best of many estimates is biased upward (the winner's curse): a
certificate on the logged pairs alone can promise more than the recommended pairs deliver.

For the held-out (selection) applicants this module scores every product whose rules pass and
keeps, for certification (``ModelBundle.target_threshold``):

- each logged held-out pair's *rank* among its applicant's products by decision probability
  (0 = the applicant's best), so that the certificate can be drawn on the labelled pairs that
  are among an applicant's best, the recommendations' own mix;
- each applicant's best ``REFERENCE_OFFERS`` pairs (probability and lender), for the per-lender
  floor of ``domain/certification.guard_groups``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Values
from loanmatch.domain.rules import PASS
from loanmatch.model.bundle import ModelBundle

__all__ = ["REFERENCE_APPLICANTS", "REFERENCE_OFFERS", "Reference", "score_reference"]

REFERENCE_APPLICANTS = 20_000
"""At most this many held-out applicants are scored over every product."""
REFERENCE_OFFERS = 3
CHUNK = 200_000

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Reference:
    applicants: IntArray
    """The applicant number of each scored row."""
    p: npt.NDArray[np.float64]
    """Decision probability, applicants x products (``-inf`` where the rules do not all pass)."""
    lender_of_product: IntArray

    @cached_property
    def _best(self) -> npt.NDArray[np.intp]:
        return np.argsort(-self.p, axis=1, kind="stable")[:, :REFERENCE_OFFERS]

    @property
    def best_p(self) -> FloatArray:
        top = np.take_along_axis(self.p, self._best, axis=1)
        return np.asarray(top[np.isfinite(top)], dtype=np.float64)

    @property
    def best_lender(self) -> IntArray:
        best = self._best
        top = np.take_along_axis(self.p, best, axis=1)
        return np.asarray(self.lender_of_product[best[np.isfinite(top)]], dtype=np.int64)

    def rank_of(self, applicants: IntArray, p: FloatArray) -> IntArray:
        """Each pair's rank among its applicant's products (products scored higher); ``-1``
        for an applicant that was not scored."""
        row_of = {int(a): k for k, a in enumerate(self.applicants.tolist())}
        rows = np.array([row_of.get(int(a), -1) for a in applicants.tolist()], dtype=np.int64)
        rank = np.full(applicants.size, -1, dtype=np.int64)
        known = np.flatnonzero(rows >= 0)
        for start in range(0, known.size, 4096):  # bounded memory: 4096 x products at a time
            part = known[start : start + 4096]
            rank[part] = (self.p[rows[part]] > p[part][:, None]).sum(axis=1)
        return rank


def score_reference(
    bundle: ModelBundle,
    values: Values,
    rows: npt.NDArray[np.intp],
    applicants: IntArray,
    seed: int,
) -> Reference:
    """Score every product for the held-out applicants at ``rows`` (one history row each;
    at most ``REFERENCE_APPLICANTS`` of them, drawn with the seed)."""
    if rows.size > REFERENCE_APPLICANTS:
        pick = np.sort(
            np.random.default_rng([seed, 17]).choice(rows.size, REFERENCE_APPLICANTS, False)
        )
        rows, applicants = rows[pick], applicants[pick]
    sub = {name: column[rows] for name, column in values.items()}
    status = bundle.market.eligibility(sub).status
    p = np.full(status.shape, -np.inf)
    r, c = np.nonzero(status == PASS)
    matrix = bundle.space.applicant_matrix(sub)
    for start in range(0, r.size, CHUNK):
        rr, cc = r[start : start + CHUNK], c[start : start + CHUNK]
        p[rr, cc] = bundle.decision_probability(bundle.space.pairs(matrix, rr, cc))
    return Reference(applicants.astype(np.int64), p, bundle.space.lender_of_product)
