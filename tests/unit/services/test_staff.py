"""Lenders' portal users: argon2-hashed passwords, sessions that end, refusals that tell
nothing about which user names exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loanmatch.errors import AuthError, ForbiddenError, InputError
from loanmatch.services import staff
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def _store_with_alice() -> MemoryStore:
    store = MemoryStore()
    staff.add_staff(MemoryUnitOfWork(store), "bank_a", "Alice", PASSWORD, "officer", AT)
    return store


def test_a_password_is_stored_only_as_an_argon2id_hash() -> None:
    store = _store_with_alice()
    (user,) = store.staff.values()
    assert user.username == "alice"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_the_right_password_opens_a_session_whose_token_authenticates() -> None:
    store = _store_with_alice()
    session, raw = staff.sign_in(MemoryUnitOfWork(store), "ALICE", PASSWORD, AT, 60)
    assert raw.startswith(staff.PREFIX)
    assert session.secret_sha256 not in raw
    found = staff.authenticate_staff(MemoryUnitOfWork(store), raw, AT + timedelta(minutes=5))
    assert (found.lender_id, found.role) == ("bank_a", "officer")
    assert store.audit[-1].actor == f"staff:bank_a/{session.staff_id}"


@pytest.mark.parametrize(
    ("username", "password"), [("alice", "wrong password!"), ("bob", PASSWORD)]
)
def test_a_wrong_password_and_an_unknown_user_get_the_same_refusal(
    username: str, password: str
) -> None:
    store = _store_with_alice()
    with pytest.raises(AuthError) as refused:
        staff.sign_in(MemoryUnitOfWork(store), username, password, AT, 60)
    assert refused.value.message == "wrong user name or password"


def test_a_session_ends_when_it_expires_when_signed_out_and_when_the_user_is_disabled() -> None:
    store = _store_with_alice()
    first, raw1 = staff.sign_in(MemoryUnitOfWork(store), "alice", PASSWORD, AT, 60)
    with pytest.raises(AuthError):
        staff.authenticate_staff(MemoryUnitOfWork(store), raw1, AT + timedelta(minutes=61))
    staff.sign_out(MemoryUnitOfWork(store), first, AT)
    with pytest.raises(AuthError):
        staff.authenticate_staff(MemoryUnitOfWork(store), raw1, AT)
    _, raw2 = staff.sign_in(MemoryUnitOfWork(store), "alice", PASSWORD, AT, 60)
    staff.disable_staff(MemoryUnitOfWork(store), "bank_a", "alice", AT)
    with pytest.raises(AuthError):
        staff.authenticate_staff(MemoryUnitOfWork(store), raw2, AT)
    with pytest.raises(AuthError):
        staff.sign_in(MemoryUnitOfWork(store), "alice", PASSWORD, AT, 60)


def test_a_tampered_token_is_refused() -> None:
    store = _store_with_alice()
    _, raw = staff.sign_in(MemoryUnitOfWork(store), "alice", PASSWORD, AT, 60)
    for bad in (raw[:-2] + "xx", raw.replace(staff.PREFIX, "lmk_"), "lms_", ""):
        with pytest.raises(AuthError):
            staff.authenticate_staff(MemoryUnitOfWork(store), bad, AT)


@pytest.mark.parametrize(
    ("username", "password", "role", "field"),
    [("alice", "short", "officer", "password"),
     ("alice", "aaaaaaaaaaaaaaaa", "officer", "password"),
     ("a", PASSWORD, "officer", "username"), ("Bad Name!", PASSWORD, "officer", "username"),
     ("carol", PASSWORD, "boss", "role")],
)  # fmt: skip
def test_a_bad_user_is_refused_naming_the_field(
    username: str, password: str, role: str, field: str
) -> None:
    with pytest.raises(InputError) as refused:
        staff.add_staff(MemoryUnitOfWork(), "bank_a", username, password, role, AT)
    assert refused.value.where.setting == field


def test_a_user_name_is_taken_once_across_lenders() -> None:
    store = _store_with_alice()
    with pytest.raises(InputError, match="taken"):
        staff.add_staff(MemoryUnitOfWork(store), "bank_b", "alice", PASSWORD, "officer", AT)


def test_an_officer_lacks_the_manager_role_and_a_manager_has_every_role() -> None:
    store = _store_with_alice()
    staff.add_staff(MemoryUnitOfWork(store), "bank_a", "mia", PASSWORD, "manager", AT)
    officer, _ = staff.sign_in(MemoryUnitOfWork(store), "alice", PASSWORD, AT, 60)
    manager, _ = staff.sign_in(MemoryUnitOfWork(store), "mia", PASSWORD, AT, 60)
    with pytest.raises(ForbiddenError):
        staff.require_role(officer, "manager")
    staff.require_role(manager, "officer")
    staff.require_role(manager, "manager")


def test_the_demo_accounts_are_managers_whose_password_is_replaced_at_each_start() -> None:
    store = MemoryStore()
    names = staff.demo_accounts(MemoryUnitOfWork(store), ["ccb", "bank_a"], PASSWORD, AT)
    assert names == ["demo.ccb", "demo.bank_a"]
    staff.sign_in(MemoryUnitOfWork(store), "demo.ccb", PASSWORD, AT, 60)
    staff.demo_accounts(MemoryUnitOfWork(store), ["ccb"], "another long password", AT)
    with pytest.raises(AuthError):
        staff.sign_in(MemoryUnitOfWork(store), "demo.ccb", PASSWORD, AT, 60)
    session, _ = staff.sign_in(MemoryUnitOfWork(store), "demo.ccb", "another long password", AT, 60)
    assert (session.lender_id, session.role) == ("ccb", "manager")
