"""``loanmatch operator add / list / disable``: the platform's operators, who read the operator
console at ``/operator`` (issue 13). They are portal users of the lender ``platform`` with the
``operator`` role (:mod:`loanmatch.services.staff`); the password is asked as for lender staff.

Register in :mod:`loanmatch.cli.main` with ``app.add_typer(operator_app, name="operator")``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from loanmatch.cli.console import EXIT_BAD_INPUT, EXIT_CODES_HELP, reported_errors
from loanmatch.cli.lender_common import PasswordStdin, UrlOption, database_at, read_password
from loanmatch.storage.records import PLATFORM

__all__ = ["operator_app"]

operator_app = typer.Typer(
    name="operator",
    help="运营人员 · The platform's operators (the operator console's users).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

Username = Annotated[str, typer.Option(help="用户名 · 3-64 lower-case letters, digits, _.@-.")]


@operator_app.callback()
def _operator() -> None:
    """运营人员 · The platform's operators (the operator console's users)."""


@operator_app.command(
    "add",
    short_help="添加运营人员 · Add an operator.",
    help="添加运营控制台用户（密码用 argon2 哈希保存）· Add a user of the operator console "
    "(/operator); the password is asked twice at the prompt (or read from standard input) "
    "and stored only as an argon2id hash.",
    epilog=EXIT_CODES_HELP,
)
def add(
    username: Username,
    password_stdin: PasswordStdin = False,
    url: UrlOption = None,
) -> None:
    from loanmatch.services.staff import add_staff

    with reported_errors():
        password = read_password(password_stdin)
        with database_at(url) as database:
            user = add_staff(database.unit_of_work(), PLATFORM, username, password, "operator",
                             datetime.now(UTC))  # fmt: skip
    typer.echo(f"operator {user.username} added")


@operator_app.command(
    "list",
    short_help="列出运营人员 · List the operators.",
    help="列出运营人员 · List the operators: name, added, disabled.",
    epilog=EXIT_CODES_HELP,
)
def list_(url: UrlOption = None) -> None:
    with reported_errors(), database_at(url) as database, database.unit_of_work() as uow:
        users = list(uow.staff.for_lender(PLATFORM))
    for user in users:
        disabled = user.disabled_at.isoformat() if user.disabled_at else "-"
        typer.echo(f"{user.username}\t{user.created_at.isoformat()}\t{disabled}")


@operator_app.command(
    "disable",
    short_help="停用运营人员 · Disable an operator.",
    help="停用运营人员并结束其登录 · Disable an operator and end their sessions at once.",
    epilog=EXIT_CODES_HELP,
)
def disable(username: Username, url: UrlOption = None) -> None:
    from loanmatch.services.staff import disable_staff

    with reported_errors(), database_at(url) as database:
        try:
            disable_staff(database.unit_of_work(), PLATFORM, username, datetime.now(UTC))
        except KeyError:
            typer.echo(f"error: there is no operator {username!r}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
    typer.echo(f"operator {username} disabled; their sessions ended")
