"""Connecting to the database named by ``Settings.database_url`` and migrating it.

SQLite (the default, a file under ``data_dir``, created readable by its owner only) and
PostgreSQL use the same code and the same migrations. A ``postgresql://`` URL is served by
psycopg 3. :func:`upgrade` runs the Alembic migrations shipped in
:mod:`loanmatch.storage.migrations`, configured in code (no alembic.ini): ``loanmatch db
upgrade`` and the web app's start-up both call it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from loanmatch.storage.sql import SqlUnitOfWork

__all__ = ["Database", "alembic_config", "current_revision", "head_revision", "normalise_url"]

SCRIPT_LOCATION = "loanmatch.storage:migrations"


def normalise_url(url: str | URL) -> URL:
    """The URL with the driver loanmatch installs: ``postgresql://`` -> ``postgresql+psycopg://``."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600; a new directory 0700): it
    holds owners' answers and ids. An existing file keeps its mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class Database:
    """An engine and a session factory for one URL; :meth:`unit_of_work` per use case."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.url.get_backend_name() == "sqlite":
            database = self.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                _private_file(Path(database).expanduser())
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine = create_engine(self.url, **kwargs)
        if self.url.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_foreign_keys)
        self.session_factory: sessionmaker[Session] = sessionmaker(
            self.engine, expire_on_commit=False
        )

    def upgrade(self, revision: str = "head") -> str | None:
        """Migrate the schema to ``revision``; returns the revision the database is now at."""
        config = alembic_config()
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        return current_revision(self.engine)

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.session_factory)

    def dispose(self) -> None:
        self.engine.dispose()
