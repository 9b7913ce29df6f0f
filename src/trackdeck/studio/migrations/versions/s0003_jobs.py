"""jobs: MLproject runs the studio runs against its tracking servers

Revision ID: s0003
Revises: s0002
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("server", sa.String(length=256), nullable=False),
        sa.Column("project_uri", sa.Text(), nullable=False),
        sa.Column("entry_point", sa.String(length=256), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("experiment_name", sa.String(length=256), nullable=True),
        sa.Column("env_manager", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("creation_time", sa.BigInteger(), nullable=False),
        sa.Column("start_time", sa.BigInteger(), nullable=True),
        sa.Column("end_time", sa.BigInteger(), nullable=True),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_server"), "jobs", ["server"], unique=False)
    op.create_index(op.f("ix_jobs_state"), "jobs", ["state"], unique=False)
    op.create_index(op.f("ix_jobs_creation_time"), "jobs", ["creation_time"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_creation_time"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_state"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_server"), table_name="jobs")
    op.drop_table("jobs")
