"""Applications, the data-release ledger (append-only) and lender API keys (issue 12).

Revision ID: 0002_applications
Revises: 0001_intake
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_applications"
down_revision: str | None = "0001_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("lender_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("submitted_at", _WHEN, nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["intake_sessions.id"],
            name="fk_applications_session_id_intake_sessions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_applications"),
        sa.UniqueConstraint("session_id", "product_id", name="uq_applications_session_product"),
    )
    op.create_index("ix_applications_lender_id", "applications", ["lender_id"])
    op.create_table(
        "data_releases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("lender_id", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("consents", sa.JSON(), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name="fk_data_releases_application_id_applications",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_data_releases"),
    )
    op.create_index("ix_data_releases_session_id", "data_releases", ["session_id"])
    op.create_table(
        "lender_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("lender_id", sa.String(64), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("revoked_at", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lender_keys"),
    )
    op.create_index("ix_lender_keys_lender_id", "lender_keys", ["lender_id"])
    _forbid_changes("data_releases")


def _forbid_changes(table: str) -> None:
    """The ledger is append-only in the database itself (the function is 0001's)."""
    dialect = op.get_bind().dialect.name
    for change in ("UPDATE", "DELETE"):
        name = f"{table}_no_{change.lower()}"
        if dialect == "sqlite":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {change} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {change} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION loanmatch_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for change in ("update", "delete"):
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS data_releases_no_{change}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS data_releases_no_{change} ON data_releases")
    op.drop_table("lender_keys")
    op.drop_table("data_releases")
    op.drop_table("applications")
