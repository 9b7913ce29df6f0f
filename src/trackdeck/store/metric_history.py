"""Reading metric history: every point of one key (paged), and downsampled for charts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import Connection, select, tuple_

from trackdeck.entities import Metric, Page
from trackdeck.errors import InvalidParameterValue
from trackdeck.store.database import Database
from trackdeck.store.paging import decode_token, encode_token
from trackdeck.store.runs import run_row
from trackdeck.store.sql import fetch_raw, in_list, json_array, list_value
from trackdeck.store.tables import latest_metrics, metrics

MAX_BULK_RUNS = 100
MAX_POINTS_PER_RUN = 2500

_ORDER = (metrics.c.timestamp, metrics.c.step, metrics.c.value, metrics.c.is_nan)


def _series(run_id: str, key: str) -> Any:
    """The id of the run's series for `key`, as an uncorrelated scalar subquery."""
    return (
        select(latest_metrics.c.series_id)
        .where(latest_metrics.c.run_uuid == run_id, latest_metrics.c.key == key)
        .scalar_subquery()
    )


def _metric(key: str, timestamp: int, step: int, value: float, is_nan: bool) -> Metric:
    return Metric(key=key, value=math.nan if is_nan else value, timestamp=timestamp, step=step)


class MetricHistoryStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def history(
        self, run_id: str, key: str, max_results: int | None, page_token: str | None
    ) -> Page[Metric]:
        """Points of `key` ordered by (timestamp, step, value); paged by a keyset cursor."""
        if not key:
            raise InvalidParameterValue("Missing value for required parameter 'metric_key'.")
        if max_results is not None and max_results <= 0:
            raise InvalidParameterValue(
                f"Invalid value {max_results} for parameter 'max_results': it must be positive."
            )
        after = _decode_cursor(page_token)
        query = select(*_ORDER).where(metrics.c.series_id == _series(run_id, key)).order_by(*_ORDER)
        if after is not None:
            query = query.where(tuple_(*_ORDER) > tuple_(*after))
        if max_results is not None:
            query = query.limit(max_results + 1)

        def work(conn: Connection) -> Page[Metric]:
            run_row(conn, run_id)
            rows = fetch_raw(conn, query)
            token = None
            if max_results is not None and len(rows) > max_results:
                rows = rows[:max_results]
                token = encode_token({"after": list(rows[-1])})
            return Page(
                [_metric(key, ts, step, value, is_nan) for ts, step, value, is_nan in rows],
                token,
            )

        return self.db.read(work)

    def bulk_interval(
        self,
        run_ids: Sequence[str],
        key: str,
        max_results: int | None,
        start_step: int | None,
        end_step: int | None,
    ) -> list[Metric]:
        """Up to `max_results` evenly spaced steps per run (first and last kept), all points
        at those steps; what charts draw instead of a million points."""
        if not run_ids:
            raise InvalidParameterValue("Missing value for required parameter 'run_ids'.")
        if len(run_ids) > MAX_BULK_RUNS:
            raise InvalidParameterValue(
                f"Too many run IDs: {len(run_ids)}; at most {MAX_BULK_RUNS} are allowed."
            )
        if not key:
            raise InvalidParameterValue("Missing value for required parameter 'metric_key'.")
        points = MAX_POINTS_PER_RUN if max_results is None else max_results
        if not 1 <= points <= MAX_POINTS_PER_RUN:
            raise InvalidParameterValue(
                f"max_results must be between 1 and {MAX_POINTS_PER_RUN}; got {points}."
            )
        if (start_step is None) != (end_step is None):
            raise InvalidParameterValue(
                "Both start_step and end_step must be specified, or neither."
            )
        if start_step is not None and end_step is not None and start_step > end_step:
            raise InvalidParameterValue(
                f"start_step ({start_step}) must not be greater than end_step ({end_step})."
            )

        def work(conn: Connection) -> list[Metric]:
            result: list[Metric] = []
            for run_id in dict.fromkeys(run_ids):
                run_row(conn, run_id)
                result += _sampled(conn, run_id, key, points, start_step, end_step)
            return result

        return self.db.read(work)


def _sampled(
    conn: Connection,
    run_id: str,
    key: str,
    points: int,
    start_step: int | None,
    end_step: int | None,
) -> list[Metric]:
    """All points at up to `points` evenly spaced distinct steps of the series.

    Both queries scan the series along the primary key (there is no index by step): one
    for its distinct steps, as one JSON array, and one for the points at the picked steps,
    bound as one list.
    """
    dialect = conn.dialect.name
    where = [metrics.c.series_id == _series(run_id, key)]
    if start_step is not None:
        where += [metrics.c.step >= start_step, metrics.c.step <= end_step]
    distinct_steps = select(metrics.c.step).where(*where).distinct().subquery()
    ((steps_json,),) = fetch_raw(conn, select(json_array(dialect, distinct_steps.c.step)))
    steps = sorted(msgspec.json.decode(steps_json or "[]", type=list[int]))
    query = select(*_ORDER).where(*where).order_by(metrics.c.step, metrics.c.timestamp)
    if len(steps) > points:
        picked = [steps[rank] for rank in sampled_ranks(len(steps), points)]
        query = query.where(in_list(dialect, metrics.c.step, "steps"))
        query = query.params(steps=list_value(dialect, picked))
    result = []
    for ts, step, value, is_nan in fetch_raw(conn, query):
        point = _metric(key, ts, step, value, is_nan)
        point.run_id = run_id
        result.append(point)
    return result


def sampled_ranks(count: int, points: int) -> list[int]:
    """`points` evenly spaced positions among `count` (> points) sorted items, the first
    and the last included."""
    if points == 1:
        return [0]
    last = count - 1
    return sorted({round(i * last / (points - 1)) for i in range(points)})


def _decode_cursor(token: str | None) -> list[object] | None:
    state = decode_token(token)
    if state is None:
        return None
    after = state.get("after")
    if not isinstance(after, list) or len(after) != len(_ORDER):
        raise InvalidParameterValue(f"Invalid page token '{token}'.")
    return after
