"""Databases for storage tests: a migrated SQLite file, or the run's PostgreSQL database
(``postgres_database`` in tests/integration/conftest.py), emptied after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from loanmatch.storage.database import Database
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork
from loanmatch.storage.unit_of_work import UnitOfWork

UowFactory = Callable[[], UnitOfWork]


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'db' / 'loanmatch.db'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest) -> UowFactory:
    """Units of work sharing one store: in memory, on a SQLite file, or on PostgreSQL."""
    if request.param == "memory":
        store = MemoryStore()
        return lambda: MemoryUnitOfWork(store)
    database: Database = request.getfixturevalue(f"{request.param}_database")
    return database.unit_of_work
