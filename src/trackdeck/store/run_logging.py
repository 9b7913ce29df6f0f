"""Logging to a run: params (immutable), tags (upserts), metrics (append-only) and batches.

A batch is validated whole before anything is written, and written in one transaction:
either every point of it is stored or none is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, bindparam, select, tuple_, update

from trackdeck.entities import KeyValue, Metric
from trackdeck.errors import InvalidParameterValue, ResourceDoesNotExist
from trackdeck.store.database import Database
from trackdeck.store.prepared import Prepared
from trackdeck.store.runs import RUN_NAME_TAG, active_run_row, upsert_tags
from trackdeck.store.sql import in_list, insert_for, insert_ignore_for, list_value, upsert_for
from trackdeck.store.tables import latest_metrics, metrics, params, runs, tags
from trackdeck.store.validation import (
    stored_metric_value,
    validate_batch_sizes,
    validate_metrics,
    validate_param,
    validate_run_tag,
    validate_unique_keys,
)


class RunLoggingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def log_batch(
        self,
        run_id: str,
        metrics_in: Sequence[Metric],
        params_in: Sequence[KeyValue],
        tags_in: Sequence[KeyValue],
    ) -> None:
        validate_batch_sizes(len(metrics_in), len(params_in), len(tags_in))
        validate_unique_keys((p.key for p in params_in), "param")
        for param in params_in:
            validate_param(param.key, param.value)
        for tag in tags_in:
            validate_run_tag(tag.key, tag.value)
        validate_metrics(metrics_in)

        def work(conn: Connection) -> None:
            active_run_row(conn, run_id)
            if params_in:
                _insert_params(conn, run_id, params_in)
            if tags_in:
                _upsert_tags(conn, run_id, tags_in)
            if metrics_in:
                _insert_metrics(conn, run_id, metrics_in)

        self.db.write(work)

    def log_metric(self, run_id: str, metric: Metric) -> None:
        self.log_batch(run_id, [metric], [], [])

    def log_param(self, run_id: str, key: str, value: str) -> None:
        self.log_batch(run_id, [], [KeyValue(key=key, value=value)], [])

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        self.log_batch(run_id, [], [], [KeyValue(key=key, value=value)])

    def delete_tag(self, run_id: str, key: str) -> None:
        def work(conn: Connection) -> None:
            active_run_row(conn, run_id)
            deleted = conn.execute(
                tags.delete().where(tags.c.run_uuid == run_id, tags.c.key == key)
            ).rowcount
            if not deleted:
                raise ResourceDoesNotExist(f"No tag with name: {key} in run with id {run_id}")

        self.db.write(work)


_INSERT_PARAMS = Prepared(
    lambda dialect: insert_ignore_for(dialect, params), keys=("run_uuid", "key", "value")
)
_PARAMS_OF_KEYS = Prepared(
    lambda dialect: select(params.c.key, params.c.value).where(
        params.c.run_uuid == bindparam("run_id"), in_list(dialect, params.c.key, "keys")
    )
)


def _insert_params(conn: Connection, run_id: str, params_in: Sequence[KeyValue]) -> None:
    """Insert new params; re-logging a value is fine, changing one is a 400.

    ON CONFLICT DO NOTHING lets concurrent writers of the same param (several server
    processes on PostgreSQL) both succeed; the read-back then catches a changed value.
    """
    wanted = {p.key: p.value for p in params_in}
    _INSERT_PARAMS.execute_many(conn, [(run_id, k, v) for k, v in wanted.items()])
    bound = {"run_id": run_id, "keys": list_value(conn.dialect.name, list(wanted))}
    for key, old in _PARAMS_OF_KEYS.tuples(conn, bound):
        if old != wanted[key]:
            raise InvalidParameterValue(
                f"Changing param values is not allowed. Param with key='{key}' was already "
                f"logged with value='{old}' for run ID='{run_id}'. "
                f"Attempted logging new value '{wanted[key]}'."
            )


def _upsert_tags(conn: Connection, run_id: str, tags_in: Sequence[KeyValue]) -> None:
    latest = {t.key: t.value for t in tags_in}
    upsert_tags(conn, run_id, latest)
    if RUN_NAME_TAG in latest:
        conn.execute(
            update(runs).where(runs.c.run_uuid == run_id).values(name=latest[RUN_NAME_TAG])
        )


_POINT_COLUMNS = (
    "series_id",
    "timestamp",
    "step",
    "value",
    "is_nan",
    "model_id",
    "dataset_name",
    "dataset_digest",
)
_BARE_POINT_COLUMNS = _POINT_COLUMNS[:5]
_NO_LINKS = (None, None, None)
"""The model and dataset columns of a point logged without either: most points."""
# Points without a model or dataset name none of those columns: binding three NULLs a row
# made SQLite's insert of a 1,000-point batch take two thirds longer.
_INSERT_BARE_POINTS = Prepared(
    lambda dialect: insert_ignore_for(dialect, metrics),
    keys=_BARE_POINT_COLUMNS,
    rows_per_statement=250,
)
_INSERT_POINTS = Prepared(lambda dialect: insert_ignore_for(dialect, metrics), keys=_POINT_COLUMNS)
_UPSERT_POINTS_MODEL = Prepared(
    lambda dialect: upsert_for(dialect, metrics, "model_id"), keys=_POINT_COLUMNS
)


def _latest_upsert(dialect: str) -> Any:
    """Keep, per key, the point with the largest (step, timestamp, value)."""
    statement = insert_for(dialect)(latest_metrics)
    new, current = statement.excluded, latest_metrics.c
    return statement.on_conflict_do_update(
        index_elements=["run_uuid", "key"],
        set_={name: new[name] for name in ("value", "is_nan", "timestamp", "step")},
        where=tuple_(new.step, new.timestamp, new.value)
        > tuple_(current.step, current.timestamp, current.value),
    )


_UPSERT_LATEST = Prepared(
    _latest_upsert, keys=("run_uuid", "key", "value", "is_nan", "timestamp", "step")
)


def _insert_metrics(conn: Connection, run_id: str, metrics_in: Sequence[Metric]) -> None:
    """Store the points, and advance each key's latest point.

    Points are rows of `_POINT_COLUMNS` with the key in place of the series id until the
    series ids are known: a batch holds up to a thousand points, so no dict per point, and
    no per-point Python loop but list comprehensions and one sort.
    """
    points = _point_rows(metrics_in)
    # Sorted by (key, step, timestamp, value), the last row of each key is its newest.
    newest = {point[0]: point for point in sorted(points, key=_NEWEST_LAST)}
    _UPSERT_LATEST.execute_many(
        conn, [(run_id, key, p[3], p[4], p[1], p[2]) for key, p in newest.items()]
    )
    series = _series_ids(conn, run_id, list(newest))
    bare = [(series[p[0]], p[1], p[2], p[3], p[4]) for p in points if p[5:] == _NO_LINKS]
    _INSERT_BARE_POINTS.execute_many(conn, bare)
    if len(bare) == len(points):
        return
    with_dataset = [
        (series[p[0]], *p[1:]) for p in points if p[5] is None and p[6:] != (None, None)
    ]
    _INSERT_POINTS.execute_many(conn, with_dataset)
    # log_model re-sends the run's points with the new model's id: a stored point gains it.
    for_models = [(series[p[0]], *p[1:]) for p in points if p[5] is not None]
    _UPSERT_POINTS_MODEL.execute_many(conn, for_models)


_NEWEST_LAST = itemgetter(0, 2, 1, 3)


def _point_rows(metrics_in: Sequence[Metric]) -> list[tuple[Any, ...]]:
    """(key, timestamp, step, value, is_nan, model_id, dataset name and digest) rows."""
    values = [m.value for m in metrics_in]
    if math.isfinite(sum(values)):  # no NaN nor infinity: every value stored as it is
        stored: Iterable[tuple[float, bool]] = zip(map(float, values), repeat(False))
    else:
        stored = map(stored_metric_value, values)
    return [
        (m.key, m.timestamp, m.step, value, is_nan, m.model_id, m.dataset_name, m.dataset_digest)
        for m, (value, is_nan) in zip(metrics_in, stored, strict=True)
    ]


_SERIES_OF_KEYS = Prepared(
    lambda dialect: select(latest_metrics.c.key, latest_metrics.c.series_id).where(
        latest_metrics.c.run_uuid == bindparam("run_id"),
        in_list(dialect, latest_metrics.c.key, "keys"),
    )
)


def _series_ids(conn: Connection, run_id: str, keys: list[str]) -> dict[str, int]:
    bound = {"run_id": run_id, "keys": list_value(conn.dialect.name, keys)}
    return dict(_SERIES_OF_KEYS.tuples(conn, bound))
