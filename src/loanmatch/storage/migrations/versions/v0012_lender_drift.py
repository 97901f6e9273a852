"""Each lender's drift alarm as it stands (the CUSUM statistic and its count since the lender's
first decision or last lift), so that a decision updates it in O(1) instead of re-reading the
lender's decisions of the window (issue 13).

Revision ID: 0012_lender_drift
Revises: 0011_lender_floors
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_lender_drift"
down_revision: str | None = "0011_lender_floors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lender_drift",
        sa.Column("lender_id", sa.String(64), primary_key=True),
        sa.Column("statistic", sa.Float(), nullable=False),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("lender_drift")
