"""Migration s0003 (jobs): it creates the table the jobs module declares, keeps the studio's
existing rows, and downgrades cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text

from trackdeck.jobs.tables import jobs
from trackdeck.store.database import create_store_engine
from trackdeck.studio import migrate


def _downgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).parent / "migrations"))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()


def test_s0003_creates_and_drops_the_jobs_table(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'studio.db'}")
    migrate.upgrade(engine, "s0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tracking_servers VALUES ('keep', 'Created', 'Small', 5999, 'sqlite://',"
                " '/tmp/a', 0, '{}', NULL, 'me', 1, 'me', 1, 0, NULL)"
            )
        )
    migrate.upgrade(engine, "s0003")
    inspector = inspect(engine)
    columns = {c["name"]: c for c in inspector.get_columns("jobs")}
    assert set(columns) == {c.name for c in jobs.columns}
    assert all(columns[c.name]["nullable"] == c.nullable for c in jobs.columns)
    indexed = {tuple(i["column_names"]) for i in inspector.get_indexes("jobs")}
    assert {("server",), ("state",), ("creation_time",)} <= indexed
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM tracking_servers")).scalar() == "keep"
    _downgrade(engine, "s0002")
    assert "jobs" not in inspect(engine).get_table_names()
    assert "tracking_servers" in inspect(engine).get_table_names()
    engine.dispose()
