"""The plausible lower bound: scoring an applicant of whom only some facts are known.

The core recommendation bounds an unknown model feature by its worst value over the whole
training range, one feature after another (``model/unknowns.py``). That is right for one or two
unknowns, but when most facts are unknown (an owner who declined every data connector) it
combines worst values no real firm has together (high revenue *and* no bank inflow *and* the most
debt) and nothing is ever offered.

During the intake an unknown is instead completed from the ``draws`` past applicants most like
this one on what *is* known (:class:`~loanmatch.intake.prior.Prior`), and the decision score of a
product is the ``quantile`` (default 0.1) of its calibrated scores over those completions: the
score this applicant reaches in nine of ten plausible completions (a cell the past applicant had
no value for keeps the model's own handling of missing values). Lender rules stay strict: a
product is scored only when every one of its rules is known to PASS on the facts as known (a
completion never makes a rule pass). A row without unknowns is scored exactly as by
``score_pairs``; all completions of all partly known rows go to the model in one call.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Values
from loanmatch.domain.products import Eligibility
from loanmatch.domain.progress import Progress
from loanmatch.domain.rules import PASS
from loanmatch.intake.prior import Prior
from loanmatch.model.bundle import ModelBundle

__all__ = ["DRAWS", "QUANTILE", "PlausibleScorer"]

DRAWS = 32
"""Past applicants completing each partly known applicant."""
QUANTILE = 0.1
"""Which quantile of the completions' scores is the decision score (0 would be their minimum)."""


class PlausibleScorer:
    """A ``score_pairs`` replacement for partly known applicants (see the module docstring)."""

    def __init__(
        self, prior: Prior, *, draws: int = DRAWS, quantile: float = QUANTILE, seed: int = 0
    ) -> None:
        if not 0.0 <= quantile <= 1.0:
            raise ValueError(f"quantile must be within [0, 1], got {quantile}")
        self.prior = prior
        self.draws = draws
        self.quantile = quantile
        self.seed = seed

    def __call__(
        self, bundle: ModelBundle, values: Values, progress: Progress | None = None
    ) -> tuple[Eligibility, npt.NDArray[np.float64]]:
        eligibility = bundle.market.eligibility(values)
        status = eligibility.status
        p = np.full(status.shape, np.nan)
        names = [n for n in self.prior.names if n in values]
        unknown = np.zeros(status.shape[0], dtype=bool)
        for name in names:
            unknown |= np.isnan(values[name])
        applicants = bundle.space.applicant_matrix(values)
        rows, cols = np.nonzero((status == PASS) & ~unknown[:, None])
        if rows.size:
            X = bundle.space.pairs(applicants, rows, cols)
            p[rows, cols] = bundle.decision_probability(X)
        partial = [int(i) for i in np.flatnonzero(unknown) if (status[i] == PASS).any()]
        if partial:
            self._complete(bundle, values, partial, status, p)
        return eligibility, p

    def _complete(
        self,
        bundle: ModelBundle,
        values: Values,
        partial: list[int],
        status: npt.NDArray[np.int8],
        p: npt.NDArray[np.float64],
    ) -> None:
        """Score the partly known rows over their completions, all in one model call."""
        catalog = bundle.market.catalog
        blocks: list[Values] = []
        for i in partial:
            known = {n: float(values[n][i]) for n in self.prior.names if n in values}
            known = {n: x for n, x in known.items() if not np.isnan(x)}
            rng = np.random.default_rng([self.seed, int(i), len(known)])
            draws = self.prior.neighbours(known, self.draws, rng)
            k = len(next(iter(draws.values())))
            block: Values = {}
            for feature in catalog.features:
                name = feature.name
                if feature.derived or name not in values:
                    block[name] = np.full(k, np.nan)
                elif name in known or name not in draws:
                    block[name] = np.full(k, values[name][i])
                else:
                    block[name] = draws[name].astype(np.float64)
            blocks.append(block)
        rows: Values = {
            f.name: np.concatenate([b[f.name] for b in blocks]) for f in catalog.features
        }
        bundle.complete(rows)
        applicants = bundle.space.applicant_matrix(rows)
        sizes = [len(next(iter(b.values()))) for b in blocks]
        starts = np.cumsum([0, *sizes])
        pair_rows, pair_cols, owner = [], [], []
        for b, i in enumerate(partial):
            passing = np.flatnonzero(status[i] == PASS)
            block_rows = np.arange(starts[b], starts[b + 1])
            pair_rows.append(np.repeat(block_rows, passing.size))
            pair_cols.append(np.tile(passing, sizes[b]))
            owner.append(np.full(sizes[b] * passing.size, b))
        r, c = np.concatenate(pair_rows), np.concatenate(pair_cols)
        scores = bundle.probability(bundle.space.pairs(applicants, r, c))
        who = np.concatenate(owner)
        for b, i in enumerate(partial):
            mine = who == b
            passing = np.flatnonzero(status[i] == PASS)
            grid = scores[mine].reshape(sizes[b], passing.size)
            p[i, passing] = np.quantile(grid, self.quantile, axis=0)
