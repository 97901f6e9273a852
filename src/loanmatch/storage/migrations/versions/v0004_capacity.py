"""Each product's applications per day, counted against its capacity (issue 12).

Revision ID: 0004_capacity
Revises: 0003_webhooks
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_capacity"
down_revision: str | None = "0003_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_capacity",
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("product_id", "day", name="pk_product_capacity"),
    )


def downgrade() -> None:
    op.drop_table("product_capacity")
