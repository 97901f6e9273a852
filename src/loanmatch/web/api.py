"""The JSON API's request and response bodies (they make the OpenAPI document at ``/docs``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from loanmatch.domain.approval_band import CONFIDENCE, Band, probability_text, shown_probability
from loanmatch.domain.pricing import Quote
from loanmatch.lang import Lang
from loanmatch.matching.results import ApplicantResult, Exclusion, Offer, PlanStep

__all__ = [
    "MAX_ANSWERS",
    "MAX_ANSWER_CHARS",
    "AnswerValue",
    "BandOut",
    "ExclusionOut",
    "FeatureName",
    "Health",
    "OfferOut",
    "PlanStepOut",
    "RecommendRequest",
    "RecommendResponse",
    "UnlockOut",
    "WaterfallOut",
    "response_from",
]


MAX_ANSWER_CHARS = 200
"""The longest answer a program may send for one feature ("50万", "A", a category): ample."""
MAX_ANSWERS = 200
"""The most answers one request may carry (the catalog has a few dozen features)."""
FeatureName = Annotated[str, Field(max_length=64)]
AnswerValue = (
    Annotated[str, Field(max_length=MAX_ANSWER_CHARS)]
    | Annotated[int, Field(ge=-(2**53), le=2**53)]
    | float
    | bool
)
"""One typed answer (:data:`loanmatch.domain.catalog.Scalar`) within the API's limits: text of
at most :data:`MAX_ANSWER_CHARS`, an integer any JSON reader holds exactly."""


class RecommendRequest(BaseModel):
    """One applicant's answers: catalog feature name -> value; absent or null = unknown.

    Values may be typed (``500000``, ``true``, ``"A"``) or written as a person would
    (``"50万"``, ``"是"``).
    """

    applicant: dict[FeatureName, AnswerValue | None] = Field(
        max_length=MAX_ANSWERS,
        examples=[{"tax_grade": "A", "enterprise_age_years": 5, "loan_amount": "50万"}],
    )
    lang: str = Field(
        default="zh", max_length=16, description="zh (default) or en: language of the texts"
    )


class WaterfallOut(BaseModel):
    key: str = Field(
        description="funding, acquisition, data, expected_loss, opex, fee, profit, clamp"
    )
    label: str
    rate: float = Field(description="Percentage points of the nominal rate")


class BandOut(BaseModel):
    """What ``p_approve`` is worth: the realised approval of the model's held-out pairs with a
    probability like it, as an exact interval (docs/method.md section 7)."""

    low: float = Field(description="Lower end of the interval, 0 to 1")
    high: float = Field(description="Upper end of the interval, 0 to 1")
    confidence: float = Field(description="Two-sided confidence of the interval")
    pairs: int = Field(description="Held-out pairs the band is drawn from")
    approved: int = Field(description="How many of them were approved")


def _band(band: Band | None, confidence: float) -> BandOut | None:
    if band is None:
        return None
    return BandOut(
        low=band.low,
        high=band.high,
        confidence=confidence,
        pairs=band.pairs,
        approved=band.approved,
    )


class PlanStepOut(BaseModel):
    text: str
    product_id: str
    p_approve: float
    p_text: str = Field(default="", description="The approval as shown: its band, never 100%")
    p_band: BandOut | None = None
    all_in_rate: float | None
    wait_months: int
    effort: float
    changes: dict[str, float] = Field(description="Feature -> the suggested value")


class OfferOut(BaseModel):
    rank: int
    product_id: str
    product_name: str
    lender: str
    kind: str
    p_approve: float = Field(description="Calibrated probability of approval, 0 to 1")
    p_text: str = Field(default="", description="The approval as shown: its band, never 100%")
    p_band: BandOut | None = Field(
        default=None, description="The held-out band p_approve falls in (None: no held-out data)"
    )
    rate_min: float | None = Field(description="Lowest annual rate, percent")
    rate_max: float | None = Field(description="Highest annual rate, percent")
    amount_min: float | None = Field(description="Smallest amount, yuan")
    amount_max: float | None = Field(description="Largest amount, yuan")
    term_months: list[int]
    reasons: list[str]
    rate: float | None = Field(
        default=None, description="Risk-priced nominal annual rate, percent (None: unpriced)"
    )
    all_in_rate: float | None = Field(
        default=None, description="All-in annual cost (IRR of the cash flows, fees included)"
    )
    waterfall: list[WaterfallOut] = Field(default_factory=list)
    pd: float | None = Field(default=None, description="Estimated 12-month default probability")
    tier: str | None = Field(default=None, description="Risk tier A (lowest PD) to E")
    repayment: str | None = Field(default=None, description="Repayment method priced")
    amount: float | None = Field(default=None, description="Amount priced, yuan")
    term: int | None = Field(default=None, description="Term priced, months")
    repayment_method: str | None = Field(
        default=None,
        description="The repayment method priced, in the request's language (先息后本, 等额本息, "
        "等额本金, 贴现); `repayment` is its code",
    )
    monthly_payment: float | None = Field(
        default=None,
        description="The first month's payment, yuan to the fen (principal, interest and fees): "
        "the instalment of equal instalments, the largest of equal principal, the interest of "
        "interest first; None for a discounted bill (nothing is paid before maturity)",
    )
    last_payment: float | None = Field(
        default=None,
        description="The last month's payment, yuan to the fen (interest first: the principal "
        "with the last interest; a bill: its face value)",
    )
    total_interest: float | None = Field(
        default=None, description="Interest over the whole term, yuan to the fen"
    )
    total_fees: float | None = Field(
        default=None,
        description="The borrower's fees over the term (guarantee, insurance, service, upfront), "
        "yuan to the fen",
    )
    apr: float | None = Field(
        default=None,
        description="All-in annual percentage rate, percent: the IRR of the monthly cash flows "
        "with fees x 12 (the annualised rate of PBoC announcement No. 3 of 2021); the same "
        "figure as all_in_rate",
    )
    cost_estimate: bool | None = Field(
        default=None,
        description="True when the waterfall is our estimate (the lender does not publish its "
        "cost build-up)",
    )
    simulated: bool = Field(
        default=False, description="The offer comes from the built-in simulated market"
    )


class ExclusionOut(BaseModel):
    product_id: str
    product_name: str
    lender: str
    kind: str = Field(description="rule, unknown, low_probability, price or max_offers")
    reasons: list[str]
    p_approve: float | None
    p_text: str = Field(
        default="",
        description="As shown: under the threshold rounded down (never equal to it), else its band",
    )
    p_band: BandOut | None = None
    code: str = Field(default="", description="Standard reason code (R01...)")
    code_text: str = ""
    codes: list[str] = Field(default_factory=list)


class UnlockOut(BaseModel):
    """An unknown fact that alone would open products not offerable now."""

    feature: str = Field(description="The catalog feature still unknown")
    source: str = Field(description="ask (the owner says it) or the connector that gives it")
    products: list[str] = Field(description="The product ids it alone would open")
    text: str = Field(description="What to do: authorise the source, or answer it")
    answer_text: str = Field(default="", description="The same, as a fact to fill in")


class RecommendResponse(BaseModel):
    threshold: float = Field(description="Offers have P(approve) at least this")
    offers: list[OfferOut]
    excluded: list[ExclusionOut]
    no_offer_reasons: list[str]
    plan: list[PlanStepOut] = Field(
        default_factory=list,
        description="Verified changes that open a product (no offer), or a cheaper one (offers "
        "that all cost more than plan_cheaper_than)",
    )
    plan_cheaper_than: float | None = Field(
        default=None,
        description="Set when every offer's all-in APR is above this (percent a year) and the "
        "plan aims at a cheaper offer",
    )
    max_offers: int = Field(default=3, description="Offers are capped: each is a credit inquiry")
    priced: bool = False
    unlocks: list[UnlockOut] = Field(
        default_factory=list,
        description="Unknown facts that alone would open more products (most products first), "
        "each with the products it opens: the next thing to answer or authorise",
    )


class Health(BaseModel):
    status: str
    version: str
    products: int
    model: str = ""
    """The id of the model answering (``sha256:...``; it changes when a champion is promoted)."""


def _offer(o: Offer, lang: Lang) -> OfferOut:
    q = o.quote
    priced = q is not None and q.all_in_rate is not None
    return _plain_offer(o, lang).model_copy(
        update={
            "rate": float(q.rate) if q is not None and priced else None,
            "all_in_rate": float(q.all_in_rate) if q is not None and q.all_in_rate else None,
            "waterfall": [
                WaterfallOut(key=line.key, label=line.text.get(lang), rate=float(line.rate))
                for line in q.waterfall
            ]
            if q is not None and priced
            else [],
            "pd": o.pd,
            "tier": o.tier,
            "repayment": q.method if q is not None and priced else None,
            "amount": float(q.amount) if q is not None and priced else None,
            "term": q.term_months if q is not None and priced else None,
            **(_loan_terms(q, lang) if q is not None and priced else {}),
        }
    )


def _yuan(amount: Decimal | None) -> float | None:
    return float(amount) if amount is not None else None


def _loan_terms(q: Quote, lang: Lang) -> dict[str, object]:
    """The offer's loan: method, payments, interest, fees and APR (``domain/pricing.Quote``)."""
    return {
        "repayment_method": q.method_text.get(lang),
        "monthly_payment": _yuan(q.monthly_payment),
        "last_payment": _yuan(q.last_payment),
        "total_interest": _yuan(q.total_interest),
        "total_fees": _yuan(q.total_fees),
        "apr": _yuan(q.all_in_rate),
        "cost_estimate": not q.costs_published,
        "simulated": q.simulated,
    }


