"""What the migration tests share: a downgrade, and a run with one metric series to carry
through an upgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, Engine, text

from trackdeck.store.migrate import alembic_config


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()


def insert_run_with_series(
    connection: Connection, value: float, timestamp: int = 1, step: int = 0
) -> None:
    """Experiment 7, its run 'r1', and that run's series 1 of metric 'acc', whose latest
    point is (value, timestamp, step); the points themselves are the caller's."""
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
            "timestamp, step) VALUES (1, 'r1', 'acc', :value, false, :timestamp, :step)"
        ),
        {"value": value, "timestamp": timestamp, "step": step},
    )
