"""Turn one applicant's scored row into an ``ApplicantResult`` with reasons.

docs/design.md §5, step 7.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from loanmatch.adapters.reason_codes_file import default_reason_codes
from loanmatch.domain.approval_band import Band
from loanmatch.domain.catalog import Text, Values
from loanmatch.domain.pricing import Quote
from loanmatch.domain.products import Product
from loanmatch.domain.reason_codes import ReasonCodes
from loanmatch.domain.reason_texts import (
    ProductOutcome,
    low_probability_reason,
    max_offers_reason,
    no_offer_reasons,
    offer_reasons,
    rule_reason,
    unknown_reason,
)
from loanmatch.domain.rules import FAIL, PASS, Rule
from loanmatch.matching.batch import Batch
from loanmatch.matching.results import ApplicantResult, Exclusion, ExclusionKind, Offer
from loanmatch.model.bundle import ModelBundle

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


def _pct(rate: object) -> str:
    """An annual rate in percent with two decimals (``—`` when there is none)."""
    return f"{float(str(rate)):.2f}%" if rate is not None else "—"


def price_reason(quote: Quote | None, code: str) -> Text:
    """The numbers behind a price exclusion (the code's text says what kind it is)."""
    if quote is None:
        return Text(
            "产品最低利率已高于您可接受的最高利率",
            "The product's lowest rate is already above your highest acceptable rate",
        )
    if code == "above_rate_range":
        top = quote.limits.get("rate_max")
        return Text(
            f"按风险定价年利率为{_pct(quote.rate)}，产品年利率上限{_pct(top)}",
            f"Risk price {_pct(quote.rate)} a year, the product's maximum {_pct(top)} a year",
        )
    apr = _pct(quote.all_in_rate)
    if code == "above_owner_max_rate":
        limit = quote.limits.get("owner_max_rate")
        return Text(
            f"综合年化成本{apr}，您可接受的最高年化利率为{_pct(limit)}",
            f"All-in cost {apr} a year, your maximum {_pct(limit)} a year",
        )
    return Text(f"综合年化成本{apr}，超过24%红线", f"All-in cost {apr} a year, above the 24% line")


def _budget_reason(max_offers: int) -> Text:
    return Text(
        "先申请排名更前的产品后，近期征信查询次数将超过该产品的上限",
        "After the applications ranked above it, recent credit inquiries would exceed this "
        "product's limit",
    )


def _exclusion(
    codes: ReasonCodes,
    product: Product,
    kind: ExclusionKind,
    reasons: tuple[Text, ...],
    code_list: tuple[str, ...],
    p: float | None = None,
    quote: Quote | None = None,
    threshold: float | None = None,
    band: Band | None = None,
) -> Exclusion:
    code = code_list[0] if code_list else ""
    return Exclusion(
        product, kind, reasons, p, code, codes.text(code), code_list, quote, threshold, band
    )


def explain_applicant(
    bundle: ModelBundle, values: Values, batch: Batch, max_offers: int, i: int = 0
) -> ApplicantResult:
    """The result for applicant ``i`` of ``batch`` (``values``: the values the batch scored)."""
    market, catalog = bundle.market, bundle.market.catalog
    codes = default_reason_codes()
    bands = bundle.approval_bands
    eligibility = batch.eligibility
    selection = batch.selection
    offers: list[Offer] = []
    excluded: list[Exclusion] = []
    outcomes: list[ProductOutcome] = []
    for j, product in enumerate(market.products):
        status, rank, p = batch.status[i, j], int(batch.rank[i, j]), float(batch.p_decision[i, j])
        failing = tuple(eligibility.failing_rules(market, i, j))
        unknown = tuple(dict.fromkeys(r.feature for r in eligibility.unknown_rules(market, i, j)))
        threshold = batch.threshold_of(j)
        outcomes.append(
            ProductOutcome(product, failing, unknown, p if status == PASS else None, threshold)
        )
        band = bands.band(p) if status == PASS else None
        pair = selection.pairs.get((i, j)) if selection is not None else None
        price_code = selection.price_reason.get((i, j)) if selection is not None else None
        quote = pair.quote if pair is not None else None
        if rank > 0:
            reasons = offer_reasons(p, _mattering(bundle, j), catalog, band)
            offers.append(
                Offer(
                    product,
                    p,
                    rank,
                    reasons,
                    quote,
                    pair.pd if pair is not None and pair.tier is not None else None,
                    pair.tier if pair is not None else None,
                    pair.score if pair is not None else None,
                    band,
                    threshold,
                )
            )
        elif status == FAIL:
            texts = tuple(rule_reason(r, catalog[r.feature]) for r in failing)
            rule_codes = tuple(dict.fromkeys(codes.for_rule(r) for r in failing))
            excluded.append(_exclusion(codes, product, "rule", texts, rule_codes))
        elif status != PASS:
            reason = unknown_reason([catalog[name] for name in unknown])
            code = codes.for_outcome("unknown")
            excluded.append(_exclusion(codes, product, "unknown", (reason,), (code,)))
        elif p < threshold:
            reason = low_probability_reason(p, threshold)
            code = codes.for_outcome("low_probability")
            excluded.append(
                _exclusion(
                    codes, product, "low_probability", (reason,), (code,), p, None, threshold
                )
            )
        elif price_code is not None:
            reason = price_reason(quote, price_code)
            code = codes.for_outcome(price_code)
            excluded.append(
                _exclusion(codes, product, "price", (reason,), (code,), p, quote, threshold, band)
            )
        else:
            over = selection is not None and (i, j) in selection.over_budget
            reason = _budget_reason(max_offers) if over else max_offers_reason(max_offers)
            code = codes.for_outcome("max_offers")
            excluded.append(
                _exclusion(
                    codes, product, "max_offers", (reason,), (code,), p, quote, threshold, band
                )
            )
    offers.sort(key=lambda o: o.rank)
    no_offer: tuple[Text, ...] = ()
    if not offers:
        no_offer = no_offer_reasons(
            catalog,
            _with_model_p(bundle, values, outcomes, i),
            batch.threshold,
            row={k: float(v[i]) for k, v in values.items()},
        )
    return ApplicantResult(
        applicant_id=str(batch.ids[i]),
        offers=tuple(offers),
        excluded=tuple(excluded),
        threshold=batch.threshold,
        no_offer_reasons=no_offer,
        max_offers=max_offers,
        priced=bundle.pd_model is not None and bundle.pricing is not None,
        model_id=bundle.model_id,
    )