def _plan(step: PlanStep, lang: Lang) -> PlanStepOut:
    return PlanStepOut(
        text=step.text.get(lang),
        product_id=step.product.id,
        p_approve=step.p_approve,
        p_text=probability_text(step.p_approve, step.band, lang),
        p_band=_band(step.band, CONFIDENCE),
        all_in_rate=step.all_in_rate,
        wait_months=step.wait_months,
        effort=step.effort,
        changes={c.feature: c.new for c in step.changes},
    )


def _exclusion_p_text(e: Exclusion, lang: Lang) -> str:
    if e.p_approve is None:
        return ""
    return shown_probability(e.p_approve, e.band, lang, e.threshold)


def response_from(result: ApplicantResult, lang: Lang) -> RecommendResponse:
    return RecommendResponse(
        threshold=result.threshold,
        offers=[_offer(o, lang) for o in sorted(result.offers, key=lambda o: o.rank)],
        excluded=[
            ExclusionOut(
                product_id=e.product.id,
                product_name=e.product.display(lang),
                lender=e.product.lender,
                kind=e.kind,
                reasons=[r.get(lang) for r in e.reasons],
                p_approve=e.p_approve,
                p_text=_exclusion_p_text(e, lang),
                p_band=_band(e.band, CONFIDENCE),
                code=e.code,
                code_text=e.code_text.get(lang),
                codes=list(e.codes),
            )
            for e in result.excluded
        ],
        no_offer_reasons=[r.get(lang) for r in result.no_offer_reasons],
        plan=[_plan(s, lang) for s in result.plan],
        plan_cheaper_than=result.plan_cheaper_than,
        max_offers=result.max_offers,
        priced=result.priced,
        unlocks=[
            UnlockOut(
                feature=u.feature,
                source=u.source,
                products=[p.id for p in u.products],
                text=u.text.get(lang),
                answer_text=u.answer_text.get(lang),
            )
            for u in result.unlocks
        ],
    )


def _plain_offer(o: Offer, lang: Lang) -> OfferOut:
    return OfferOut(
        rank=o.rank,
        product_id=o.product.id,
        product_name=o.product.display(lang),
        lender=o.product.lender,
        kind=o.product.kind,
        p_approve=o.p_approve,
        p_text=probability_text(o.p_approve, o.band, lang),
        p_band=_band(o.band, CONFIDENCE),
        rate_min=o.product.rate_min,
        rate_max=o.product.rate_max,
        amount_min=o.product.amount_min,
        amount_max=o.product.amount_max,
        term_months=list(o.product.term_months),
        reasons=[r.get(lang) for r in o.reasons],
    )
