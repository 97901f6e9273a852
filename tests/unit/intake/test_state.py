"""The intake state keeps every fact's origin, never lets a connector overwrite the owner, and
survives a JSON round trip (so a session can be stored and resumed)."""

from __future__ import annotations

import json

from loanmatch.intake.state import Fact, IntakeState


def test_a_connector_never_overwrites_what_the_owner_typed() -> None:
    state = IntakeState()
    state.record("annual_revenue", 900_000.0)
    state.prefill("tax", {"annual_revenue": 1_000_000.0, "tax_grade": "B"})
    assert state.facts["annual_revenue"] == Fact(900_000.0, "asked")
    assert state.facts["tax_grade"] == Fact("B", "connector", "tax")


def test_typing_over_a_known_value_is_a_correction_that_keeps_the_source() -> None:
    state = IntakeState()
    state.prefill("registry", {"employees": 3.0})
    state.record("employees", 5.0)
    assert state.facts["employees"] == Fact(5.0, "corrected", "registry")
    assert state.questions_typed == 1


def test_dont_know_settles_a_feature_without_a_value() -> None:
    state = IntakeState()
    state.record("bills_receivable", None)
    assert state.is_settled("bills_receivable")
    assert "bills_receivable" not in state.known()
    state.forget("bills_receivable")
    assert not state.is_settled("bills_receivable")


def test_the_state_survives_a_json_round_trip() -> None:
    state = IntakeState(enterprise_id="E1", owner_id="O1")
    state.prefill("tax", {"tax_grade": "A", "annual_revenue": 2e6})
    state.source_failed("bank", "timeout")
    state.note_asked("loan_amount")
    state.record("loan_amount", 300_000.0)
    state.record("owns_property", True)
    state.record("bills_receivable", None)
    again = IntakeState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state
