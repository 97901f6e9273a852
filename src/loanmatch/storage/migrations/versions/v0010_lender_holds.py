"""Lenders on hold: the platform stopped recommending a lender whose decisions fell below what
it predicted (the ledger's drift alarm; issue 13). One row per lender, its latest hold.

Revision ID: 0010_lender_holds
Revises: 0009_jobs_models
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_lender_holds"
down_revision: str | None = "0009_jobs_models"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lender_holds",
        sa.Column("lender_id", sa.String(64), primary_key=True),
        sa.Column("held_at", _WHEN, nullable=False),
        sa.Column("alarm_after", sa.Integer(), nullable=False),
        sa.Column("counted_since", _WHEN, nullable=False),
        sa.Column("lifted_at", _WHEN, nullable=True),
        sa.Column("lifted_by", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("lender_holds")
