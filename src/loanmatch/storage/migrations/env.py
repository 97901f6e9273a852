"""Alembic's entry point: runs the migrations on the connection handed in by
:meth:`loanmatch.storage.database.Database.upgrade` (or on ``sqlalchemy.url`` when run by hand)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from loanmatch.storage.orm import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        raise SystemExit("loanmatch migrations run online only (loanmatch db upgrade)")
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database: set sqlalchemy.url or use loanmatch db upgrade")
    from loanmatch.storage.database import normalise_url

    engine = create_engine(normalise_url(url), poolclass=NullPool)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()


_main()
