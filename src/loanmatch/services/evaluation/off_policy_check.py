"""Does the off-policy estimate find a policy's true approval? Measured where the truth is known.

**The default market.** ``simulate_market(seed)`` trains the candidates' model on its history;
then each *log* is a fresh set of decisions the naive logging policy makes on applicants drawn
afresh (``SimulatedMarket.log_decisions``: blind draws, the exact propensity of every row, the
hidden lenders deciding). Each candidate policy (the model at a threshold, or at a target
approval, or a weaker model) is run on the logged applicants, estimated from the log alone
(``domain/off_policy``), and compared with its truth: the mean true approval probability (the
simulator's, ``true_probability``) of the pairs it recommends to those same applicants.

**A test-bed market** (``testbed/``; no propensity is logged there). The candidate is trained on
the case's own history through its files, as ``loanmatch train`` would; the log is the case's
fresh applicants sent by an exploring policy this module adds (``exploring_log``: each applicant
makes 1-4 uniform draws over the products, so every pair has a known positive propensity), with
decisions drawn from the case's true probabilities. The truth is the mean true probability of
the recommended pairs.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.catalog_file import catalog_formulas
from loanmatch.adapters.tables import Table, read_table
from loanmatch.domain.catalog import Values
from loanmatch.domain.off_policy import Interval
from loanmatch.domain.products import Eligibility
from loanmatch.domain.progress import Progress
from loanmatch.matching.batch import score_pairs
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.services.off_policy import LoggedApplicants, candidate_on_log, logged_applicants
from loanmatch.services.train import fit_table, train
from loanmatch.simulator import simulate_market
from loanmatch.testbed.case import MarketCase

__all__ = [
    "DEFAULT_POLICIES",
    "OffPolicyCheck",
    "check_case",
    "check_default_market",
    "exploring_log",
]

DEFAULT_POLICIES: dict[str, RecommendPolicy] = {
    "threshold 0.5": RecommendPolicy(threshold=0.5),
    "threshold 0.8": RecommendPolicy(threshold=0.8),
    "target 0.95": RecommendPolicy(target_approval=0.95),
}
DRAW_SHARES = (0.35, 0.30, 0.20, 0.15)
"""The exploring log's P(k uniform draws), k = 1..4 (as the simulator's naive policy)."""


@dataclass(frozen=True)
class OffPolicyCheck:
    """One candidate on one log: its estimates, its truth and whether each interval holds it."""

    market: str
    market_seed: int
    log_seed: int
    policy: str
    truth: float
    snips: Interval
    dr: Interval
    coverage: float
    matched_rows: int
    effective_rows: float
    weight_check: float
    refused: str | None
    seconds: float

    @property
    def dr_holds(self) -> bool:
        return self.refused is None and self.dr.contains(self.truth)

    @property
    def snips_holds(self) -> bool:
        return self.refused is None and self.snips.contains(self.truth)

    def to_dict(self) -> dict[str, Any]:
        return {
            "market": self.market, "market_seed": self.market_seed, "log_seed": self.log_seed,
            "policy": self.policy, "truth": self.truth, "snips": self.snips.to_dict(),
            "dr": self.dr.to_dict(), "dr_holds": self.dr_holds, "snips_holds": self.snips_holds,
            "coverage": self.coverage, "matched_rows": self.matched_rows,
            "effective_rows": self.effective_rows, "weight_check": self.weight_check,
            "refused": self.refused, "seconds": self.seconds,
        }  # fmt: skip


class _ScoresOnce:
    """A ``recommend_values`` scorer that scores a model's pairs once for several policies."""

    def __init__(self) -> None:
        self.cache: dict[int, tuple[Eligibility, npt.NDArray[np.float64]]] = {}

    def __call__(
        self, bundle: ModelBundle, values: Values, progress: Progress | None
    ) -> tuple[Eligibility, npt.NDArray[np.float64]]:
        key = id(bundle)
        if key not in self.cache:
            self.cache[key] = score_pairs(bundle, values, progress)
        eligibility, p = self.cache[key]
        return eligibility, p.copy()


def _checks(
    market: str,
    market_seed: int,
    log_seed: int,
    candidates: Mapping[str, tuple[ModelBundle, RecommendPolicy]],
    log: LoggedApplicants,
    true_p: npt.NDArray[np.float64],
    confidence: float,
) -> list[OffPolicyCheck]:
    """``true_p`` is applicants (in ``log.ids`` order) x products."""
    scorer = _ScoresOnce()
    out = []
    for name, (bundle, policy) in candidates.items():
        started = time.perf_counter()
        result = candidate_on_log(bundle, log, policy, confidence, scorer=scorer)
        offered = result.batch.rank > 0
        truth = float(true_p[offered].mean()) if offered.any() else math.nan
        estimate = result.estimate
        out.append(
            OffPolicyCheck(
                market,
                market_seed,
                log_seed,
                name,
                truth,
                estimate.snips,
                estimate.dr,
                result.coverage,
                estimate.matched_rows,
                estimate.effective_rows,
                estimate.weight_check.estimate,
                estimate.refused,
                time.perf_counter() - started,
            )
        )
    return out


