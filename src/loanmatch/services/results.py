"""What the recommendation service returns for one applicant (shared by CLI, web and API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from loanmatch.domain.catalog import Text
from loanmatch.domain.products import Product

__all__ = ["ApplicantResult", "Exclusion", "ExclusionKind", "Offer", "PolicyConfig"]

ExclusionKind = Literal["rule", "unknown", "low_probability", "max_offers"]


@dataclass(frozen=True)
class PolicyConfig:
    """Who gets an offer: a fixed threshold, or one chosen on held-out data for a target approval.

    When ``target_approval`` is set it wins over ``threshold``; ``confidence`` is the probability
    that the approval rate among recommendations really reaches the target (Learn-then-Test).
    """

    threshold: float = 0.8
    target_approval: float | None = None
    confidence: float = 0.9
    max_offers: int = 3


@dataclass(frozen=True)
class Offer:
    product: Product
    p_approve: float
    rank: int
    reasons: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Exclusion:
    product: Product
    kind: ExclusionKind
    reasons: tuple[Text, ...] = ()
    p_approve: float | None = None


@dataclass(frozen=True)
class ApplicantResult:
    applicant_id: str
    offers: tuple[Offer, ...]
    excluded: tuple[Exclusion, ...]
    threshold: float
    no_offer_reasons: tuple[Text, ...] = field(default_factory=tuple)
