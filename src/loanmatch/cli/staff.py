"""``loanmatch lender staff-add / staff-list / staff-disable``: lenders' portal users (issue 12).

:func:`register` adds the commands to the ``lender`` group (:mod:`loanmatch.cli.lender`).
A password is never an option (it would stay in the shell's history and the process list):
it is asked at the prompt, twice and hidden, or read from standard input with
``--password-stdin`` (for scripts).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from loanmatch.cli.console import EXIT_BAD_INPUT, EXIT_CODES_HELP, reported_errors
from loanmatch.cli.lender_common import (
    PasswordStdin,
    UrlOption,
    database_at,
    known_lender,
    read_password,
)

__all__ = ["register"]

Lender = Annotated[str, typer.Option(help="机构 · The lender's id (as in products.yaml).")]


def staff_add(
    lender: Lender,
    username: Annotated[str, typer.Option(help="用户名 · 3-64 lower-case letters, digits, _.@-.")],
    role: Annotated[
        str, typer.Option(help="角色 · officer (inbox, decisions) or manager (also products).")
    ] = "officer",
    password_stdin: PasswordStdin = False,
    url: UrlOption = None,
) -> None:
    from loanmatch.services.staff import add_staff

    with reported_errors():
        known_lender(lender)
        password = read_password(password_stdin)
        with database_at(url) as database:
            user = add_staff(
                database.unit_of_work(), lender, username, password, role, datetime.now(UTC)
            )
    typer.echo(f"portal user {user.username} ({user.role}) of {lender} added")


def staff_list(lender: Lender, url: UrlOption = None) -> None:
    with reported_errors(), database_at(url) as database, database.unit_of_work() as uow:
        users = list(uow.staff.for_lender(lender))
    for user in users:
        disabled = user.disabled_at.isoformat() if user.disabled_at else "-"
        typer.echo(f"{user.username}\t{user.role}\t{user.created_at.isoformat()}\t{disabled}")


def staff_disable(
    lender: Lender,
    username: Annotated[str, typer.Option(help="用户名 · The user to disable.")],
    url: UrlOption = None,
) -> None:
    from loanmatch.services.staff import disable_staff

    with reported_errors(), database_at(url) as database:
        try:
            disable_staff(database.unit_of_work(), lender, username, datetime.now(UTC))
        except KeyError:
            typer.echo(f"error: lender {lender!r} has no portal user {username!r}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
    typer.echo(f"portal user {username} of {lender} disabled; their sessions ended")


def register(group: typer.Typer) -> None:
    """Add the staff commands to ``group`` (the ``lender`` group)."""
    group.command(
        "staff-add",
        short_help="添加门户用户 · Add a portal user to a lender.",
        help="为机构添加门户用户（密码用 argon2 哈希保存）· Add a lender portal user; the "
        "password is asked twice at the prompt (or read from standard input) and stored "
        "only as an argon2id hash.",
        epilog=EXIT_CODES_HELP,
    )(staff_add)
    group.command(
        "staff-list",
        short_help="列出门户用户 · List a lender's portal users.",
        help="列出机构的门户用户 · List a lender's portal users: name, role, added, disabled.",
        epilog=EXIT_CODES_HELP,
    )(staff_list)
    group.command(
        "staff-disable",
        short_help="停用门户用户 · Disable a portal user.",
        help="停用门户用户并结束其登录 · Disable a portal user and end their sessions at once.",
        epilog=EXIT_CODES_HELP,
    )(staff_disable)
