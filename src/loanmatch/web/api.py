"""The JSON API's request and response bodies (they make the OpenAPI document at ``/docs``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from loanmatch.errors import LoanMatchError
from loanmatch.services.results import ApplicantResult
from loanmatch.web.i18n import Lang

__all__ = [
    "ErrorBody",
    "ExclusionOut",
    "Health",
    "OfferOut",
    "RecommendRequest",
    "RecommendResponse",
    "error_body",
    "response_from",
]


class RecommendRequest(BaseModel):
    """One applicant's answers: catalog feature name -> value; absent or null = unknown.

    Values may be typed (``500000``, ``true``, ``"A"``) or written as a person would
    (``"50万"``, ``"是"``).
    """

    applicant: dict[str, str | int | float | bool | None] = Field(
        examples=[{"tax_grade": "A", "enterprise_age_years": 5, "loan_amount": "50万"}]
    )
    lang: str = Field(default="zh", description="zh (default) or en: language of the texts")


class OfferOut(BaseModel):
    rank: int
    product_id: str
    product_name: str
    lender: str
    kind: str
    p_approve: float = Field(description="Calibrated probability of approval, 0 to 1")
    rate_min: float | None = Field(description="Lowest annual rate, percent")
    rate_max: float | None = Field(description="Highest annual rate, percent")
    amount_min: float | None = Field(description="Smallest amount, yuan")
    amount_max: float | None = Field(description="Largest amount, yuan")
    term_months: list[int]
    reasons: list[str]


class ExclusionOut(BaseModel):
    product_id: str
    product_name: str
    lender: str
    kind: str = Field(description="rule, unknown, low_probability or max_offers")
    reasons: list[str]
    p_approve: float | None


class RecommendResponse(BaseModel):
    threshold: float = Field(description="Offers have P(approve) at least this")
    offers: list[OfferOut]
    excluded: list[ExclusionOut]
    no_offer_reasons: list[str]


class ErrorBody(BaseModel):
    """A rejected request: ``error`` is a stable code, ``where`` names the feature or field."""

    error: str
    message: str
    message_zh: str | None = None
    where: dict[str, Any]


class Health(BaseModel):
    status: str
    version: str
    products: int


def error_body(error: LoanMatchError) -> dict[str, Any]:
    """The body of a 422: ``error`` code, ``message``, ``where``; ``message_zh`` for answers."""
    return error.to_dict()


def response_from(result: ApplicantResult, lang: Lang) -> RecommendResponse:
    return RecommendResponse(
        threshold=result.threshold,
        offers=[
            OfferOut(
                rank=o.rank,
                product_id=o.product.id,
                product_name=o.product.display(lang),
                lender=o.product.lender,
                kind=o.product.kind,
                p_approve=o.p_approve,
                rate_min=o.product.rate_min,
                rate_max=o.product.rate_max,
                amount_min=o.product.amount_min,
                amount_max=o.product.amount_max,
                term_months=list(o.product.term_months),
                reasons=[r.get(lang) for r in o.reasons],
            )
            for o in sorted(result.offers, key=lambda o: o.rank)
        ],
        excluded=[
            ExclusionOut(
                product_id=e.product.id,
                product_name=e.product.display(lang),
                lender=e.product.lender,
                kind=e.kind,
                reasons=[r.get(lang) for r in e.reasons],
                p_approve=e.p_approve,
            )
            for e in result.excluded
        ],
        no_offer_reasons=[r.get(lang) for r in result.no_offer_reasons],
    )
