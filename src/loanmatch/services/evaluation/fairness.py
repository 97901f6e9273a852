"""The fairness audit on a simulated market (``loanmatch fairness``, issue 13).

Simulate, train, recommend for fresh applicants exactly as ``loanmatch evaluate`` does, then
compare the owners' gender groups (``owner_gender``, a protected attribute the model and the
rules never see) with :func:`loanmatch.domain.fairness.audit_groups` against the simulator's
true decisions. ``bias`` makes the market adversarial: after training, the lenders decline that
share of the approvals they would have given women (a lender that starts discriminating), so
the audit can be seen to catch what it is for.

On the platform's own decisions the audit cannot run: the platform never holds an owner's
gender (no consent for matching pulls a protected attribute). Collecting it for an audit would
be a purpose of its own with its own consent; that is not built (docs/console.md).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from loanmatch.adapters.catalog_file import catalog_formulas
from loanmatch.domain.fairness import FairnessAudit, audit_groups
from loanmatch.domain.progress import Progress
from loanmatch.matching.batch import recommend_values
from loanmatch.matching.results import RecommendPolicy
from loanmatch.services.evaluation.simulated import FRESH_SEED_OFFSET
from loanmatch.services.train import fit_table
from loanmatch.simulator import simulate_market

__all__ = ["REPORT_FILE", "FairnessReport", "fairness_on_simulator"]

REPORT_FILE = "fairness.json"
"""Where ``loanmatch fairness`` keeps its last report in the data directory (the operator
console's fairness page reads it)."""
ATTRIBUTE = "owner_gender"
BIAS_SEED = 97


@dataclass(frozen=True)
class FairnessReport:
    seed: int
    target_approval: float
    bias: float
    attribute: str
    audit: FairnessAudit
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["audit"]["groups"] = [
            {**asdict(g), "calibration_gap": g.calibration_gap} for g in self.audit.groups
        ]
        return out


def fairness_on_simulator(
    seed: int,
    target_approval: float = 0.95,
    *,
    bias: float = 0.0,
    history_rows: int = 50_000,
    n_applicants: int = 5_000,
    progress: Progress | None = None,
) -> FairnessReport:
    """The audit of recommendations for ``n_applicants`` fresh applicants of the market of
    ``seed``; ``bias`` (0-1) as in the module docstring."""
    if not 0.0 <= bias <= 1.0:
        raise ValueError(f"bias must be between 0 and 1, got {bias}")
    started = time.perf_counter()

    def step(name: str, done: int) -> None:
        if progress is not None:
            progress(name, done, 4)

    step("simulate", 0)
    simulated = simulate_market(seed, history_rows=history_rows, n_applicants=n_applicants)
    market = simulated.market
    step("train", 1)
    bundle = fit_table(market, simulated.history, seed=seed,
                       formulas=catalog_formulas(market.catalog))  # fmt: skip
    step("recommend", 2)
    fresh = simulated.sample(n_applicants, seed + FRESH_SEED_OFFSET)
    batch = recommend_values(bundle, fresh.ids, fresh.values,
                             RecommendPolicy(target_approval=target_approval))  # fmt: skip
    step("audit", 3)
    truth = np.asarray(simulated.oracle(fresh), dtype=bool)
    feature = market.catalog[ATTRIBUTE]
    codes = fresh.values[ATTRIBUTE]
    labels = np.asarray(
        [feature.categories[int(c)] if np.isfinite(c) else "unknown" for c in codes], dtype=str
    )
    if bias > 0:
        rng = np.random.default_rng([seed, BIAS_SEED])
        women = (labels == "female")[:, None]
        truth = truth & ~(women & (rng.random(truth.shape) < bias))
    audit = audit_groups(labels, batch.rank > 0, truth, batch.p_decision)
    step("done", 4)
    return FairnessReport(seed, target_approval, bias, ATTRIBUTE, audit,
                          time.perf_counter() - started)  # fmt: skip
