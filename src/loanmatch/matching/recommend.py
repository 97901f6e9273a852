"""Recommend products: a whole file of applicants (vectorised) or one applicant with reasons
(the vectorised core is ``matching/batch.py``).

Per (applicant, product): eligibility first (only products whose rules all PASS can be offered;
FAIL is a certain decline, UNKNOWN is never offered), then the decision probability (calibrated,
bounded below over unknown model features) must reach the threshold, then the price (when the
model directory has a PD model and pricing) must stay within the product's range, the 24% line
and the owner's highest acceptable rate; at most ``max_offers`` per applicant, ranked by the
owner's benefit within the credit-inquiry budget (``matching/offers.py``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.tables import read_table, write_csv
from loanmatch.domain.certification import ThresholdChoice
from loanmatch.domain.progress import Progress
from loanmatch.errors import Location, NotCertifiedError
from loanmatch.matching.batch import Scorer, recommend_values, score_pairs
from loanmatch.matching.daily_capacity import within_capacity
from loanmatch.matching.explain import explain_applicant
from loanmatch.matching.offers import Selection
from loanmatch.matching.plan import dear_offers_only, plan_values
from loanmatch.matching.results import ApplicantResult, RecommendPolicy
from loanmatch.matching.unlock import unlocks
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model

__all__ = [
    "RecommendReport",
    "not_certified",
    "recommend_file",
    "recommend_one",
]


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
    capacity_cut: int = 0
    """Offers left out to keep each product within its ``capacity_per_day`` (only with
    ``daily_capacity``)."""
    choice: ThresholdChoice | None = field(default=None, repr=False)
    """The certificate the batch was recommended under (target-approval mode)."""

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out.pop("choice")
        out["out"] = str(self.out)
        out["threshold"] = self.threshold if math.isfinite(self.threshold) else None
        out["warnings"] = list(self.warnings)
        return out


def recommend_file(
    model_dir: Path,
    applicants: Path,
    out: Path,
    policy: RecommendPolicy,
    progress: Progress | None = None,
    warn: Callable[[str, str], None] | None = None,
    daily_capacity: bool = False,
) -> RecommendReport:
    """Recommend for every applicant of ``applicants.csv``; write ``recommendations.csv``
    (``applicant_id, product_id, p_approve, rank`` and, when the model directory prices,
    ``rate``, ``all_in_rate`` and ``tier``; empty where a pair could not be priced) atomically.
    ``warn(en, zh)`` hears each warning about the file once it is read. ``daily_capacity``:
    the file is one day's applicants, and no product is recommended to more of them than its
    ``capacity_per_day`` (``matching/daily_capacity.py``)."""
    started = time.perf_counter()
    bundle = load_model(Path(model_dir))
    table = read_table(Path(applicants), bundle.market.catalog, kind="applicants")
    if warn is not None:  # before any matching: a column absent or ignored
        for pair in zip(table.warnings, table.warnings_zh, strict=True):
            warn(*pair)
    batch = recommend_values(bundle, table.ids, table.values, policy, progress)
    if batch.choice is not None and not batch.choice.certified:
        raise not_certified(bundle, batch.choice, str(model_dir))
    rank, cut = batch.rank, 0
    if daily_capacity:
        capacities = [p.capacity_per_day for p in bundle.market.products]
        rank, cut = within_capacity(batch.rank, batch.p_decision, capacities)
    rows, cols = np.nonzero(rank > 0)
    order = np.lexsort((rank[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    product_ids = np.asarray(bundle.market.product_ids, dtype=object)
    columns: dict[str, Any] = {
        "applicant_id": table.ids[rows],
        "product_id": product_ids[cols],
        "p_approve": np.char.mod("%.4f", batch.p_decision[rows, cols]),
        "rank": rank[rows, cols],
    }
    if bundle.pricing is not None and bundle.pd_model is not None and batch.selection:
        columns.update(_price_columns(batch.selection, rows, cols))
    write_csv(Path(out), columns)
    return RecommendReport(
        out=Path(out),
        applicants=len(table.ids),
        covered=int((rank > 0).any(axis=1).sum()) if daily_capacity else int(batch.covered.sum()),
        offers=int(rows.size),
        threshold=batch.threshold,
        target_approval=policy.target_approval,
        certified=math.isfinite(batch.threshold),
        seconds=time.perf_counter() - started,
        warnings=table.warnings,
        capacity_cut=cut,
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
    policy: RecommendPolicy,
    applicant_id: str = "applicant",
    *,
    scorer: Scorer = score_pairs,
    candidates: Mapping[str, Sequence[float]] | None = None,
) -> ApplicantResult:
    """Offers, exclusions and reasons for one applicant (typed values keyed by feature name);
    with no offer, or only dear ones (all-in APR above ``policy.good_all_in``), the plan; and
    the unknown facts that alone would open more products (``matching/unlock.py``, over the
    plausible ``candidates`` values of each fact, by the same ``scorer``).

    A value that does not fit the catalog is an ``AnswerError`` naming the feature.
    """
    values = bundle.market.catalog.encode_record(record)
    bundle.complete(values)
    ids = np.array([applicant_id], dtype=object)
    batch = recommend_values(bundle, ids, values, policy, scorer=scorer)
    result = explain_applicant(bundle, values, batch, policy.max_offers)
    opened = unlocks(bundle, values, batch, candidates=candidates, scorer=scorer)
    if opened:
        result = replace(result, unlocks=opened)
    if not result.offers:
        return replace(result, plan=plan_values(bundle, values, [0], policy)[0])
    if dear_offers_only(batch, policy.good_all_in)[0]:
        plan = plan_values(bundle, values, [0], policy, cheaper=True)[0]
        return replace(result, plan=plan, plan_cheaper_than=policy.good_all_in)
    return result
