"""Lender capacity per product and day (issue 12): which day an application counts on, and a
result without the offers whose product has no capacity left today.

A product's ``capacity_per_day`` (products.yaml) is the number of applications its lender takes
a day, counted in the storage's :class:`~loanmatch.storage.unit_of_work.CapacityLedger` when an
owner applies (``services/applications.py``). A product whose day is full is not offered: its
offer becomes an exclusion of kind ``capacity`` (reason code of the outcome ``capacity``), and
the offers after it move up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from loanmatch.adapters.reason_codes_file import default_reason_codes
from loanmatch.domain.catalog import Text
from loanmatch.matching.results import ApplicantResult, Exclusion
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["BUSINESS_TZ", "business_day", "without_full"]

BUSINESS_TZ = timezone(timedelta(hours=8))
"""China Standard Time: a lender's day of capacity runs midnight to midnight there."""

FULL = Text(
    zh="该产品今日申请已满，明天可以再申请",
    en="Full for today: it takes applications again tomorrow",
)


def business_day(at: datetime) -> str:
    """The ISO date of ``at`` in China time."""
    return at.astimezone(BUSINESS_TZ).date().isoformat()


def without_full(uow: UnitOfWork, result: ApplicantResult, at: datetime) -> ApplicantResult:
    """``result`` without the offers whose product's capacity of the day is used up."""
    day = business_day(at)
    full = {
        offer.product.id
        for offer in result.offers
        if offer.product.capacity_per_day is not None
        and uow.capacity.used(offer.product.id, day) >= offer.product.capacity_per_day
    }
    if not full:
        return result
    codes = default_reason_codes()
    code = codes.for_outcome("capacity")
    kept = [o for o in result.offers if o.product.id not in full]
    dropped = tuple(
        Exclusion(
            product=o.product,
            kind="capacity",
            reasons=(FULL,),
            p_approve=o.p_approve,
            code=code,
            code_text=codes.text(code),
            codes=(code,),
            quote=o.quote,
            threshold=result.threshold,
            band=o.band,
        )
        for o in result.offers
        if o.product.id in full
    )
    offers = tuple(replace(o, rank=k + 1) for k, o in enumerate(kept))
    return replace(result, offers=offers, excluded=(*dropped, *result.excluded))
