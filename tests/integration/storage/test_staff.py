"""Lenders' portal users over every store (memory, SQLite, PostgreSQL): a user name is taken
once even by racing adds, sign-in works on the stored hash, sign-out and disabling end sessions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from loanmatch.errors import AuthError, InputError
from loanmatch.services.staff import (
    add_staff,
    authenticate_staff,
    disable_staff,
    sign_in,
    sign_out,
)
from tests.integration.storage.conftest import UowFactory

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
PASSWORD = "a long portal password"


def test_a_user_signs_in_on_the_stored_hash_and_signs_out(uow_factory: UowFactory) -> None:
    add_staff(uow_factory(), "bank_a", "alice", PASSWORD, "manager", NOW)
    session, raw = sign_in(uow_factory(), "alice", PASSWORD, NOW, 30)
    assert authenticate_staff(uow_factory(), raw, NOW).role == "manager"
    with uow_factory() as uow:
        assert [u.username for u in uow.staff.for_lender("bank_a")] == ["alice"]
        assert uow.staff.for_lender("bank_b") == []
    sign_out(uow_factory(), session, NOW)
    with pytest.raises(AuthError):
        authenticate_staff(uow_factory(), raw, NOW)


def test_disabling_a_user_ends_every_session_of_theirs(uow_factory: UowFactory) -> None:
    add_staff(uow_factory(), "bank_a", "alice", PASSWORD, "officer", NOW)
    raws = [sign_in(uow_factory(), "alice", PASSWORD, NOW, 30)[1] for _ in range(2)]
    disable_staff(uow_factory(), "bank_a", "alice", NOW)
    for raw in raws:
        with pytest.raises(AuthError):
            authenticate_staff(uow_factory(), raw, NOW)
    with pytest.raises(KeyError):
        disable_staff(uow_factory(), "bank_b", "alice", NOW)


def test_racing_adds_of_one_user_name_make_one_user(uow_factory: UowFactory) -> None:
    def add(k: int) -> str:
        try:
            add_staff(uow_factory(), f"bank_{k % 2}", "bob", PASSWORD, "officer", NOW)
        except InputError:
            return "taken"
        except ValueError:  # the memory fake is for one caller at a time
            return "taken"
        return "added"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(add, range(8)))
    with uow_factory() as uow:
        users = [*uow.staff.for_lender("bank_0"), *uow.staff.for_lender("bank_1")]
    assert len(users) == 1
    assert outcomes.count("added") >= 1
