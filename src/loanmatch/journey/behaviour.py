"""The owner-behaviour model of the journey simulation: every number is a named constant here.

Each constant says where it comes from: ``ref §1 #N`` is a row of the products table of
``docs/market-reference.md``; ``design §1`` is section 1 of ``docs/design.md``;
*assumption* marks a number no source gives, chosen plainly and kept the same for both flows.
The behaviour model was written before the comparison was run and is not tuned to its result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from loanmatch.domain.catalog import Feature

__all__ = ["BEHAVIOUR", "Behaviour", "assumptions", "decision_days", "question_seconds"]


@dataclass(frozen=True)
class Behaviour:
    """How owners and lenders behave in both flows (seconds and days as named)."""

    seconds_by_type: Mapping[str, float]
    """Time to read and answer one question by feature type (*assumption*)."""
    lookup_seconds_per_cost: float
    """Extra seconds per ask_cost above 1: finding a document to answer (*assumption*)."""
    consent_seconds: float
    """Reading and accepting one source's consent (*assumption*)."""
    drop_per_question: float
    """Chance the owner gives up at any one question (*assumption*; same in both flows)."""
    drop_per_wait_day: float
    """Chance per day of waiting that the owner gives up (*assumption*)."""
    give_up_after_rejection: float
    """Chance the owner stops after a rejection instead of trying another lender (*assumption*)."""
    max_lenders: int
    """Most lenders an owner tries in the traditional flow (*assumption*)."""
    refill_share: float
    """Share of the form re-typed for each new lender in the traditional flow (design §1:
    "a rejection, then another bank from the start": 1.0)."""
    document_request_self_declared: float
    """Chance a lender asks for more documents when the applicant's data is self-declared
    (design §1: "then follow-up requests for more"; the rate is an *assumption*)."""
    document_request_verified: float
    """The same when the data came verified from the sources (*assumption*)."""
    document_turnaround_days: float
    """Days for the owner to gather and send requested documents (*assumption*)."""
    auto_decision_share: Mapping[str, float]
    """Per lender style, share of applications decided automatically within minutes
    (big banks ref §1 #4: about 60%; internet / fintech ref §1 #10: online, same day)."""
    manual_days: Mapping[str, tuple[float, float]]
    """Per lender style, the range (uniform) of days of a manual review (ref §1 #4: 3-7 days;
    ref §1 #7: 1-2 days for a regional bank; city and rural banks *assumption*)."""
    branch_visit_days: float
    """Extra days for a secured loan's branch visit and mortgage registration (the simulated
    products' own rule ``days_until_needed >= 7`` in ``data/market/products.yaml``)."""


BEHAVIOUR = Behaviour(
    seconds_by_type={"boolean": 10.0, "category": 15.0, "number": 25.0},
    lookup_seconds_per_cost=90.0,
    consent_seconds=20.0,
    drop_per_question=0.01,
    drop_per_wait_day=0.02,
    give_up_after_rejection=0.25,
    max_lenders=5,
    refill_share=1.0,
    document_request_self_declared=0.5,
    document_request_verified=0.1,
    document_turnaround_days=2.0,
    auto_decision_share={
        "big_bank": 0.6,
        "joint_stock": 0.4,
        "city": 0.2,
        "rural": 0.1,
        "internet": 0.9,
        "fintech": 0.9,
    },
    manual_days={
        "big_bank": (3.0, 7.0),
        "joint_stock": (1.0, 2.0),
        "city": (2.0, 5.0),
        "rural": (3.0, 7.0),
        "internet": (0.0, 1.0),
        "fintech": (0.0, 1.0),
    },
    branch_visit_days=7.0,
)
AUTO_DECISION_SECONDS = 300.0
"""An automatic decision takes minutes (ref §1 #4: "auto-approved in minutes")."""


def question_seconds(feature: Feature, behaviour: Behaviour = BEHAVIOUR) -> float:
    """Seconds an owner spends on one question about ``feature``."""
    base = behaviour.seconds_by_type.get(feature.type, 20.0)
    return base + behaviour.lookup_seconds_per_cost * max(0.0, feature.ask_cost - 1.0)


def decision_days(
    style: str, kind: str, rng: np.random.Generator, behaviour: Behaviour = BEHAVIOUR
) -> float:
    """Days a lender of ``style`` takes to decide one application for a product of ``kind``."""
    extra = behaviour.branch_visit_days if kind == "secured" else 0.0
    if rng.random() < behaviour.auto_decision_share.get(style, 0.3):
        return AUTO_DECISION_SECONDS / 86_400.0 + extra
    lo, hi = behaviour.manual_days.get(style, (2.0, 5.0))
    return float(rng.uniform(lo, hi)) + extra


def assumptions(behaviour: Behaviour = BEHAVIOUR) -> dict[str, object]:
    """The behaviour model as plain data, printed beside every figure."""
    return {
        "seconds_by_type": dict(behaviour.seconds_by_type),
        "lookup_seconds_per_cost": behaviour.lookup_seconds_per_cost,
        "consent_seconds": behaviour.consent_seconds,
        "drop_per_question": behaviour.drop_per_question,
        "drop_per_wait_day": behaviour.drop_per_wait_day,
        "give_up_after_rejection": behaviour.give_up_after_rejection,
        "max_lenders": behaviour.max_lenders,
        "refill_share": behaviour.refill_share,
        "document_request_self_declared": behaviour.document_request_self_declared,
        "document_request_verified": behaviour.document_request_verified,
        "document_turnaround_days": behaviour.document_turnaround_days,
        "auto_decision_share": dict(behaviour.auto_decision_share),
        "manual_days": {k: list(v) for k, v in behaviour.manual_days.items()},
        "branch_visit_days": behaviour.branch_visit_days,
    }
