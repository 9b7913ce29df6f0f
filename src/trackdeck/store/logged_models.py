"""MLflow 3 logged models: create, get, finalize, soft delete, tags, params and search.

A model's files live at `<experiment artifact_location>/models/<model_id>/artifacts`; its
metrics are the metric rows logged with its model_id. Search compiles the MLflow filter
grammar (`filter_grammar.LOGGED_MODEL_FILTER_SPEC`) to one SQL query; `order_by` arrives
as a list of `{field_name, ascending, dataset_name?, dataset_digest?}` objects.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, Connection, Row, and_, exists, or_, select, update
from sqlalchemy.sql import Select

from trackdeck.entities import KeyValue, LoggedModel, LoggedModelData, LoggedModelInfo, Metric, Page
from trackdeck.errors import InvalidParameterValue, ResourceDoesNotExist
from trackdeck.store import filter_grammar as grammar
from trackdeck.store.database import Database
from trackdeck.store.experiments import ACTIVE, DELETED, require_active_experiment
from trackdeck.store.filter_sql import compare, order_column
from trackdeck.store.ids import time_ordered_id
from trackdeck.store.names import generate_run_name
from trackdeck.store.paging import decode_token, encode_token
from trackdeck.store.sql import chunks, insert_ignore, now_ms, upsert
from trackdeck.store.tables import (
    experiments,
    latest_metrics,
    logged_model_params,
    logged_model_tags,
    logged_models,
    metrics,
)
from trackdeck.store.validation import (
    MAX_BATCH_PARAMS,
    parse_experiment_id,
    validate_max_results,
    validate_param,
    validate_run_id,
    validate_run_tag,
    validate_unique_keys,
)

STATUSES = ("LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED")
_STATUS_BY_NUMBER = dict(enumerate(STATUSES, start=1))
DEFAULT_MAX_RESULTS = 100
MAX_RESULTS = 1000

_COLUMNS = {
    "name": logged_models.c.name,
    "model_id": logged_models.c.model_id,
    "model_type": logged_models.c.model_type,
    "status": logged_models.c.status,
    "source_run_id": logged_models.c.source_run_id,
    "creation_timestamp": logged_models.c.creation_timestamp_ms,
    "last_updated_timestamp": logged_models.c.last_updated_timestamp_ms,
}
_KEYED = {"param": logged_model_params, "tag": logged_model_tags}


@dataclass(frozen=True)
class DatasetRef:
    """Restricts metric filters and sorts to metrics logged on this dataset."""

    dataset_name: str
    dataset_digest: str | None = None


@dataclass(frozen=True)
class OrderBy:
    field_name: str
    ascending: bool = True
    dataset_name: str | None = None
    dataset_digest: str | None = None


def parse_status(status: str | int | None) -> str:
    name = _STATUS_BY_NUMBER.get(status) if isinstance(status, int) else status
    if name not in STATUSES:
        raise InvalidParameterValue(
            f"Invalid logged model status '{status}'. Expected one of {', '.join(STATUSES)}."
        )
    return name


def _model_row(conn: Connection, model_id: str, allow_deleted: bool = False) -> Row:
    row = conn.execute(select(logged_models).where(logged_models.c.model_id == model_id)).first()
    if row is None or (row.lifecycle_stage != ACTIVE and not allow_deleted):
        raise ResourceDoesNotExist(f"Logged model with ID '{model_id}' not found.")
    return row


class LoggedModelStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        experiment_id: str | None,
        name: str | None,
        model_type: str | None,
        source_run_id: str | None,
        params: Sequence[KeyValue],
        tags: Sequence[KeyValue],
    ) -> LoggedModel:
        eid = parse_experiment_id(experiment_id)
        if source_run_id:
            validate_run_id(source_run_id)
        _validate_params(params)
        for tag in tags:
            validate_run_tag(tag.key, tag.value)
        model_id = f"m-{time_ordered_id()}"

        def work(conn: Connection) -> LoggedModel:
            require_active_experiment(conn, eid)
            location = conn.execute(
                select(experiments.c.artifact_location).where(experiments.c.experiment_id == eid)
            ).scalar_one()
            now = now_ms()
            conn.execute(
                logged_models.insert().values(
                    model_id=model_id,
                    experiment_id=eid,
                    name=name or generate_run_name(),
                    artifact_uri=f"{location.rstrip('/')}/models/{model_id}/artifacts",
                    status="LOGGED_MODEL_PENDING",
                    model_type=model_type,
                    source_run_id=source_run_id or None,
                    lifecycle_stage=ACTIVE,
                    creation_timestamp_ms=now,
                    last_updated_timestamp_ms=now,
                )
            )
            _insert_params(conn, model_id, params)
            _upsert_tags(conn, model_id, tags)
            return _load(conn, [_model_row(conn, model_id)])[0]

        return self.db.write(work)

    def get(self, model_id: str, allow_deleted: bool = False) -> LoggedModel:
        return self.db.read(
            lambda conn: _load(conn, [_model_row(conn, model_id, allow_deleted)])[0]
        )

    def finalize(self, model_id: str, status: str | int | None) -> LoggedModel:
        """Set the model's status: READY once its files are uploaded, or UPLOAD_FAILED."""
        new_status = parse_status(status)

        def work(conn: Connection) -> LoggedModel:
            _model_row(conn, model_id)
            conn.execute(
                update(logged_models)
                .where(logged_models.c.model_id == model_id)
                .values(status=new_status, last_updated_timestamp_ms=now_ms())
            )
            return _load(conn, [_model_row(conn, model_id)])[0]

        return self.db.write(work)

    def delete(self, model_id: str) -> None:
        """Soft delete: the model is hidden from get (unless allow_deleted) and search."""

        def work(conn: Connection) -> None:
            _model_row(conn, model_id)
            conn.execute(
                update(logged_models)
                .where(logged_models.c.model_id == model_id)
                .values(lifecycle_stage=DELETED, last_updated_timestamp_ms=now_ms())
            )

        self.db.write(work)

    def set_tags(self, model_id: str, tags: Sequence[KeyValue]) -> None:
        for tag in tags:
            validate_run_tag(tag.key, tag.value)

        def work(conn: Connection) -> None:
            _model_row(conn, model_id)
            _upsert_tags(conn, model_id, tags)
            _touch(conn, model_id)

        self.db.write(work)

    def delete_tag(self, model_id: str, key: str) -> None:
        def work(conn: Connection) -> None:
            _model_row(conn, model_id)
            deleted = conn.execute(
                logged_model_tags.delete().where(
                    logged_model_tags.c.model_id == model_id, logged_model_tags.c.key == key
                )
            ).rowcount
            if not deleted:
                raise ResourceDoesNotExist(f"No tag with key '{key}' on logged model '{model_id}'.")
            _touch(conn, model_id)

        self.db.write(work)

    def log_params(self, model_id: str, params: Sequence[KeyValue]) -> None:
        """Add params; re-logging a value is fine, changing one is a 400."""
        _validate_params(params)

        def work(conn: Connection) -> None:
            _model_row(conn, model_id)
            _insert_params(conn, model_id, params)
            _touch(conn, model_id)

        self.db.write(work)

    def search(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None,
        datasets: Sequence[DatasetRef],
        max_results: int | None,
        order_by: Sequence[OrderBy],
        page_token: str | None,
    ) -> Page[LoggedModel]:
        limit = DEFAULT_MAX_RESULTS if max_results is None else max_results
        validate_max_results(limit, MAX_RESULTS)
        ids = [parse_experiment_id(e) for e in experiment_ids]
        query_digest = _digest(ids, filter_string, datasets, order_by)
        offset = _decode_offset(page_token, query_digest)
        if not ids:
            return Page([], None)
        query = _compile(ids, filter_string, datasets, order_by).limit(limit + 1).offset(offset)

        def work(conn: Connection) -> Page[LoggedModel]:
            rows = conn.execute(query).all()
            more = len(rows) > limit
            token = encode_token({"offset": offset + limit, "query": query_digest})
            return Page(_load(conn, rows[:limit]), token if more else None)

        return self.db.read(work)


