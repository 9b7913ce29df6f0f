"""The studio database's migrations build exactly the schema `studio/tables.py` declares."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import trackdeck.serving.tables  # noqa: F401  (the endpoint tables join `metadata`)
from trackdeck.studio import migrate
from trackdeck.studio.migrate import VERSION_TABLE
from trackdeck.studio.records import Size, State, TrackingServer
from trackdeck.studio.store import StudioStore
from trackdeck.studio.tables import metadata


def test_migrations_build_declared_schema(tmp_path: Path) -> None:
    store = StudioStore(f"sqlite:///{tmp_path / 'studio.db'}")
    StudioStore(f"sqlite:///{tmp_path / 'studio.db'}").close()  # a second upgrade is a no-op
    with store.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, metadata) == []
        heads = ScriptDirectory(str(Path(migrate.__file__).parent / "migrations")).get_heads()
        assert [context.get_current_revision()] == heads
    tables = set(inspect(store.db.engine).get_table_names())
    assert tables == {*metadata.tables, VERSION_TABLE}
    store.close()


def test_presigned_token_is_used_once(tmp_path: Path) -> None:
    store = StudioStore(f"sqlite:///{tmp_path / 'studio.db'}")
    store.create(
        TrackingServer(name="a", state=State.CREATED, size=Size.SMALL, port=1,
                       backend_store_uri="sqlite://", artifact_store_uri="/tmp/a")
    )  # fmt: skip
    far = 2**42
    assert store.use_presigned_token("t1", "a", far) is True
    assert store.use_presigned_token("t1", "a", far) is False
    assert store.use_presigned_token("t2", "a", far) is True
    store.close()
