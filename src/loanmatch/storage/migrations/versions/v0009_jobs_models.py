"""The durable job queue and the model registry (issue 13).

``jobs``: what a worker runs (a retraining), with its progress and outcome. ``model_versions``:
every model directory the platform knows and its role; a partial unique index keeps at most one
champion (two racing promotions cannot both win).

Revision ID: 0009_jobs_models
Revises: 0008_predictions
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_jobs_models"
down_revision: str | None = "0008_predictions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("queued_at", _WHEN, nullable=False),
        sa.Column("queued_by", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", _WHEN, nullable=True),
        sa.Column("heartbeat_at", _WHEN, nullable=True),
        sa.Column("finished_at", _WHEN, nullable=True),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "model_versions",
        sa.Column("model_id", sa.String(64), primary_key=True),
        sa.Column("path", sa.String(2000), nullable=False),
        sa.Column("registered_at", _WHEN, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("comparison", sa.JSON(), nullable=False),
        sa.Column("changed_at", _WHEN, nullable=True),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.Column("promoted_at", _WHEN, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index(
        "uq_model_versions_champion",
        "model_versions",
        ["role"],
        unique=True,
        sqlite_where=sa.text("role = 'champion'"),
        postgresql_where=sa.text("role = 'champion'"),
    )


def downgrade() -> None:
    op.drop_index("uq_model_versions_champion", table_name="model_versions")
    op.drop_table("model_versions")
    op.drop_index("ix_jobs_status", table_name="jobs")
    op.drop_table("jobs")
