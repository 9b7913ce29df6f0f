"""studio schema: tracking servers and used presigned URLs

Revision ID: s0001
Revises:
Create Date: 2026-12-04 14:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_servers",
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("size", sa.String(length=16), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("backend_store_uri", sa.Text(), nullable=False),
        sa.Column("artifact_store_uri", sa.Text(), nullable=False),
        sa.Column("automatic_model_registration", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("creation_time", sa.BigInteger(), nullable=False),
        sa.Column("last_modified_by", sa.String(length=256), nullable=False),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.Column("restart_count", sa.Integer(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_tracking_servers")),
    )
    op.create_index(op.f("ix_tracking_servers_state"), "tracking_servers", ["state"], unique=False)
    op.create_table(
        "presigned_url_uses",
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("server_name", sa.String(length=256), nullable=False),
        sa.Column("used_time", sa.BigInteger(), nullable=False),
        sa.Column("expires_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_presigned_url_uses")),
    )


def downgrade() -> None:
    op.drop_table("presigned_url_uses")
    op.drop_index(op.f("ix_tracking_servers_state"), table_name="tracking_servers")
    op.drop_table("tracking_servers")
