"""Lenders' own floors: the threshold on P(approve) a lender's offers are held to under each
served model, raised when its offers' mean P fell below what the promise needs (issue 13).
One row per model and lender, with the lender's decisions on the model's offers counted
(decisions, approvals, the sum of the P predicted for them: its calibration gap); an index for
the latest offers of a lender under a model.

Revision ID: 0011_lender_floors
Revises: 0010_lender_holds
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_lender_floors"
down_revision: str | None = "0010_lender_holds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lender_floors",
        sa.Column("model_id", sa.String(64), primary_key=True),
        sa.Column("lender_id", sa.String(64), primary_key=True),
        sa.Column("floor", sa.Float(), nullable=False),
        sa.Column("goal", sa.Float(), nullable=False),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("mean_p", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("approved", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("predicted", sa.Float(), nullable=False, server_default="0"),
    )
    op.create_index(
        "ix_applications_offered", "applications", ["lender_id", "predicted_model", "submitted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_applications_offered", table_name="applications")
    op.drop_table("lender_floors")