def _validate_params(params: Sequence[KeyValue]) -> None:
    if len(params) > MAX_BATCH_PARAMS:
        raise InvalidParameterValue(
            f"A request can log at most {MAX_BATCH_PARAMS} logged model params, not {len(params)}."
        )
    validate_unique_keys((p.key for p in params), "param")
    for param in params:
        validate_param(param.key, param.value)


def _upsert_tags(conn: Connection, model_id: str, tags: Sequence[KeyValue]) -> None:
    if tags:
        conn.execute(
            upsert(conn, logged_model_tags, "value"),
            [{"model_id": model_id, "key": k, "value": v} for k, v in _latest(tags).items()],
        )


def _insert_params(conn: Connection, model_id: str, params: Sequence[KeyValue]) -> None:
    """Insert params; re-logging a value is fine, changing one is a 400."""
    if not params:
        return
    wanted = _latest(params)
    conn.execute(
        insert_ignore(conn, logged_model_params),
        [{"model_id": model_id, "key": k, "value": v} for k, v in wanted.items()],
    )
    stored = conn.execute(
        select(logged_model_params.c.key, logged_model_params.c.value).where(
            logged_model_params.c.model_id == model_id,
            logged_model_params.c.key.in_(list(wanted)),
        )
    ).all()
    for key, old in stored:
        if old != wanted[key]:
            raise InvalidParameterValue(
                f"Changing param values is not allowed. Param with key='{key}' was already "
                f"logged with value='{old}' for logged model '{model_id}'."
            )


