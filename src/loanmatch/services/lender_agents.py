"""What a simulated lender decides on one application: its hidden true policy (issue 12, point 5).

Pure: :func:`verdict` turns one application, as the lender API shows it (the product, the
applying enterprise's 统一社会信用代码, the released facts), into the decision the simulated
lender's true policy makes (:meth:`~loanmatch.simulator.hidden.HiddenTruth.judge`):

- **Who applies.** The credit code names a simulated applicant when it is
  :func:`~loanmatch.connectors.simulated.simulated_credit_code` of one (the demo's enterprises
  and the sample button's). The lender verifies: it decides on the applicant's TRUE values,
  whatever the owner typed, for the amount and term the owner asked for (the released
  ``loan_amount`` and ``loan_term_months``; the applicant's own request where they are absent).
- **An enterprise the simulator does not know** cannot be verified against any registry, so it
  is declined with the standard reason ``documents`` (材料不全或无法核实) and a note saying so.
  Deciding on the released facts alone would be a second, made-up policy.
- **The decision** is the true policy's on the amount and term asked, as in the history.
- **An approval's terms** stay inside the product's: the amount asked, capped by the product's
  maximum (an ask below the product's minimum is declined ``policy``); the term the product
  offers nearest the one asked; the repayment method the market's pricing quotes (else the
  product's first); the rate of the project's risk-based pricing (``domain/pricing.py``, the
  market's pricing.yaml) at the loan's TRUE default probability, clamped into the product's
  rate range.
- **A decline's reason** maps what failed to :data:`~loanmatch.domain.applications.DECLINE_REASONS`
  (:data:`REASON_OF_FEATURE`, :data:`REASON_OF_FACTOR`): a failing published rule by its
  feature, the unpublished bureau gate to ``credit_history``, the cap on lenders owed to
  ``debt_burden``, a low score by the factor that pulled it down most.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from loanmatch.connectors.simulated import simulated_credit_code
from loanmatch.domain.applications import MAX_TERM_MONTHS, REPAYMENT_METHODS, Decision
from loanmatch.domain.cashflows import METHODS
from loanmatch.domain.catalog import Scalar
from loanmatch.domain.credit_code import normalize_credit_code
from loanmatch.domain.pricing import PricingBook
from loanmatch.domain.products import Product
from loanmatch.simulator.hidden import HiddenTruth, Judgement

__all__ = ["REASON_OF_FACTOR", "REASON_OF_FEATURE", "Verdict", "Verifier", "reason_of", "verdict"]

REASON_OF_FEATURE: dict[str, str] = {
    **dict.fromkeys(("owner_bureau_score", "has_credit_history", "overdue_count_24m",
                     "current_overdue", "hard_inquiries_3m", "hard_inquiries_6m"),
                    "credit_history"),
    **dict.fromkeys(("annual_revenue", "revenue_growth", "tax_grade", "tax_paid_last_year",
                     "vat_invoice_months_24", "invoice_amount_12m", "monthly_bank_inflow",
                     "loan_amount"), "revenue"),
    **dict.fromkeys(("outstanding_debt", "lenders_outstanding"), "debt_burden"),
    **dict.fromkeys(("owns_property", "property_value", "bills_receivable"), "collateral"),
    **dict.fromkeys(("enterprise_age_years", "tobacco_licence_years"), "business_age"),
    "industry": "industry",
}  # fmt: skip
"""A failing published rule's feature -> decline reason (any other feature: ``policy``)."""
REASON_OF_FACTOR: dict[str, str] = {
    "bureau": "credit_history", "thin_file": "credit_history", "overdue": "credit_history",
    "inquiries": "credit_history", "multi": "debt_burden", "leverage": "debt_burden",
    "size": "revenue", "tax": "revenue", "invoicing": "revenue", "growth": "revenue",
    "afford": "revenue", "maturity": "business_age", "property": "collateral",
    "industry": "industry", "legal": "policy", "social": "policy", "region": "policy",
}  # fmt: skip
"""The score factor that pulled a declined score down most -> decline reason."""
UNVERIFIED = "企业无法在登记信息中核实 · The enterprise could not be verified against the registry"


