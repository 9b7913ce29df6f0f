"""model endpoints: endpoint records and the scoring processes behind them

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-04 15:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "endpoints",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("server_name", sa.String(length=256), nullable=False),
        sa.Column("model_uri", sa.Text(), nullable=False),
        sa.Column("model_name", sa.String(length=256), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("instance_count", sa.Integer(), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("creation_time", sa.BigInteger(), nullable=False),
        sa.Column("last_modified_by", sa.String(length=256), nullable=False),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.Column("replacement_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_endpoints")),
    )
    op.create_index(op.f("ix_endpoints_state"), "endpoints", ["state"], unique=False)
    op.create_table(
        "endpoint_instances",
        sa.Column("endpoint_name", sa.String(length=64), nullable=False),
        sa.Column("instance_id", sa.String(length=32), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("started_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("endpoint_name", "instance_id", name=op.f("pk_endpoint_instances")),
    )


def downgrade() -> None:
    op.drop_table("endpoint_instances")
    op.drop_index(op.f("ix_endpoints_state"), table_name="endpoints")
    op.drop_table("endpoints")
