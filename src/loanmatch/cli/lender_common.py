"""What the ``loanmatch lender`` and ``loanmatch operator`` commands share: the database option,
the lender check and reading a new password."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from loanmatch.cli.console import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from loanmatch.storage.database import Database

__all__ = ["PasswordStdin", "UrlOption", "database_at", "known_lender", "read_password"]

UrlOption = Annotated[
    str | None, typer.Option(help="数据库地址 · Database URL (default: the setting database_url).")
]


PasswordStdin = Annotated[
    bool, typer.Option(help="从标准输入读密码 · Read the password from standard input.")
]


def read_password(from_stdin: bool) -> str:
    """A new password: the first line of standard input, or asked twice at a hidden prompt
    (never an option: it would stay in the shell's history and the process list)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("密码 · Password", hide_input=True, confirmation_prompt=True))


@contextmanager
def database_at(url: str | None) -> Iterator[Database]:
    """The settings' database (or ``url``), migrated, closed at the end."""
    from loanmatch.bootstrap import compose

    database = compose(database_url=url).database()
    try:
        yield database
    finally:
        database.dispose()


def known_lender(lender: str) -> None:
    """Nothing when ``lender`` is a lender of the served market; else exit 2 naming them."""
    from loanmatch.bootstrap import compose

    lenders = compose().bundle().market.lenders
    if lender not in lenders:
        typer.echo(
            f"error: no lender {lender!r} in the served market; lenders: {', '.join(lenders)}",
            err=True,
        )
        raise typer.Exit(EXIT_BAD_INPUT)