@dataclass(frozen=True)
class Verdict:
    """The lender's decision: ``approve`` with its terms or ``decline`` with its reasons;
    ``judgement`` is the true policy's (None for an enterprise the simulator does not know)."""

    action: Literal["approve", "decline"]
    decision: Decision
    judgement: Judgement | None = None


def reason_of(failed: str) -> str:
    """The standard decline reason of a :class:`Judgement`'s ``failed``."""
    kind, _, what = failed.partition(":")
    if kind == "rule":
        return REASON_OF_FEATURE.get(what, "policy")
    if kind == "gate":
        return "credit_history" if what == "bureau" else "debt_burden"
    return REASON_OF_FACTOR.get(what, "policy")


class Verifier:
    """Finds the simulated applicant behind a credit code (codes of the hidden truth's
    applicants, computed once)."""

    def __init__(self, truth: HiddenTruth) -> None:
        self.truth = truth
        self._rows = {simulated_credit_code(str(i)): k for k, i in enumerate(truth.applicants.ids)}

    def row_of(self, enterprise_id: str) -> int | None:
        return self._rows.get(normalize_credit_code(enterprise_id))


def _number(facts: Mapping[str, Scalar], name: str) -> float | None:
    value = facts.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return float(value)


def _term(product: Product, asked: float) -> int:
    if product.term_months:
        return min(product.term_months, key=lambda t: (abs(t - asked), -t))
    return int(min(max(round(asked), 1), MAX_TERM_MONTHS))


def _method(product: Product, pricing: PricingBook | None) -> str:
    terms = pricing.terms_for(product) if pricing is not None else None
    if terms is not None:
        try:
            return terms.method_for(product)
        except ValueError:
            pass
    named = [m for m in product.repayment if m in REPAYMENT_METHODS]
    return named[0] if named else "equal_instalment"


def _rate(
    product: Product, pricing: PricingBook | None, pd: float, amount: float, term: int,
    method: str,
) -> float:  # fmt: skip
    """Annual rate as a fraction (0.0435 = 4.35%), inside the product's range (in percent)."""
    low = Decimal(repr(product.rate_min)) if product.rate_min is not None else Decimal(0)
    high = Decimal(repr(product.rate_max)) if product.rate_max is not None else Decimal(36)
    rate = low
    if pricing is not None:
        try:
            quote = pricing.quote(pd, product, amount, term,
                                  method=method if method in METHODS else None)  # fmt: skip
        except ValueError:
            quote = None
        if quote is not None:
            rate = quote.rate
    rate = min(max(rate, low), high, Decimal(36))
    return float(rate / 100)


def verdict(
    verifier: Verifier,
    pricing: PricingBook | None,
    product: Product,
    enterprise_id: str,
    facts: Mapping[str, Scalar],
) -> Verdict:
    """The simulated lender's decision on one application (see the module docstring)."""
    row = verifier.row_of(enterprise_id) if enterprise_id else None
    if row is None:
        return Verdict("decline", Decision(reasons=("documents",), note=UNVERIFIED))
    own = verifier.truth.applicants.complete
    asked = _number(facts, "loan_amount") or float(own["loan_amount"][row])
    asked_term = _number(facts, "loan_term_months") or float(own["loan_term_months"][row])
    judgement = verifier.truth.judge(row, product.id, asked, round(asked_term))
    if not judgement.approve:
        reason = reason_of(judgement.failed)
        return Verdict("decline", Decision(reasons=(reason,), note=judgement.failed), judgement)
    amount = min(asked, product.amount_max) if product.amount_max is not None else asked
    if product.amount_min is not None and amount < product.amount_min:
        note = f"below the product's minimum of {product.amount_min:g} yuan"
        return Verdict("decline", Decision(reasons=("policy",), note=note), judgement)
    term = _term(product, asked_term)
    method = _method(product, pricing)
    decision = Decision(
        amount_yuan=round(amount, 2),
        annual_rate=_rate(product, pricing, judgement.pd, amount, term, method),
        term_months=term,
        repayment_method=method,
        note=f"p_approve {judgement.probability:.2f}",
    )
    return Verdict("approve", decision, judgement)
