"""Migration 0005 on both backends: the metrics step index goes, the points stay, and a
downgrade puts the index back."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from tests.store.migrations import downgrade, insert_run_with_series
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
        insert_run_with_series(connection, 0.75, timestamp=2, step=1)
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
