"""What was predicted when an owner applied, and the lender's decision as columns (issue 13).

Every column is nullable: an application made before this revision has no prediction and stays
valid. ``decision`` (approved / declined) and ``decided_at`` repeat the decision step of the
history so that the ledger can select a window of decisions by an index.

Revision ID: 0008_predictions
Revises: 0007_staff
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_predictions"
down_revision: str | None = "0007_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("predicted_model", sa.String(64)),
    ("predicted_p", sa.Float()),
    ("predicted_threshold", sa.Float()),
    ("predicted_band_low", sa.Float()),
    ("predicted_band_high", sa.Float()),
    ("predicted_propensity", sa.Float()),
    ("decision", sa.String(16)),
    ("decided_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_index("ix_applications_decided_at", "applications", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_applications_decided_at", table_name="applications")
    with op.batch_alter_table("applications") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
