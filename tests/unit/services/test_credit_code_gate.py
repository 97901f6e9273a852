"""The 统一社会信用代码 is checked before any pull: a typo is the owner's, never a source's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from loanmatch.errors import CreditCodeError
from loanmatch.services import intake
from tests.unit.services.conftest import CODE, World

SOURCES = ("registry", "tax", "bureau", "bank")
TYPO = CODE[:17] + "X"  # the check character of CODE is W


def test_a_mistyped_code_is_refused_at_start_and_nothing_is_stored(world: World) -> None:
    with pytest.raises(CreditCodeError) as caught:
        intake.start_session(world.uow(), world.ctx, "zh", TYPO, "O1")
    assert caught.value.text.zh.startswith("统一社会信用代码校验位不符：第18位应为W")
    assert TYPO in caught.value.text.zh
    assert caught.value.to_dict()["where"] == {"setting": "enterprise_id"}
    assert world.store.sessions == {}
    assert world.store.audit == []


def test_a_code_typed_with_spaces_and_in_lower_case_is_kept_normalised(world: World) -> None:
    typed = f" {CODE[:6].lower()} {CODE[6:]} "
    view = intake.start_session(world.uow(), world.ctx, "zh", typed, "O1")
    assert world.store.sessions[view.session_id].enterprise_id == CODE


def test_a_blank_code_still_starts_a_session(world: World) -> None:
    view = intake.start_session(world.uow(), world.ctx, "zh", "", "O1")
    assert view.stage == "consent"


def test_a_stored_session_with_a_bad_code_is_refused_at_consent_before_any_source_is_called(
    world: World,
) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    stored = world.store.sessions[session]
    world.store.sessions[session] = replace(stored, enterprise_id=TYPO)  # kept before the check
    with pytest.raises(CreditCodeError):
        intake.grant_consent(world.uow(), world.ctx, session, SOURCES)
    assert all(connector.calls == [] for connector in world.connectors.values())
    assert world.store.consents == []
    assert not any(n.code == "source_malformed" for n in world.store.sessions[session].notices)


def test_declining_every_source_needs_no_valid_code(world: World) -> None:
    session = intake.start_session(world.uow(), world.ctx, "zh", CODE, "O1").session_id
    stored = world.store.sessions[session]
    world.store.sessions[session] = replace(stored, enterprise_id=TYPO)
    view = intake.grant_consent(world.uow(), world.ctx, session, [])
    assert view.stage == "asking"
