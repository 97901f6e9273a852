"""Fixtures shared by integration tests: a PostgreSQL database made for this test run.

PostgreSQL is found at ``LOANMATCH_TEST_POSTGRES_URL`` (default: user postgres on 127.0.0.1:5432,
database ``test``). Where it is unreachable, tests that need it (marked ``postgres``) are skipped
with a message on a user's machine, and FAIL when the ``CI`` environment variable is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from loanmatch.storage.database import Database, normalise_url

POSTGRES_URL = os.environ.get(
    "LOANMATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a database made for this test run (dropped at the end)."""
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        admin.dispose()
        message = (
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({error.orig}); start it or set "
            "LOANMATCH_TEST_POSTGRES_URL"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message} — CI is set, so this is a failure, not a skip")
        pytest.skip(message)
    name = f"loanmatch_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield normalise_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_database(postgres_server: str) -> Iterator[Database]:
    """A migrated, empty PostgreSQL database (tables emptied after the test)."""
    database = Database(postgres_server)
    database.upgrade()
    yield database
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "TRUNCATE product_capacity, outbox, lender_webhooks, data_releases, applications, "
                "lender_keys, consents, intake_sessions, audit_log, intake_events, "
                "identity_challenges, owner_tokens, staff_sessions, staff_users, "
                "product_versions, jobs, model_versions, lender_holds, lender_floors, "
                "lender_drift RESTART IDENTITY"
            )
        )
    database.dispose()


REDIS_URL = os.environ.get("LOANMATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis server for shared rate-limit windows; skipped where there is none, a failure
    under ``CI`` (as PostgreSQL is)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at {REDIS_URL} ({error}); start it or set " \
            "LOANMATCH_TEST_REDIS_URL"  # fmt: skip
        if os.environ.get("CI"):
            pytest.fail(f"{message} — CI is set, so this is a failure, not a skip")
        pytest.skip(message)
    return REDIS_URL
