"""Recommend products: a whole file of applicants (vectorised) or one applicant with reasons.

Per (applicant, product): eligibility first (only products whose rules all PASS can be offered;
FAIL is a certain decline, UNKNOWN is never offered), then the decision probability (calibrated,
bounded below over unknown model features) must reach the threshold, then the price (when the
model directory has a PD model and pricing) must stay within the product's range, the 24% line
and the owner's highest acceptable rate; at most ``max_offers`` per applicant, ranked by the
owner's benefit within the credit-inquiry budget (``services/offers.py``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.tables import read_table, write_csv
from loanmatch.domain.catalog import Values
from loanmatch.domain.certification import ThresholdChoice, calibration_margin, lender_floors
from loanmatch.domain.mix_certificate import certify_mix
from loanmatch.domain.products import Eligibility
from loanmatch.domain.rules import PASS
from loanmatch.errors import Location, NotCertifiedError
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.services.explain import explain_applicant
from loanmatch.services.offers import Selection, select_priced
from loanmatch.services.plan import dear_offers_only, plan_values
from loanmatch.services.progress import Progress
from loanmatch.services.results import ApplicantResult, PolicyConfig

__all__ = [
    "Batch",
    "RecommendReport",
    "Scorer",
    "not_certified",
    "recommend_file",
    "recommend_one",
    "recommend_values",
    "resolve_threshold",
    "score_pairs",
]

MIN_BATCH = 200
"""From this many applicants a target-approval batch is certified on its own mix
(``_batch_choice``), and holds each lender's recommended pairs to the target by their calibrated
probabilities (``lender_floors``), plus one standard error of the lender's calibration
(``calibration_margin``)."""
BATCH_ROUNDS = 3
CHUNK = 200_000
"""Pairs scored per model call (bounds memory: about 70 MB of features per chunk)."""


@dataclass(frozen=True)
class Batch:
    """Recommendations for many applicants: matrices are applicants x products."""

    ids: npt.NDArray[np.object_]
    eligibility: Eligibility
    p_decision: npt.NDArray[np.float64]
    """Decision probability where the rules all PASS, NaN elsewhere."""
    rank: npt.NDArray[np.int64]
    """1..max_offers for offers, 0 otherwise."""
    threshold: float
    """The pooled threshold (``inf`` when a target could not be certified)."""
    choice: ThresholdChoice | None
    selection: Selection | None = None
    """PD, tier, price and benefit score of the offerable pairs; price and budget exclusions."""

    thresholds: npt.NDArray[np.float64] | None = None
    """Each product's threshold: the pooled one, or its lender's when certification raised it
    (None: the pooled one for every product)."""

    def threshold_of(self, product: int) -> float:
        return self.threshold if self.thresholds is None else float(self.thresholds[product])

    @property
    def status(self) -> npt.NDArray[np.int8]:
        """PASS, FAIL or UNKNOWN per (applicant, product)."""
        return self.eligibility.status

    @property
    def covered(self) -> npt.NDArray[np.bool_]:
        return np.asarray((self.rank > 0).any(axis=1))


@dataclass(frozen=True)
class RecommendReport:
    out: Path
    applicants: int
    covered: int
    offers: int
    threshold: float
    target_approval: float | None
    certified: bool
    seconds: float
    warnings: tuple[str, ...] = field(default_factory=tuple)
    choice: ThresholdChoice | None = field(default=None, repr=False)
    """The certificate the batch was recommended under (target-approval mode)."""

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out.pop("choice")
        out["out"] = str(self.out)
        out["threshold"] = self.threshold if math.isfinite(self.threshold) else None
        out["warnings"] = list(self.warnings)
        return out


def resolve_threshold(
    bundle: ModelBundle, policy: PolicyConfig
) -> tuple[float, ThresholdChoice | None]:
    """The fixed threshold, or the one certified for the target approval (with the lenders'
    own thresholds in the choice: ``ModelBundle.product_thresholds``)."""
    if policy.target_approval is None:
        return policy.threshold, None
    choice = bundle.target_threshold(policy.target_approval, policy.confidence)
    return choice.threshold, choice


def score_pairs(
    bundle: ModelBundle, values: Values, progress: Progress | None = None
) -> tuple[Eligibility, npt.NDArray[np.float64]]:
    """Eligibility and decision probabilities (NaN where the rules do not all PASS)."""
    eligibility = bundle.market.eligibility(values)
    status = eligibility.status
    p = np.full(status.shape, np.nan)
    rows, cols = np.nonzero(status == PASS)
    applicants = bundle.space.applicant_matrix(values)
    for start in range(0, rows.size, CHUNK):
        stop = min(start + CHUNK, rows.size)
        X = bundle.space.pairs(applicants, rows[start:stop], cols[start:stop])
        p[rows[start:stop], cols[start:stop]] = bundle.decision_probability(X)
        if progress is not None:
            progress("score", stop, rows.size)
    return eligibility, p


Scorer = Callable[
    [ModelBundle, Values, Progress | None], tuple[Eligibility, npt.NDArray[np.float64]]
]
"""How pairs are scored: ``score_pairs`` (the default) or the intake's plausible lower bound."""


