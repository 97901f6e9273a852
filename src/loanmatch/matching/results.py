"""What the recommendation service returns for one applicant (shared by CLI, web and API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from loanmatch.domain.approval_band import Band
from loanmatch.domain.catalog import Text
from loanmatch.domain.pricing import Quote
from loanmatch.domain.products import Product

__all__ = [
    "ApplicantResult",
    "Change",
    "Exclusion",
    "ExclusionKind",
    "Offer",
    "PlanStep",
    "RecommendPolicy",
    "Unlock",
]

ExclusionKind = Literal["rule", "unknown", "low_probability", "price", "max_offers", "capacity"]


@dataclass(frozen=True)
class RecommendPolicy:
    """Who gets an offer: a fixed threshold, or one chosen on held-out data for a target approval.

    When ``target_approval`` is set it wins over ``threshold``; ``confidence`` is the probability
    that the approval rate among recommendations really reaches the target (Learn-then-Test).
    ``good_all_in``: an offer whose all-in APR (percent a year) is above it is a dear one; an
    owner whose every offer is dear also gets a plan toward one at most this dear.
    """

    threshold: float = 0.8
    target_approval: float | None = None
    confidence: float = 0.9
    max_offers: int = 3
    good_all_in: float = 12.0


@dataclass(frozen=True)
class Offer:
    """A recommended product. ``quote`` is None when unpriced (the page then shows the
    product's rate range); ``pd``/``tier`` None without a PD model."""

    product: Product
    p_approve: float
    rank: int
    reasons: tuple[Text, ...] = ()
    quote: Quote | None = None
    pd: float | None = None
    tier: str | None = None
    score: float | None = None
    band: Band | None = None
    """The realised approval of held-out pairs scored alike (None: no held-out pairs); what the
    page and the texts show instead of ``p_approve`` (``domain/approval_band.py``)."""
    threshold: float | None = None
    """The threshold ``p_approve`` passed (the product's: its lender's when raised); recorded
    with an application made from this offer (``docs/ledger.md``)."""


@dataclass(frozen=True)
class Exclusion:
    """A product not offered, with its standard reason code (``data/reason_codes.yaml``) and
    the code's text; ``reasons`` are the specific texts (the failing rules, the price)."""

    product: Product
    kind: ExclusionKind
    reasons: tuple[Text, ...] = ()
    p_approve: float | None = None
    code: str = ""
    code_text: Text = field(default_factory=Text)
    codes: tuple[str, ...] = ()
    """Every code behind the exclusion (one per failing rule); ``code`` is the first."""
    quote: Quote | None = None
    threshold: float | None = None
    """The product's threshold (its lender's when raised), where a probability was compared."""
    band: Band | None = None


@dataclass(frozen=True)
class Change:
    """One change of a plan step: a feature from its value now to the suggested one."""

    feature: str
    old: float
    new: float


@dataclass(frozen=True)
class PlanStep:
    """A verified "not yet" suggestion: making ``changes`` opens ``product`` (re-run match)."""

    changes: tuple[Change, ...]
    product: Product
    p_approve: float
    effort: float
    text: Text
    all_in_rate: float | None = None
    wait_months: int = 0
    band: Band | None = None


@dataclass(frozen=True)
class Unlock:
    """An unknown fact and the products (market order) that it alone would open
    (``matching/unlock.py``)."""

    feature: str
    products: tuple[Product, ...]
    source: str
    """The fact's catalog source: ``ask`` (the owner says it) or a connector's (authorise it)."""
    text: Text
    """What to do: authorise the source (a connector's fact) or answer it."""
    answer_text: Text = field(default_factory=Text)
    """The same, as a fact to fill in (the form page, which pulls no source)."""

    @property
    def count(self) -> int:
        return len(self.products)


@dataclass(frozen=True)
class ApplicantResult:
    applicant_id: str
    offers: tuple[Offer, ...]
    excluded: tuple[Exclusion, ...]
    threshold: float
    no_offer_reasons: tuple[Text, ...] = field(default_factory=tuple)
    plan: tuple[PlanStep, ...] = field(default_factory=tuple)
    """For an owner with no offer: the smallest verified changes that open a product; for an
    owner whose every offer is dear (all-in APR above the policy's ``good_all_in``): those that
    open one at most that dear."""
    plan_cheaper_than: float | None = None
    """Set when the plan aims at a cheaper offer: the all-in APR (percent) every offer is above."""
    max_offers: int = 3
    priced: bool = False
    """Whether offers carry a risk price (a PD model and pricing were available)."""
    unlocks: tuple[Unlock, ...] = field(default_factory=tuple)
    """Unknown facts that alone would open products not offerable now, most products first
    (``matching/unlock.py``): what to answer, or which source to authorise, next."""
    model_id: str = ""
    """The approval model that scored these offers (``ModelBundle.model_id``)."""
