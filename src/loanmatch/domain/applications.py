"""A loan application and the small state machine of its life (issue 12).

Pure: an :class:`Application` is a value, and :func:`transition` returns the next value or
raises :class:`~loanmatch.errors.TransitionError` naming the rule it breaks. Every state change
of an application is one of :data:`TRANSITIONS`, done by the role the table names::

    submitted ----------- request_documents (lender) ---> documents_requested
    documents_requested - provide_documents (owner) ----> submitted
    submitted | documents_requested - approve (lender) -> approved
    submitted | documents_requested - decline (lender) -> declined
    submitted | documents_requested | approved - withdraw (owner) -> withdrawn
    approved ------------ disburse (lender) ------------> disbursed

``declined``, ``withdrawn`` and ``disbursed`` are final: nothing leaves them, so an application
is never decided twice and a withdrawn one is never approved. An approval carries its terms
(amount in yuan, annual rate, term in months, repayment method); a decline carries at least one
reason code of :data:`DECLINE_REASONS`; a document request names the documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal

from loanmatch.domain.cashflows import METHODS
from loanmatch.domain.catalog import Text
from loanmatch.domain.consent import require_aware
from loanmatch.errors import DecisionTermsError, TransitionError

__all__ = [
    "DECLINE_REASONS",
    "MAX_AMOUNT_YUAN",
    "MAX_ANNUAL_RATE",
    "MAX_TERM_MONTHS",
    "REPAYMENT_METHODS",
    "TRANSITIONS",
    "Action",
    "Application",
    "Decision",
    "Outcome",
    "Prediction",
    "Role",
    "Status",
    "Step",
    "transition",
]


class Status(StrEnum):
    SUBMITTED = "submitted"
    DOCUMENTS_REQUESTED = "documents_requested"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    DISBURSED = "disbursed"


Action = Literal[
    "request_documents", "provide_documents", "approve", "decline", "withdraw", "disburse"
]
Role = Literal["owner", "lender"]

_OPEN = (Status.SUBMITTED, Status.DOCUMENTS_REQUESTED)

TRANSITIONS: dict[Action, tuple[Role, tuple[Status, ...], Status]] = {
    "request_documents": ("lender", (Status.SUBMITTED,), Status.DOCUMENTS_REQUESTED),
    "provide_documents": ("owner", (Status.DOCUMENTS_REQUESTED,), Status.SUBMITTED),
    "approve": ("lender", _OPEN, Status.APPROVED),
    "decline": ("lender", _OPEN, Status.DECLINED),
    "withdraw": ("owner", (*_OPEN, Status.APPROVED), Status.WITHDRAWN),
    "disburse": ("lender", (Status.APPROVED,), Status.DISBURSED),
}
"""Action -> (who may do it, the states it may start from, the state it leads to)."""

FINAL = frozenset({Status.DECLINED, Status.WITHDRAWN, Status.DISBURSED})

DECLINE_REASONS: dict[str, Text] = {
    "credit_history": Text(zh="征信记录不符合要求", en="Credit history does not meet the terms"),
    "revenue": Text(zh="经营收入不足", en="Revenue too low for the amount"),
    "debt_burden": Text(zh="负债过高", en="Existing debt too high"),
    "collateral": Text(zh="抵押或担保不足", en="Collateral or guarantee insufficient"),
    "business_age": Text(zh="经营年限不足", en="Business too young"),
    "industry": Text(zh="行业不在准入范围", en="Industry outside the lender's scope"),
    "documents": Text(zh="材料不全或无法核实", en="Documents missing or not verifiable"),
    "policy": Text(zh="不符合本行其他授信政策", en="Outside the lender's other credit policy"),
    "capacity": Text(zh="本期额度已满", en="The lender's capacity for the period is used up"),
}
"""Standard decline reasons a lender chooses from (a decline names at least one)."""

REPAYMENT_METHODS = frozenset((*METHODS, "revolving"))
"""The methods products.yaml names (``domain/cashflows.py``: 等额本息, 等额本金, 先息后本, 贴现)
and 随借随还 (``revolving``, a credit line with no fixed schedule)."""

MAX_AMOUNT_YUAN = 100_000_000.0
"""1亿元: above any small-business loan; a larger approval is a typing error."""
MAX_ANNUAL_RATE = 0.36
"""A sanity bound on an approved annual rate: a higher figure is a typing error (0.06, not 6)."""
MAX_TERM_MONTHS = 360


@dataclass(frozen=True)
class Decision:
    """What a lender (or owner) says with an action: an approval's terms, a decline's reasons,
    the documents asked for, a note. Only the parts the action uses are set."""

    amount_yuan: float | None = None
    annual_rate: float | None = None
    term_months: int | None = None
    repayment_method: str | None = None
    reasons: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Step:
    """One transition as it happened: the application's history is a list of these."""

    action: Action
    actor: str
    at: datetime
    before: Status
    after: Status
    decision: Decision = field(default_factory=Decision)