def recommend_values(
    bundle: ModelBundle,
    ids: npt.NDArray[np.object_],
    values: Values,
    policy: PolicyConfig,
    progress: Progress | None = None,
    *,
    scorer: Scorer = score_pairs,
) -> Batch:
    """Vectorised recommendation for every applicant in ``values``."""
    threshold, choice = resolve_threshold(bundle, policy)
    eligibility, scored = scorer(bundle, values, progress)
    p = bundle.rank_adjusted(scored)
    batch = choice is not None and len(ids) >= MIN_BATCH
    if batch and choice is not None:
        choice = _batch_choice(bundle, choice, p, eligibility.status, policy)
        threshold = choice.threshold
    thresholds = None if choice is None else bundle.product_thresholds(choice)
    limit: float | npt.NDArray[np.float64] = threshold if thresholds is None else thresholds
    selection = select_priced(bundle, values, p, eligibility.status, limit, policy.max_offers)
    if batch and thresholds is not None and choice is not None and choice.certified:
        lenders = bundle.space.lender_of_product
        applicants = bundle.space.applicant_matrix(values)
        goal: float | npt.NDArray[np.float64] = choice.target
        if len(bundle.shift.lender_support) == len(bundle.market.lenders):
            goal = choice.target + calibration_margin(choice.target, bundle.shift.lender_support)
        for _ in range(BATCH_ROUNDS):
            rows, cols = np.nonzero(selection.rank > 0)
            expected = bundle.probability(bundle.space.pairs(applicants, rows, cols))
            floors = lender_floors(p, selection.rank, lenders, goal, expected)
            raised = np.maximum(thresholds, floors[lenders])
            if np.array_equal(raised, thresholds):
                break
            thresholds = raised
            selection = select_priced(
                bundle, values, p, eligibility.status, thresholds, policy.max_offers
            )
    return Batch(ids, eligibility, p, selection.rank, threshold, choice, selection, thresholds)


MIX_GRID = 60
"""Thresholds the batch's own certificate tries (quantiles of the held-out probabilities)."""


def _batch_choice(
    bundle: ModelBundle,
    choice: ThresholdChoice,
    p: npt.NDArray[np.float64],
    status: npt.NDArray[np.int8],
    policy: PolicyConfig,
) -> ThresholdChoice:
    """The threshold certified for this batch's own mix (``domain/mix_certificate``) when it is
    lower than the pooled one (or the pooled one certifies nothing), with each lender's own
    threshold at it (``ModelBundle.guard``); else ``choice``. The batch's pairs at a threshold
    are each applicant's best ``max_offers`` products by probability (label-free)."""
    mine = bundle.certification_pairs()
    held_p, held_y = bundle.selection_p[mine], bundle.selection_y[mine]
    if held_p.size == 0:
        return choice
    groups = bundle.selection_group[mine] if bundle.selection_group.size else np.arange(mine.sum())
    open_p = np.where(status == PASS, p, -np.inf)
    k = max(1, min(policy.max_offers, open_p.shape[1]))
    best = -np.sort(-open_p, axis=1)[:, :k]
    best = best[np.isfinite(best)]
    levels = np.linspace(0.0, 1.0, MIX_GRID, endpoint=False)
    grid = np.unique(np.floor(np.quantile(held_p, levels) * 1000.0) / 1000.0)
    mix = certify_mix(
        held_p,
        held_y,
        groups,
        [float(t) for t in grid],
        lambda t: best[best >= t],
        choice.target,
        choice.confidence,
    )
    if not mix.certified or mix.threshold >= choice.threshold:
        return choice
    found = replace(
        choice,
        threshold=mix.threshold,
        n_pairs=round(mix.effective_pairs),
        approval=mix.approval,
        p_value=mix.p_value,
        group_thresholds={},
        highest_certifiable=None,
        pairs_needed=None,
    )
    return bundle.guard(found)


