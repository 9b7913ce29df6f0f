"""Migrations build exactly the schema `tables.py` declares, on both backends, idempotently."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from trackdeck.store.database import create_store_engine
from trackdeck.store.migrate import current_revision, upgrade
from trackdeck.store.tables import metadata


def test_upgrade_builds_declared_schema(store_uri: str) -> None:
    engine = create_store_engine(store_uri)
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)  # a second upgrade is a no-op
    assert current_revision(engine) is not None
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