@dataclass(frozen=True)
class Prediction:
    """What the platform predicted when the owner applied (issue 13, ``docs/ledger.md``): the
    model's identity, the offer's P(approve), the threshold it passed, its band (the interval
    the owner was shown; None when the model had none) and the logging policy's propensity of
    showing the product. The recommender shows every offer above its threshold (up to the
    offer limit) to an applicant with those facts, with no exploration, so the propensity
    recorded is 1.0: the product was shown for certain, and a product below the threshold had
    propensity 0 and gets no decision to learn from."""

    model_id: str
    p_approve: float
    threshold: float
    band_low: float | None = None
    band_high: float | None = None
    propensity: float = 1.0


Outcome = Literal["approved", "declined"]


@dataclass(frozen=True)
class Application:
    """An owner's application to one product of one lender, from one intake session."""

    id: str
    session_id: str
    product_id: str
    lender_id: str
    submitted_at: datetime
    status: Status = Status.SUBMITTED
    history: tuple[Step, ...] = ()
    idempotency_key: str = ""
    """The key of the request that made it: the same key again is the same application."""
    version: int = 0
    """Committed changes so far (optimistic concurrency: two deciders cannot both win)."""
    prediction: Prediction | None = None
    """What was predicted when it was made (None: an application from before issue 13)."""

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def decided(self) -> tuple[Outcome, Step] | None:
        """The lender's decision (approved or declined) and the step that made it; None while
        undecided or withdrawn undecided. An approval stays one after disbursement or the
        owner's withdrawal."""
        for step in self.history:
            if step.action == "approve":
                return "approved", step
            if step.action == "decline":
                return "declined", step
        return None

    @property
    def approval(self) -> Decision | None:
        """The terms of the approval, once approved (also after disbursement)."""
        for step in reversed(self.history):
            if step.action == "approve":
                return step.decision
        return None


def _check_approval(decision: Decision) -> None:
    amount, rate, term = decision.amount_yuan, decision.annual_rate, decision.term_months
    if amount is None or not 0.0 < amount <= MAX_AMOUNT_YUAN:
        raise DecisionTermsError("amount_yuan", f"needs an amount in (0, 1e8] yuan, got {amount!r}")
    if rate is None or not 0.0 <= rate <= MAX_ANNUAL_RATE:
        raise DecisionTermsError("annual_rate", f"needs an annual rate in [0, 0.36], got {rate!r}")
    if term is None or not 1 <= term <= MAX_TERM_MONTHS:
        raise DecisionTermsError("term_months", f"needs a term of 1-360 months, got {term!r}")
    if decision.repayment_method not in REPAYMENT_METHODS:
        raise DecisionTermsError(
            "repayment_method",
            f"needs one of {sorted(REPAYMENT_METHODS)}, got {decision.repayment_method!r}",
        )


def _check_terms(action: Action, decision: Decision) -> None:
    if action == "approve":
        _check_approval(decision)
    elif action == "decline":
        if not decision.reasons or any(r not in DECLINE_REASONS for r in decision.reasons):
            raise DecisionTermsError(
                "reasons",
                f"needs at least one reason of {sorted(DECLINE_REASONS)}, "
                f"got {list(decision.reasons)!r}",
            )
    elif action == "request_documents" and not decision.documents:
        raise DecisionTermsError("documents", "needs the documents asked for, got none")


def transition(
    application: Application,
    action: Action,
    role: Role,
    actor: str,
    at: datetime,
    decision: Decision | None = None,
) -> Application:
    """The application after ``action`` by ``actor`` (in ``role``) at ``at``; raises
    :class:`TransitionError` when the table does not allow it (code names the rule:
    ``application.transition.role`` or ``application.transition.state``) and
    :class:`DecisionTermsError` when the decision lacks what the action needs."""
    require_aware(at)
    if action not in TRANSITIONS:
        raise TransitionError("action", action, application.status, f"unknown action {action!r}")
    who, sources, target = TRANSITIONS[action]
    if role != who:
        raise TransitionError("role", action, application.status, f"only the {who} may {action}")
    if application.status not in sources:
        raise TransitionError(
            "state",
            action,
            application.status,
            f"cannot {action} an application that is {application.status.value}",
        )
    said = decision or Decision()
    _check_terms(action, said)
    step = Step(action, actor, at, application.status, target, said)
    return replace(application, status=target, history=(*application.history, step))
