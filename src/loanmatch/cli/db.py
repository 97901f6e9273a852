"""``loanmatch db``: the database of intake sessions, consents and the audit log.

Register in :mod:`loanmatch.cli.main` with ``app.add_typer(db_app, name="db")``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from loanmatch.cli.console import EXIT_BAD_INPUT, EXIT_CODES_HELP, reported_errors

__all__ = ["db_app"]

db_app = typer.Typer(
    name="db",
    help="数据库 · The database (SQLite file by default, PostgreSQL in production).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@db_app.callback()
def _db() -> None:
    """数据库 · The database (SQLite file by default, PostgreSQL in production)."""


@db_app.command(
    short_help="升级数据库结构 · Migrate the database to the latest schema.",
    help="把数据库升级到最新结构（可重复执行）· Create or migrate the database named by "
    "LOANMATCH_DATABASE_URL (default sqlite:///./var/loanmatch.db) to the latest schema; "
    "running it again changes nothing.",
    epilog=EXIT_CODES_HELP,
)
def upgrade(
    url: Annotated[
        str | None,
        typer.Option(help="数据库地址 · Database URL (default: the setting database_url)."),
    ] = None,
    revision: Annotated[str, typer.Option(help="目标版本 · Target revision.")] = "head",
) -> None:
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from loanmatch.bootstrap import compose
    from loanmatch.storage.database import Database, head_revision

    target = compose(database_url=url).database_url
    with reported_errors():
        try:
            database = Database(target)
        except ArgumentError as error:
            typer.echo(f"error: not a database URL: {error}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        try:
            reached = database.upgrade(revision)
        except SQLAlchemyError as error:
            typer.echo(f"error: {type(error).__name__}: {error.args[0] if error.args else ''}",
                       err=True)  # fmt: skip
            raise typer.Exit(1) from None
        finally:
            database.dispose()
    shown = database.url.render_as_string(hide_password=True)
    typer.echo(f"database {shown} is at revision {reached} (latest {head_revision()})")


@db_app.command(
    short_help="按保留期限清理数据 · Apply the retention periods now.",
    help="按保留期限清理：过期授权的数据、长期未动的会话、用过的凭证 · Remove the values of "
    "expired consents, erase sessions untouched for retention_session_days, delete codes, "
    "tokens and portal sessions ended retention_credential_days ago (docs/applications.md, "
    "Retention). Run it daily, e.g. from cron.",
    epilog=EXIT_CODES_HELP,
)
def purge(
    url: Annotated[
        str | None,
        typer.Option(help="数据库地址 · Database URL (default: the setting database_url)."),
    ] = None,
) -> None:
    from loanmatch.bootstrap import compose, retention_from
    from loanmatch.services.retention import purge as purge_now

    root = compose(database_url=url)
    with reported_errors():
        database = root.database()
        try:
            context = root.intake_context(root.bundle(), flaky_sources=False)
            report = purge_now(
                database.unit_of_work,
                context,
                retention_from(root.settings),
                lambda step, done: typer.echo(f"{step}: {done}", err=True),
            )
        finally:
            database.dispose()
    typer.echo(
        f"values of lapsed consents removed from {report.lapsed_sources} session source(s); "
        f"{report.erased_sessions} idle session(s) erased; {report.credentials} spent "
        "credential(s) deleted"
    )