def _latest(items: Sequence[KeyValue]) -> dict[str, str]:
    return {item.key: item.value for item in items}


def _touch(conn: Connection, model_id: str) -> None:
    conn.execute(
        update(logged_models)
        .where(logged_models.c.model_id == model_id)
        .values(last_updated_timestamp_ms=now_ms())
    )


def _digest(
    ids: list[int],
    filter_string: str | None,
    datasets: Sequence[DatasetRef],
    order_by: Sequence[OrderBy],
) -> str:
    """A short fingerprint of a search, so a page token is only used with its own query."""
    state = msgspec.json.encode([ids, filter_string or "", datasets, order_by])
    return hashlib.sha256(state).hexdigest()[:16]


def _decode_offset(token: str | None, query_digest: str) -> int:
    state = decode_token(token)
    if state is None:
        return 0
    offset = state.get("offset")
    if state.get("query") != query_digest:
        raise InvalidParameterValue("Invalid page token: it belongs to a different search.")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidParameterValue("Invalid page token: bad offset.")
    return offset


def _on_datasets(datasets: Sequence[DatasetRef]) -> ColumnElement[bool] | None:
    if not datasets:
        return None
    return or_(
        *[
            and_(
                metrics.c.dataset_name == d.dataset_name,
                *([metrics.c.dataset_digest == d.dataset_digest] if d.dataset_digest else []),
            )
            for d in datasets
        ]
    )


def _condition(
    comparison: grammar.Comparison, datasets: Sequence[DatasetRef]
) -> ColumnElement[bool]:
    if comparison.entity == "attribute":
        return compare(_COLUMNS[comparison.key], comparison.op, comparison.value)
    if comparison.entity == "metric":
        on_datasets = _on_datasets(datasets)
        return exists().where(
            metrics.c.model_id == logged_models.c.model_id,
            latest_metrics.c.series_id == metrics.c.series_id,
            latest_metrics.c.key == comparison.key,
            metrics.c.is_nan.is_(False),
            compare(metrics.c.value, comparison.op, comparison.value),
            *([on_datasets] if on_datasets is not None else []),
        )
    table = _KEYED[comparison.entity]
    return exists().where(
        table.c.model_id == logged_models.c.model_id,
        table.c.key == comparison.key,
        compare(table.c.value, comparison.op, comparison.value),
    )


