"""``loanmatch lender key-add / key-list / key-revoke``: a key is shown once, stored hashed,
listed without its secret and refused once revoked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loanmatch.errors import AuthError, InputError
from loanmatch.services.lender_keys import authenticate
from loanmatch.storage.database import Database
from tests.conftest import TrainedMarket


def test_a_lender_key_is_issued_listed_and_revoked(
    trained_market: TrainedMarket,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_settings: None,
) -> None:
    from loanmatch.cli.lender import lender_app
    from loanmatch.model.directory import load_model

    url = f"sqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.setenv("LOANMATCH_DATABASE_URL", url)
    monkeypatch.setenv("LOANMATCH_MODEL_DIR", str(trained_market.model_dir))
    lender = load_model(trained_market.model_dir).market.lenders[0]
    issued = CliRunner().invoke(lender_app, ["key-add", "--lender", lender])
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip().splitlines()[-1]
    key_id = token.removeprefix("lmk_").split(".")[0]
    listed = CliRunner().invoke(lender_app, ["key-list", "--lender", lender])
    assert key_id in listed.output
    assert token.split(".")[1] not in listed.output, "the secret is never shown again"
    database = Database(url)
    now = datetime.now(UTC)
    assert authenticate(database.unit_of_work(), token, now, "applications:decide").id == key_id
    assert authenticate(database.unit_of_work(), token, now, "products:write").id == key_id
    revoked = CliRunner().invoke(lender_app, ["key-revoke", "--lender", lender, "--key", key_id])
    assert revoked.exit_code == 0, revoked.output
    with pytest.raises(AuthError):
        authenticate(database.unit_of_work(), token, datetime.now(UTC), "applications:read")
    database.dispose()
    unknown = CliRunner().invoke(lender_app, ["key-add", "--lender", "no_such_bank"])
    assert unknown.exit_code == 2
    assert "no lender 'no_such_bank'" in unknown.output


def test_a_portal_user_is_added_with_a_password_from_stdin_listed_and_disabled(
    trained_market: TrainedMarket,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_settings: None,
) -> None:
    from loanmatch.cli.lender import lender_app
    from loanmatch.model.directory import load_model
    from loanmatch.services.staff import sign_in

    url = f"sqlite:///{tmp_path / 'staff.db'}"
    monkeypatch.setenv("LOANMATCH_DATABASE_URL", url)
    monkeypatch.setenv("LOANMATCH_MODEL_DIR", str(trained_market.model_dir))
    lender = load_model(trained_market.model_dir).market.lenders[0]
    password = "a long portal password"
    add = ["staff-add", "--lender", lender, "--username", "alice", "--role", "manager",
           "--password-stdin"]  # fmt: skip
    added = CliRunner().invoke(lender_app, add, input=f"{password}\n")
    assert added.exit_code == 0, added.output
    assert password not in added.output
    short = CliRunner().invoke(lender_app, [*add[:4], "bob", "--password-stdin"], input="short\n")
    assert short.exit_code == 2
    assert "password" in short.output
    listed = CliRunner().invoke(lender_app, ["staff-list", "--lender", lender])
    assert listed.output.startswith("alice\tmanager\t")
    database = Database(url)
    sign_in(database.unit_of_work(), "alice", password, datetime.now(UTC), 30)
    gone = CliRunner().invoke(
        lender_app, ["staff-disable", "--lender", lender, "--username", "alice"]
    )
    assert gone.exit_code == 0, gone.output
    with pytest.raises(AuthError):
        sign_in(database.unit_of_work(), "alice", password, datetime.now(UTC), 30)
    database.dispose()


def test_an_operator_is_added_listed_and_disabled_and_cannot_be_a_lenders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    from loanmatch.cli.operator import operator_app
    from loanmatch.services.staff import add_staff
    from loanmatch.storage.records import PLATFORM

    url = f"sqlite:///{tmp_path / 'ops.db'}"
    monkeypatch.setenv("LOANMATCH_DATABASE_URL", url)
    password = "a long operator password"
    added = CliRunner().invoke(operator_app, ["add", "--username", "ops", "--password-stdin"],
                               input=f"{password}\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert CliRunner().invoke(operator_app, ["list"]).output.startswith("ops\t")
    database = Database(url)
    with pytest.raises(InputError):
        add_staff(database.unit_of_work(), "bank_a", "x.ops", password, "operator",
                  datetime.now(UTC))  # fmt: skip
    with pytest.raises(InputError):
        add_staff(database.unit_of_work(), PLATFORM, "y.ops", password, "manager",
                  datetime.now(UTC))  # fmt: skip
    database.dispose()
    gone = CliRunner().invoke(operator_app, ["disable", "--username", "ops"])
    assert gone.exit_code == 0, gone.output
    unknown = CliRunner().invoke(operator_app, ["disable", "--username", "nobody"])
    assert unknown.exit_code == 2
