"""Migration 0005 on both backends: the metrics step index goes, the points stay, and a
downgrade puts the index back."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from tests.store.test_migration_0002 import downgrade
from trackdeck.store.database import create_store_engine
from trackdeck.store.migrate import current_revision, upgrade

STEP_INDEX = "ix_metrics_series_step"


def metric_indexes(engine: Engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("metrics")}


def test_upgrade_drops_the_step_index_and_keeps_points(store_uri: str) -> None:
    engine = create_store_engine(store_uri)
    upgrade(engine, "0004")
    assert STEP_INDEX in metric_indexes(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO experiments (experiment_id, name, artifact_location, "
                "lifecycle_stage, creation_time, last_update_time) "
                "VALUES (7, 'e', 'mlflow-artifacts:/7', 'active', 1, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, "
                "lifecycle_stage, artifact_uri) "
                "VALUES ('r1', 7, 'n', 'u', 'RUNNING', 1, 'active', 'mlflow-artifacts:/7/r1')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO latest_metrics (series_id, run_uuid, key, value, is_nan, "
                "timestamp, step) VALUES (1, 'r1', 'acc', 0.75, false, 2, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO metrics (series_id, timestamp, step, value, is_nan) "
                "VALUES (1, 1, 0, 0.5, false), (1, 2, 1, 0.75, false)"
            )
        )

    upgrade(engine)
    assert current_revision(engine) == "0005"
    assert STEP_INDEX not in metric_indexes(engine)
    with engine.connect() as connection:
        points = connection.execute(
            text("SELECT step, value FROM metrics WHERE series_id = 1 ORDER BY step")
        ).all()
    assert [tuple(p) for p in points] == [(0, 0.5), (1, 0.75)]

    downgrade(engine, "0004")
    assert STEP_INDEX in metric_indexes(engine)
    engine.dispose()
