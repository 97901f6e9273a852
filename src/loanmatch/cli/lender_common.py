"""What the ``loanmatch lender`` commands share: the database option and two checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from loanmatch.cli.console import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from loanmatch.storage.database import Database

__all__ = ["UrlOption", "database_at", "known_lender"]

UrlOption = Annotated[
    str | None, typer.Option(help="数据库地址 · Database URL (default: the setting database_url).")
]


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
