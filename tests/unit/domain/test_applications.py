"""The application state machine: every allowed step, and every refused one names its rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanmatch.domain.applications import (
    TRANSITIONS,
    Action,
    Application,
    Decision,
    Role,
    Status,
    transition,
)
from loanmatch.errors import DecisionTermsError, TransitionError

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
APPROVAL = Decision(amount_yuan=500_000, annual_rate=0.045, term_months=12,
                    repayment_method="equal_instalment")  # fmt: skip
DECLINE = Decision(reasons=("revenue",))
DOCS = Decision(documents=("近6个月银行流水",))
GOOD: dict[Action, Decision] = {
    "approve": APPROVAL, "decline": DECLINE, "request_documents": DOCS,
    "provide_documents": Decision(), "withdraw": Decision(), "disburse": Decision(),
}  # fmt: skip


def fresh() -> Application:
    return Application("a1", "s1", "p1", "bank_a", AT)


def act(app: Application, action: Action) -> Application:
    role = TRANSITIONS[action][0]
    return transition(app, action, role, f"{role}:x", AT, GOOD[action])


def test_an_approval_carries_its_terms_and_is_kept_after_disbursement() -> None:
    app = act(act(fresh(), "approve"), "disburse")
    assert app.status is Status.DISBURSED
    assert app.final
    assert app.approval == APPROVAL
    assert [s.action for s in app.history] == ["approve", "disburse"]
    assert app.history[0].actor == "lender:x"


def test_documents_asked_for_and_provided_return_the_application_to_review() -> None:
    app = act(act(fresh(), "request_documents"), "provide_documents")
    assert app.status is Status.SUBMITTED
    assert act(app, "decline").status is Status.DECLINED


def test_deciding_twice_is_refused_with_the_state_rule() -> None:
    approved = act(fresh(), "approve")
    with pytest.raises(TransitionError) as caught:
        act(approved, "decline")
    assert caught.value.to_dict()["rule"] == "application.transition.state"
    assert caught.value.to_dict()["current"] == "approved"
    assert caught.value.status == 409


def test_a_withdrawn_application_can_never_be_approved() -> None:
    withdrawn = act(fresh(), "withdraw")
    with pytest.raises(TransitionError, match="withdrawn"):
        act(withdrawn, "approve")


def test_an_owner_cannot_approve_and_a_lender_cannot_withdraw() -> None:
    with pytest.raises(TransitionError) as caught:
        transition(fresh(), "approve", "owner", "owner", AT, APPROVAL)
    assert caught.value.rule == "application.transition.role"
    with pytest.raises(TransitionError):
        transition(fresh(), "withdraw", "lender", "lender:x", AT)


@pytest.mark.parametrize(
    ("decision", "field"),
    [
        (replace(APPROVAL, amount_yuan=None), "amount_yuan"),
        (replace(APPROVAL, annual_rate=4.5), "annual_rate"),
        (replace(APPROVAL, term_months=0), "term_months"),
        (replace(APPROVAL, repayment_method="monthly"), "repayment_method"),
    ],
)  # fmt: skip
def test_an_approval_without_valid_terms_names_the_missing_term(
    decision: Decision, field: str
) -> None:
    with pytest.raises(DecisionTermsError) as caught:
        transition(fresh(), "approve", "lender", "lender:x", AT, decision)
    assert caught.value.where.setting == field
    assert caught.value.status == 422


def test_a_decline_needs_a_standard_reason() -> None:
    with pytest.raises(DecisionTermsError, match="reason"):
        transition(fresh(), "decline", "lender", "lender:x", AT, Decision(reasons=("vibes",)))
    with pytest.raises(DecisionTermsError):
        transition(fresh(), "decline", "lender", "lender:x", AT, Decision())


ACTIONS: list[Action] = list(TRANSITIONS)
ROLES: list[Role] = ["owner", "lender"]


@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ROLES)), max_size=12))
def test_any_sequence_of_steps_follows_the_table_and_never_leaves_a_final_state(
    steps: list[tuple[Action, Role]],
) -> None:
    app = fresh()
    for action, role in steps:
        before = app.status
        try:
            app = transition(app, action, role, role, AT, GOOD[action])
        except TransitionError:
            who, sources, _ = TRANSITIONS[action]
            assert role != who or before not in sources
            continue
        assert before not in {Status.DECLINED, Status.WITHDRAWN, Status.DISBURSED}
        assert app.status is TRANSITIONS[action][2]
    assert len(app.history) <= len(steps)