def _metric_sort_value(key: str, order: OrderBy) -> Any:
    """The model's latest value of metric `key` (largest step, then timestamp)."""
    datasets = [DatasetRef(order.dataset_name, order.dataset_digest)] if order.dataset_name else []
    on_datasets = _on_datasets(datasets)
    return (
        select(metrics.c.value)
        .where(
            metrics.c.model_id == logged_models.c.model_id,
            latest_metrics.c.series_id == metrics.c.series_id,
            latest_metrics.c.key == key,
            metrics.c.is_nan.is_(False),
            *([on_datasets] if on_datasets is not None else []),
        )
        .order_by(metrics.c.step.desc(), metrics.c.timestamp.desc())
        .limit(1)
        .scalar_subquery()
    )


def _compile(
    ids: list[int],
    filter_string: str | None,
    datasets: Sequence[DatasetRef],
    order_by: Sequence[OrderBy],
) -> Select[Any]:
    comparisons = grammar.parse_filter(filter_string, grammar.LOGGED_MODEL_FILTER_SPEC)
    ordering: list[Any] = []
    for order in order_by:
        if not order.field_name:
            raise InvalidParameterValue("Each order_by entry needs a field_name.")
        (key,) = grammar.parse_order_by([order.field_name], grammar.LOGGED_MODEL_FILTER_SPEC)
        metric = key.entity == "metric"
        column = _metric_sort_value(key.key, order) if metric else _COLUMNS[key.key]
        ordering += order_column(column, order.ascending)
    if not order_by:
        ordering.append(logged_models.c.creation_timestamp_ms.desc())
    ordering.append(logged_models.c.model_id.asc())
    return (
        select(logged_models)
        .where(
            logged_models.c.experiment_id.in_(ids),
            logged_models.c.lifecycle_stage == ACTIVE,
            *[_condition(c, datasets) for c in comparisons],
        )
        .order_by(*ordering)
    )


def _load(conn: Connection, rows: Sequence[Row]) -> list[LoggedModel]:
    """Whole models for `rows`: their tags, params and metrics, a few queries per 500."""
    ids = [row.model_id for row in rows]
    model_tags: dict[str, list[KeyValue]] = defaultdict(list)
    model_params: dict[str, list[KeyValue]] = defaultdict(list)
    model_metrics: dict[str, list[Metric]] = defaultdict(list)
    for chunk in chunks(ids):
        for into, table in ((model_tags, logged_model_tags), (model_params, logged_model_params)):
            for model_id, key, value in conn.execute(
                select(table.c.model_id, table.c.key, table.c.value)
                .where(table.c.model_id.in_(chunk))
                .order_by(table.c.key)
            ):
                into[model_id].append(KeyValue(key=key, value=value))
        m, series = metrics.c, latest_metrics.c
        metric_columns = (m.model_id, series.run_uuid, series.key, m.value, m.is_nan)
        for row in conn.execute(
            select(*metric_columns, m.timestamp, m.step, m.dataset_name, m.dataset_digest)
            .join_from(metrics, latest_metrics, series.series_id == m.series_id)
            .where(m.model_id.in_(chunk))
            .order_by(series.key, m.step, m.timestamp)
        ):
            model_metrics[row.model_id].append(
                Metric(
                    key=row.key,
                    value=float("nan") if row.is_nan else row.value,
                    timestamp=row.timestamp,
                    step=row.step,
                    run_id=row.run_uuid,
                    model_id=row.model_id,
                    dataset_name=row.dataset_name,
                    dataset_digest=row.dataset_digest,
                )
            )
    return [
        LoggedModel(
            info=LoggedModelInfo(
                model_id=row.model_id,
                experiment_id=str(row.experiment_id),
                name=row.name,
                artifact_uri=row.artifact_uri,
                status=row.status,
                creation_timestamp_ms=row.creation_timestamp_ms,
                last_updated_timestamp_ms=row.last_updated_timestamp_ms,
                model_type=row.model_type,
                source_run_id=row.source_run_id,
                status_message=row.status_message,
                tags=model_tags.get(row.model_id, []),
            ),
            data=LoggedModelData(
                params=model_params.get(row.model_id, []),
                metrics=model_metrics.get(row.model_id, []),
            ),
        )
        for row in rows
    ]
