"""Owners' identity checks over every store: a code opens one token, tries are counted, tokens
expire and sign out (services/identity.py on memory, SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from loanmatch.errors import AuthError, CreditCodeError, IdentityCodeError, InputError
from loanmatch.services.identity import (
    MAX_ATTEMPTS,
    Challenge,
    SimulatedCodeSender,
    authenticate_owner,
    owner_actor,
    sign_out,
    start_challenge,
    verify_code,
)
from tests.integration.storage.conftest import UowFactory

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
CODE = "91350100M000100Y43"  # GB 32100-2015's own example


def _challenge(
    uow_factory: UowFactory, owner: str = "13800000001", enterprise: str = CODE
) -> Challenge:
    return start_challenge(uow_factory(), SimulatedCodeSender(), owner, enterprise, NOW)


def test_the_right_code_opens_a_token_for_the_owner_and_enterprise(
    uow_factory: UowFactory,
) -> None:
    challenge = _challenge(uow_factory)
    assert challenge.shown_code is not None
    assert len(challenge.shown_code) == 6
    token, raw = verify_code(uow_factory(), challenge.id, challenge.shown_code, NOW, 30)
    assert raw.startswith("lmo_")
    assert token.secret_sha256 not in raw
    seen = authenticate_owner(uow_factory(), raw, NOW + timedelta(minutes=29))
    assert (seen.owner_id, seen.enterprise_id) == ("13800000001", CODE)
    assert owner_actor(seen) == f"owner:{token.id}"
    assert "13800000001" not in owner_actor(seen)


def test_the_code_is_stored_only_as_a_salted_digest(uow_factory: UowFactory) -> None:
    challenge = _challenge(uow_factory)
    with uow_factory() as uow:
        stored = uow.identity.get_challenge(challenge.id)
    assert stored is not None
    assert challenge.shown_code is not None
    assert challenge.shown_code not in stored.code_sha256


def test_a_wrong_code_counts_a_try_and_says_how_many_are_left(uow_factory: UowFactory) -> None:
    challenge = _challenge(uow_factory)
    wrong = "000000" if challenge.shown_code != "000000" else "111111"
    for left in range(MAX_ATTEMPTS - 1, -1, -1):
        with pytest.raises(IdentityCodeError) as raised:
            verify_code(uow_factory(), challenge.id, wrong, NOW, 30)
        assert (raised.value.rule, raised.value.attempts_left) == ("wrong", left)
        assert raised.value.to_dict()["code"] == "auth.code"
    assert challenge.shown_code is not None
    with pytest.raises(IdentityCodeError) as raised:
        verify_code(uow_factory(), challenge.id, challenge.shown_code, NOW, 30)
    assert raised.value.rule == "attempts"


def test_a_code_opens_one_token_and_expires(uow_factory: UowFactory) -> None:
    challenge = _challenge(uow_factory)
    assert challenge.shown_code is not None
    verify_code(uow_factory(), challenge.id, challenge.shown_code, NOW, 30)
    with pytest.raises(IdentityCodeError) as raised:
        verify_code(uow_factory(), challenge.id, challenge.shown_code, NOW, 30)
    assert raised.value.rule == "used"
    late = _challenge(uow_factory)
    assert late.shown_code is not None
    with pytest.raises(IdentityCodeError) as raised:
        verify_code(uow_factory(), late.id, late.shown_code, NOW + timedelta(minutes=6), 30)
    assert raised.value.rule == "expired"
    with pytest.raises(IdentityCodeError):
        verify_code(uow_factory(), "no-such-challenge", "123456", NOW, 30)


def test_a_token_expires_is_signed_out_and_cannot_be_forged(uow_factory: UowFactory) -> None:
    challenge = _challenge(uow_factory)
    assert challenge.shown_code is not None
    token, raw = verify_code(uow_factory(), challenge.id, challenge.shown_code, NOW, 30)
    with pytest.raises(AuthError, match="expired"):
        authenticate_owner(uow_factory(), raw, NOW + timedelta(minutes=30))
    forged = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    for bad in (forged, "lmo_nothing.here", "lmk_a.b", "", raw.replace("lmo_", "")):
        with pytest.raises(AuthError):
            authenticate_owner(uow_factory(), bad, NOW)
    sign_out(uow_factory(), token, NOW + timedelta(minutes=1))
    with pytest.raises(AuthError, match="signed out"):
        authenticate_owner(uow_factory(), raw, NOW + timedelta(minutes=2))


def test_bad_owner_ids_and_enterprise_codes_are_refused_before_anything_is_stored(
    uow_factory: UowFactory,
) -> None:
    for bad in ("", " ", "x" * 65, "a b", "<script>", "电话"):
        with pytest.raises(InputError, match="owner_id"):
            _challenge(uow_factory, owner=bad)
    with pytest.raises(CreditCodeError):
        _challenge(uow_factory, enterprise="91350100M000100Y4Z")


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_racing_right_guesses_open_exactly_one_token(
    backend: str, request: pytest.FixtureRequest
) -> None:
    database = request.getfixturevalue(f"{backend}_database")
    challenge = start_challenge(
        database.unit_of_work(), SimulatedCodeSender(), "13800000002", "", NOW
    )
    assert challenge.shown_code is not None
    code = challenge.shown_code

    def guess(_: int) -> str:
        try:
            verify_code(database.unit_of_work(), challenge.id, code, NOW, 30)
        except IdentityCodeError as error:
            return error.rule
        return "token"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(guess, range(20)))
    assert outcomes.count("token") == 1, outcomes
    assert set(outcomes) <= {"token", "used", "attempts"}
