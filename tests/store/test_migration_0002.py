"""Migration 0002 (logged models) on both backends: it keeps existing rows, adds the
tables and the partial metrics index, and downgrades cleanly."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.store.migrations import downgrade, insert_run_with_series
from trackdeck.store.database import create_store_engine
from trackdeck.store.migrate import current_revision, upgrade

NEW_TABLES = {"logged_models", "logged_model_tags", "logged_model_params"}


def test_upgrade_keeps_metrics_and_downgrade_removes_tables(store_uri: str) -> None:
    engine = create_store_engine(store_uri)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        insert_run_with_series(connection, 0.5)
        connection.execute(
            text(
                "INSERT INTO metrics (series_id, timestamp, step, value, is_nan, model_id) "
                "VALUES (1, 1, 0, 0.5, false, 'm-1')"
            )
        )

    upgrade(engine, "0002")
    assert current_revision(engine) == "0002"
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) >= NEW_TABLES
    assert "ix_metrics_model_id" in {index["name"] for index in inspector.get_indexes("metrics")}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO logged_models (model_id, experiment_id, name, artifact_uri, status, "
                "lifecycle_stage, creation_timestamp_ms, last_updated_timestamp_ms) "
                "VALUES ('m-1', 7, 'model', 'mlflow-artifacts:/7/models/m-1/artifacts', "
                "'LOGGED_MODEL_READY', 'active', 1, 1)"
            )
        )
        found = connection.execute(
            text("SELECT value FROM metrics WHERE model_id = 'm-1'")
        ).scalar_one()
    assert found == 0.5

    downgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert not NEW_TABLES & set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM metrics")).scalar_one() == 1
    engine.dispose()