def recommend_file(
    model_dir: Path,
    applicants: Path,
    out: Path,
    policy: PolicyConfig,
    progress: Progress | None = None,
) -> RecommendReport:
    """Recommend for every applicant of ``applicants.csv``; write ``recommendations.csv``
    (``applicant_id, product_id, p_approve, rank`` and, when the model directory prices,
    ``rate``, ``all_in_rate`` and ``tier``; empty where a pair could not be priced) atomically."""
    started = time.perf_counter()
    bundle = load_model(Path(model_dir))
    table = read_table(Path(applicants), bundle.market.catalog, kind="applicants")
    batch = recommend_values(bundle, table.ids, table.values, policy, progress)
    if batch.choice is not None and not batch.choice.certified:
        raise not_certified(bundle, batch.choice, str(model_dir))
    rows, cols = np.nonzero(batch.rank > 0)
    order = np.lexsort((batch.rank[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    product_ids = np.asarray(bundle.market.product_ids, dtype=object)
    columns: dict[str, Any] = {
        "applicant_id": table.ids[rows],
        "product_id": product_ids[cols],
        "p_approve": np.char.mod("%.4f", batch.p_decision[rows, cols]),
        "rank": batch.rank[rows, cols],
    }
    if bundle.pricing is not None and bundle.pd_model is not None and batch.selection:
        columns.update(_price_columns(batch.selection, rows, cols))
    write_csv(Path(out), columns)
    return RecommendReport(
        out=Path(out),
        applicants=len(table.ids),
        covered=int(batch.covered.sum()),
        offers=int(rows.size),
        threshold=batch.threshold,
        target_approval=policy.target_approval,
        certified=math.isfinite(batch.threshold),
        seconds=time.perf_counter() - started,
        warnings=table.warnings,
        choice=batch.choice,
    )


def _price_columns(
    selection: Selection, rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]
) -> dict[str, list[str]]:
    """``rate``, ``all_in_rate`` (percent) and ``tier`` of the offers (empty when unpriced)."""
    rate, all_in, tier = [], [], []
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        pair = selection.pairs[(i, j)]
        quote = pair.quote
        rate.append(str(quote.rate) if quote is not None else "")
        apr = quote.all_in_rate if quote is not None else None
        all_in.append(str(apr.quantize(Decimal("0.01"))) if apr is not None else "")
        tier.append(pair.tier or "")
    return {"rate": rate, "all_in_rate": all_in, "tier": tier}


def not_certified(bundle: ModelBundle, choice: ThresholdChoice, where: str) -> NotCertifiedError:
    """The error for a target the held-out decisions do not certify: what they do certify, and
    about how many history rows like these the target would need."""
    pairs = int(bundle.certification_pairs().sum())
    rows_per_pair = bundle.metrics.get("rows", math.nan) / max(pairs, 1)
    needed = None
    if choice.pairs_needed is not None and math.isfinite(rows_per_pair):
        needed = math.ceil(choice.pairs_needed * rows_per_pair)
    text = (
        f"target approval {choice.target:.1%} cannot be certified at confidence "
        f"{choice.confidence:.0%} on the model's {pairs:,} held-out decisions"
    )
    if choice.highest_certifiable is not None:
        text += f"; the highest target they certify is {choice.highest_certifiable:.1%}"
    else:
        text += "; they certify no target from 50% up"
    if needed is not None:
        have = int(bundle.metrics.get("rows", 0))
        text += f"; about {needed:,} history rows like these would be needed (now {have:,})"
    else:
        text += "; more history of the same kind would not reach it (too few approvals at the top)"
    text += ". Give a lower --target-approval, a fixed --threshold, or retrain on more history."
    return NotCertifiedError(
        text, Location(file=where), highest=choice.highest_certifiable, decisions_needed=needed
    )


def recommend_one(
    bundle: ModelBundle,
    record: Mapping[str, object],
    policy: PolicyConfig,
    applicant_id: str = "applicant",
    *,
    scorer: Scorer = score_pairs,
) -> ApplicantResult:
    """Offers, exclusions and reasons for one applicant (typed values keyed by feature name);
    with no offer, or only dear ones (all-in APR above ``policy.good_all_in``), the plan.

    A value that does not fit the catalog is an ``AnswerError`` naming the feature.
    """
    values = bundle.market.catalog.encode_record(record)
    bundle.complete(values)
    ids = np.array([applicant_id], dtype=object)
    batch = recommend_values(bundle, ids, values, policy, scorer=scorer)
    result = explain_applicant(bundle, values, batch, policy.max_offers)
    if not result.offers:
        return replace(result, plan=plan_values(bundle, values, [0], policy)[0])
    if dear_offers_only(batch, policy.good_all_in)[0]:
        plan = plan_values(bundle, values, [0], policy, cheaper=True)[0]
        return replace(result, plan=plan, plan_cheaper_than=policy.good_all_in)
    return result
