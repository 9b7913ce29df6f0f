"""Alembic environment of the studio database (version table `studio_alembic_version`)."""

from __future__ import annotations

from alembic import context

import trackdeck.serving.tables  # noqa: F401  (the endpoint tables join `metadata`)
from trackdeck.studio.migrate import VERSION_TABLE
from trackdeck.studio.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
