"""Turn one applicant's scored row into an ``ApplicantResult`` with reasons (design 5.7)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from loanmatch.domain.catalog import Text, Values
from loanmatch.domain.explain import (
    ProductOutcome,
    low_probability_reason,
    max_offers_reason,
    no_offer_reasons,
    offer_reasons,
    rule_reason,
    unknown_reason,
)
from loanmatch.domain.rules import FAIL, PASS, Rule
from loanmatch.model.bundle import ModelBundle
from loanmatch.services.results import ApplicantResult, Exclusion, Offer

if TYPE_CHECKING:
    from loanmatch.services.recommend import Batch

__all__ = ["MATTERING_RULES", "explain_applicant"]

MATTERING_RULES = 2
"""How many met requirements an offer names: those most history applicants fail."""


def _mattering(bundle: ModelBundle, j: int) -> list[Rule]:
    rules = bundle.market.products[j].rules
    rates = bundle.rule_fail_rate[j]
    ranked = sorted(range(len(rules)), key=lambda k: -rates[k])
    return [rules[k] for k in ranked[:MATTERING_RULES] if rates[k] > 0.0]


def _with_model_p(
    bundle: ModelBundle, values: Values, outcomes: list[ProductOutcome], i: int
) -> list[ProductOutcome]:
    """Outcomes whose rules do not all pass get the model's own probability, to order the
    products one rule change would open by how likely they then are."""
    space = bundle.space
    m = len(outcomes)
    pairs = space.pairs(
        space.applicant_matrix({k: v[i : i + 1] for k, v in values.items()}),
        np.zeros(m, dtype=np.intp),
        np.arange(m, dtype=np.intp),
    )
    p_model = bundle.probability(pairs)
    return [
        o if o.p_approve is not None else replace(o, p_approve=float(p_model[j]))
        for j, o in enumerate(outcomes)
    ]


def explain_applicant(
    bundle: ModelBundle, values: Values, batch: Batch, max_offers: int, i: int = 0
) -> ApplicantResult:
    """The result for applicant ``i`` of ``batch`` (``values``: the values the batch scored)."""
    market, catalog = bundle.market, bundle.market.catalog
    eligibility = batch.eligibility
    offers: list[Offer] = []
    excluded: list[Exclusion] = []
    outcomes: list[ProductOutcome] = []
    for j, product in enumerate(market.products):
        status, rank, p = batch.status[i, j], int(batch.rank[i, j]), float(batch.p_decision[i, j])
        failing = tuple(eligibility.failing_rules(market, i, j))
        unknown = tuple(dict.fromkeys(r.feature for r in eligibility.unknown_rules(market, i, j)))
        outcomes.append(ProductOutcome(product, failing, unknown, p if status == PASS else None))
        if rank > 0:
            reasons = offer_reasons(p, _mattering(bundle, j), catalog)
            offers.append(Offer(product, p, rank, reasons))
        elif status == FAIL:
            texts = tuple(rule_reason(r, catalog[r.feature]) for r in failing)
            excluded.append(Exclusion(product, "rule", texts))
        elif status != PASS:
            reason = unknown_reason([catalog[name] for name in unknown])
            excluded.append(Exclusion(product, "unknown", (reason,)))
        elif p < batch.threshold:
            reason = low_probability_reason(p, batch.threshold)
            excluded.append(Exclusion(product, "low_probability", (reason,), p))
        else:
            excluded.append(Exclusion(product, "max_offers", (max_offers_reason(max_offers),), p))
    offers.sort(key=lambda o: o.rank)
    no_offer: tuple[Text, ...] = ()
    if not offers:
        no_offer = no_offer_reasons(
            catalog, _with_model_p(bundle, values, outcomes, i), batch.threshold
        )
    return ApplicantResult(
        applicant_id=str(batch.ids[i]),
        offers=tuple(offers),
        excluded=tuple(excluded),
        threshold=batch.threshold,
        no_offer_reasons=no_offer,
    )
