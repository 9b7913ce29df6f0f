"""metrics: drop the (series_id, step) index

Every logged point paid for a second B-tree insert to keep it, which made a 1,000-point
log-batch call about a third slower. Chart sampling, its only user, now reads the
series through the primary key (`store.metric_history`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Plain DROP/CREATE INDEX, not a batch operation: SQLite needs no table copy for them.
def upgrade() -> None:
    op.drop_index("ix_metrics_series_step", table_name="metrics")


def downgrade() -> None:
    op.create_index("ix_metrics_series_step", "metrics", ["series_id", "step"])
