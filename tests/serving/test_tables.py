"""Migration s0002 builds exactly the endpoint tables `serving/tables.py` declares, and
takes them away again on downgrade."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect

from trackdeck.serving.tables import endpoint_instances, endpoints
from trackdeck.studio import migrate


def _config(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def _columns(engine: object, table: str) -> dict[str, bool]:
    return {c["name"]: c["nullable"] for c in inspect(engine).get_columns(table)}


def test_s0002_creates_and_drops_the_endpoint_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'studio.db'}")
    migrate.upgrade(engine, "s0002")
    for table in (endpoints, endpoint_instances):
        declared = {c.name: c.nullable for c in table.columns}
        assert _columns(engine, table.name) == declared
    assert inspect(engine).get_indexes("endpoints")[0]["column_names"] == ["state"]
    assert inspect(engine).get_pk_constraint("endpoint_instances")["constrained_columns"] == [
        "endpoint_name",
        "instance_id",
    ]
    with engine.connect() as connection:
        command.downgrade(_config(connection), "s0001")
        connection.commit()
    tables = set(inspect(engine).get_table_names())
    assert "endpoints" not in tables and "endpoint_instances" not in tables
    assert "tracking_servers" in tables
    engine.dispose()
