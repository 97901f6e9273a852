"""Each lender's decisions under each served model counted on its floor row (decisions,
approvals, the sum of the P predicted for them), so its floor's goal can rise by the
calibration gap its decisions show (issue 13, ``domain/served_floor.calibration_gap``).

Revision ID: 0013_floor_calibration
Revises: 0012_lender_drift
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_floor_calibration"
down_revision: str | None = "0012_lender_drift"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lender_floors") as batch:
        batch.add_column(sa.Column("decided", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("approved", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("predicted", sa.Float(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("lender_floors") as batch:
        batch.drop_column("predicted")
        batch.drop_column("approved")
        batch.drop_column("decided")
