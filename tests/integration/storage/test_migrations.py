"""The shipped migrations build the schema from empty, on SQLite and on PostgreSQL, and the
schema they build is the one the ORM tables describe."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from loanmatch.storage.database import Database, alembic_config, current_revision, head_revision
from loanmatch.storage.orm import Base
from loanmatch.storage.records import AuditEntry

TABLES = {
    "intake_sessions", "consents", "audit_log", "intake_events", "alembic_version",
    "applications", "data_releases", "lender_keys", "lender_webhooks", "outbox",
    "product_capacity", "product_versions",
}  # fmt: skip


def _migrated_from_empty(database: Database) -> None:
    assert current_revision(database.engine) is None
    assert database.upgrade() == head_revision()
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert database.upgrade() == head_revision(), "upgrading twice changes nothing"


def _append_only(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.audit.append(AuditEntry(at=datetime.now(UTC), actor="a", action="b", subject="c"))
        uow.commit()
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), database.engine.begin() as c:
            c.execute(text(statement))
    with database.unit_of_work() as uow:
        assert [e.actor for e in uow.audit.entries()] == ["a"]


def test_migrations_build_the_orm_schema_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'new' / 'dir' / 'loanmatch.db'}")
    try:
        _migrated_from_empty(database)
    finally:
        database.dispose()


@pytest.mark.postgres
def test_migrations_build_the_orm_schema_on_an_empty_postgres_database(
    postgres_server: str,
) -> None:
    database = Database(postgres_server)
    try:
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        _migrated_from_empty(database)
    finally:
        database.dispose()


def test_the_audit_log_refuses_updates_and_deletes_in_sqlite(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'loanmatch.db'}")
    try:
        database.upgrade()
        _append_only(database)
    finally:
        database.dispose()


@pytest.mark.postgres
def test_the_audit_log_refuses_updates_and_deletes_in_postgres(
    postgres_database: Database,
) -> None:
    _append_only(postgres_database)


def test_migrations_go_down_to_empty_and_up_again(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'loanmatch.db'}")
    try:
        database.upgrade()
        config = alembic_config()
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
        assert database.upgrade() == head_revision()
    finally:
        database.dispose()


def test_a_new_sqlite_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'private' / 'loanmatch.db'}")
    try:
        database.upgrade()
        mode = (tmp_path / "private" / "loanmatch.db").stat().st_mode & 0o777
        assert mode == 0o600, oct(mode)
        assert (tmp_path / "private").stat().st_mode & 0o777 == 0o700
    finally:
        database.dispose()
