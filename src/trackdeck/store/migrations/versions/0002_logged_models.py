"""logged models

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 14:35:00.000000

MLflow 3 logged models with their tags and params, and a partial index finding the
metric rows logged for a model (rows without a model_id stay out of it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "logged_models",
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("artifact_uri", sa.String(length=2048), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("model_type", sa.String(length=500), nullable=True),
        sa.Column("source_run_id", sa.String(length=32), nullable=True),
        sa.Column("lifecycle_stage", sa.String(length=16), nullable=False),
        sa.Column("creation_timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_timestamp_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name=op.f("fk_logged_models_experiment_id_experiments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_logged_models")),
    )
    op.create_index(
        "ix_logged_models_experiment_created",
        "logged_models",
        ["experiment_id", "creation_timestamp_ms"],
    )
    op.create_index("ix_logged_models_source_run_id", "logged_models", ["source_run_id"])
    for name in ("logged_model_tags", "logged_model_params"):
        op.create_table(
            name,
            sa.Column("model_id", sa.String(length=64), nullable=False),
            sa.Column("key", sa.String(length=250), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(
                ["model_id"],
                ["logged_models.model_id"],
                name=op.f(f"fk_{name}_model_id_logged_models"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("model_id", "key", name=op.f(f"pk_{name}")),
        )
    op.create_index(
        "ix_metrics_model_id",
        "metrics",
        ["model_id"],
        sqlite_where=sa.text("model_id IS NOT NULL"),
        postgresql_where=sa.text("model_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_metrics_model_id", table_name="metrics")
    op.drop_table("logged_model_params")
    op.drop_table("logged_model_tags")
    op.drop_index("ix_logged_models_source_run_id", table_name="logged_models")
    op.drop_index("ix_logged_models_experiment_created", table_name="logged_models")
    op.drop_table("logged_models")
