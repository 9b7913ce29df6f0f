"""search_runs: the MLflow filter and order_by grammar compiled to one SQL query.

Filtering, ordering and paging all happen in the database; Python only loads the data of
the page it returns. Metric filters and sorts read `latest_metrics` (one row per run and
key); a run lacking a key never matches a comparison on it and sorts last.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, select
from sqlalchemy.sql import Select

from trackdeck.entities import Page, Run
from trackdeck.store import filter_grammar as grammar
from trackdeck.store.database import Database
from trackdeck.store.experiments import lifecycle_stages
from trackdeck.store.filter_sql import compare, order_column
from trackdeck.store.paging import decode_offset, read_page
from trackdeck.store.runs import load_runs
from trackdeck.store.tables import (
    datasets,
    input_tags,
    latest_metrics,
    params,
    run_inputs,
    runs,
    tags,
)
from trackdeck.store.validation import parse_experiment_id, validate_max_results

MAX_RESULTS = 50000
DEFAULT_MAX_RESULTS = 1000
DATASET_CONTEXT_TAG = "mlflow.data.context"

RUN_COLUMNS = {
    "run_id": runs.c.run_uuid,
    "run_name": runs.c.name,
    "status": runs.c.status,
    "user_id": runs.c.user_id,
    "artifact_uri": runs.c.artifact_uri,
    "start_time": runs.c.start_time,
    "end_time": runs.c.end_time,
    "lifecycle_stage": runs.c.lifecycle_stage,
}

# Per entity: the table holding its values for a run, and the value column.
_KEYED = {
    "metric": latest_metrics,
    "param": params,
    "tag": tags,
}


def _value_condition(table: Any, comparison: grammar.Comparison) -> ColumnElement[bool]:
    condition = compare(table.c.value, comparison.op, comparison.value)
    if comparison.entity == "metric":
        condition = and_(condition, table.c.is_nan.is_(False))
    return condition


def _presence_condition(comparison: grammar.Comparison) -> ColumnElement[bool]:
    """`IS NULL` or `IS NOT NULL` on a metric, param or tag: whether the run has the key."""
    table = _KEYED[comparison.entity]
    present = exists().where(table.c.run_uuid == runs.c.run_uuid, table.c.key == comparison.key)
    return ~present if comparison.op == "IS NULL" else present


def _joinable(comparison: grammar.Comparison) -> bool:
    """A comparison on a run's one value of a key (metric, param or tag)."""
    return comparison.entity in _KEYED and comparison.op not in ("IS NULL", "IS NOT NULL")


def _dataset_condition(comparison: grammar.Comparison) -> ColumnElement[bool]:
    linked = and_(
        run_inputs.c.run_uuid == runs.c.run_uuid,
        datasets.c.dataset_uuid == run_inputs.c.dataset_uuid,
    )
    if comparison.key == "context":
        return exists().where(
            linked,
            input_tags.c.input_uuid == run_inputs.c.input_uuid,
            input_tags.c.key == DATASET_CONTEXT_TAG,
            compare(input_tags.c.value, comparison.op, comparison.value),
        )
    column = datasets.c[comparison.key]
    return exists().where(linked, compare(column, comparison.op, comparison.value))


def condition_for(comparison: grammar.Comparison) -> ColumnElement[bool]:
    """The WHERE condition of a comparison that is not joined (see `compile_search`)."""
    if comparison.entity == "attribute":
        return compare(RUN_COLUMNS[comparison.key], comparison.op, comparison.value)
    if comparison.entity == "dataset":
        return _dataset_condition(comparison)
    return _presence_condition(comparison)


def _apply_order(
    query: Select[Any], order_keys: Sequence[grammar.OrderKey], joined: dict[tuple[str, str], Any]
) -> Select[Any]:
    """Order by the keys, then run id. A key that a filter comparison joined already sorts
    by that join's value, never NULL, so the database can walk the (key, value) index in
    order and stop at the page's end instead of sorting every match."""
    ordering: list[Any] = []
    for index, key in enumerate(order_keys):
        if key.entity == "attribute":
            ordering += order_column(RUN_COLUMNS[key.key], key.ascending)
        elif (key.entity, key.key) in joined:
            ordering += order_column(joined[key.entity, key.key], key.ascending, nullable=False)
        else:
            table = _KEYED[key.entity].alias(f"order_{index}")
            query = query.outerjoin(
                table, and_(table.c.run_uuid == runs.c.run_uuid, table.c.key == key.key)
            )
            ordering += order_column(table.c.value, key.ascending)
    if not order_keys:
        ordering.append(runs.c.start_time.desc())
    ordering.append(runs.c.run_uuid.asc())
    return query.order_by(*ordering)


def compile_search(
    experiment_ids: Sequence[str],
    filter_string: str | None,
    view_type: str | int | None,
    order_by: Sequence[str] | None,
) -> Select[Any]:
    """The query selecting the run rows that match, in result order (no paging).

    A comparison on a metric, param or tag value joins the run's row of that key (one at
    most: (run, key) is unique), so the database may start from the (key, value) index
    rather than test every run of the experiments; the other comparisons are conditions.
    """
    ids = [parse_experiment_id(e) for e in experiment_ids]
    comparisons = grammar.parse_filter(filter_string, grammar.RUN_FILTER_SPEC)
    order_keys = grammar.parse_order_by(list(order_by or []), grammar.RUN_FILTER_SPEC)
    query = select(runs).where(
        runs.c.experiment_id.in_(ids), runs.c.lifecycle_stage.in_(lifecycle_stages(view_type))
    )
    joined: dict[tuple[str, str], Any] = {}
    for index, comparison in enumerate(comparisons):
        if not _joinable(comparison):
            query = query.where(condition_for(comparison))
            continue
        table = _KEYED[comparison.entity].alias(f"filter_{index}")
        match = and_(table.c.run_uuid == runs.c.run_uuid, table.c.key == comparison.key)
        query = query.join(table, and_(match, _value_condition(table, comparison)))
        joined.setdefault((comparison.entity, comparison.key), table.c.value)
    return _apply_order(query, order_keys, joined)


class RunSearchStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def search(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        view_type: str | int | None,
        max_results: int | None,
        order_by: Sequence[str] | None,
        page_token: str | None,
    ) -> Page[Run]:
        limit = DEFAULT_MAX_RESULTS if max_results is None else max_results
        validate_max_results(limit, MAX_RESULTS)
        offset = decode_offset(page_token)
        if not experiment_ids:
            return Page([], None)
        query = compile_search(experiment_ids, filter_string, view_type, order_by)

        def work(conn: Connection) -> Page[Run]:
            return read_page(conn, query, limit, offset, load_runs)

        return self.db.read(work)