def check_default_market(
    seed: int,
    log_seeds: Sequence[int],
    policies: Mapping[str, RecommendPolicy] | None = None,
    history_rows: int = 100_000,
    log_rows: int = 30_000,
    weak_rows: int | None = 10_000,
    confidence: float = 0.9,
) -> list[OffPolicyCheck]:
    """Each policy (and, with ``weak_rows``, a model trained on the first ``weak_rows`` history
    rows at threshold 0.8) on each log of the default market ``seed``."""
    simulated = simulate_market(seed, history_rows=history_rows, n_applicants=1)
    formulas = catalog_formulas(simulated.catalog)
    bundle = fit_table(simulated.market, simulated.history, seed=seed, formulas=formulas)
    candidates = {name: (bundle, p) for name, p in (policies or DEFAULT_POLICIES).items()}
    if weak_rows is not None:
        weak_history = simulated.history.take(np.arange(min(weak_rows, history_rows)))
        weak = fit_table(simulated.market, weak_history, seed=seed, formulas=formulas)
        candidates[f"{weak_rows} rows, threshold 0.8"] = (weak, RecommendPolicy(threshold=0.8))
    out: list[OffPolicyCheck] = []
    for log_seed in log_seeds:
        logged = simulated.log_decisions(log_rows, log_seed)
        log = logged_applicants(logged.table, bundle)
        people = logged.row_applicant[log.first_row]
        true_p = simulated.true_probability(logged.population)[people]
        out += _checks("default", seed, log_seed, candidates, log, true_p, confidence)
    return out


def exploring_log(
    applicants: Table, true_p: npt.NDArray[np.float64], product_ids: Sequence[str], seed: int
) -> Table:
    """Each applicant makes k (``DRAW_SHARES``) uniform draws with replacement over the
    products and applies to the distinct ones; every pair's propensity is
    ``sum_k share_k (1 - (1 - 1/J)^k)``; the decision is drawn from ``true_p``."""
    rng = np.random.default_rng([seed, 17])
    n, n_products = true_p.shape
    k = rng.choice(np.arange(1, len(DRAW_SHARES) + 1), size=n, p=np.asarray(DRAW_SHARES))
    draws = rng.integers(0, n_products, size=(n, len(DRAW_SHARES)))
    sent = np.zeros((n, n_products), dtype=bool)
    used = np.arange(len(DRAW_SHARES))[None, :] < k[:, None]
    rows = np.broadcast_to(np.arange(n)[:, None], draws.shape)
    sent[rows[used], draws[used]] = True
    applicant, product = np.nonzero(sent)
    q = 1.0 / n_products
    propensity = sum(s * (1.0 - (1.0 - q) ** (j + 1)) for j, s in enumerate(DRAW_SHARES))
    approved = rng.random(applicant.size) < true_p[applicant, product]
    return Table(
        ids=applicants.ids[applicant],
        values={name: v[applicant] for name, v in applicants.values.items()},
        product_ids=np.asarray(product_ids, dtype=object)[product],
        approved=approved.astype(np.int8),
        propensity=np.full(applicant.size, float(propensity)),
    )


def check_case(
    case: MarketCase,
    log_seeds: Sequence[int],
    policies: Mapping[str, RecommendPolicy] | None = None,
    confidence: float = 0.9,
    seed: int = 0,
) -> list[OffPolicyCheck]:
    """Each policy of a model trained on ``case``'s history, on exploring logs of its fresh
    applicants (module docstring)."""
    with tempfile.TemporaryDirectory(prefix="loanmatch-ope-") as scratch:
        files = case.write(Path(scratch) / "market")
        model_dir = Path(scratch) / "model"
        train(files.features, files.products, files.history, model_dir, seed=seed)
        bundle = load_model(model_dir)
        applicants = read_table(files.applicants, bundle.market.catalog, kind="applicants")
    candidates = {name: (bundle, p) for name, p in (policies or DEFAULT_POLICIES).items()}
    out: list[OffPolicyCheck] = []
    for log_seed in log_seeds:
        table = exploring_log(applicants, case.true_p, case.product_ids, log_seed)
        log = logged_applicants(table, bundle)
        index = {str(v): i for i, v in enumerate(applicants.ids.tolist())}
        people = np.array([index[str(v)] for v in log.ids.tolist()], dtype=np.intp)
        out += _checks(
            case.name, case.seed, log_seed, candidates, log, case.true_p[people], confidence
        )
    return out
