"""Runs: create, read, update, soft delete and restore, and loading whole runs in bulk."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import Connection, Row, Table, bindparam, select, update

from trackdeck.entities import (
    Dataset,
    DatasetInput,
    KeyValue,
    Metric,
    ModelInput,
    ModelOutput,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunOutputs,
)
from trackdeck.errors import InvalidParameterValue, ResourceDoesNotExist
from trackdeck.store.database import Database
from trackdeck.store.experiments import ACTIVE, DELETED, require_active_experiment
from trackdeck.store.ids import time_ordered_id
from trackdeck.store.names import generate_run_name
from trackdeck.store.prepared import Prepared
from trackdeck.store.sql import in_list, json_pairs, list_value, now_ms, upsert_for
from trackdeck.store.tables import (
    datasets,
    input_tags,
    latest_metrics,
    params,
    run_inputs,
    run_models,
    runs,
    tags,
)
from trackdeck.store.validation import (
    parse_experiment_id,
    validate_run_id,
    validate_run_name,
    validate_run_tag,
)

RUN_NAME_TAG = "mlflow.runName"
RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
_STATUS_BY_NUMBER = dict(enumerate(RUN_STATUSES, start=1))


def parse_status(status: str | int | None) -> str:
    name = _STATUS_BY_NUMBER.get(status) if isinstance(status, int) else status
    if name not in RUN_STATUSES:
        raise InvalidParameterValue(
            f"Invalid run status '{status}'. Expected one of {', '.join(RUN_STATUSES)}."
        )
    return name


_RUN_BY_ID = Prepared(select(runs).where(runs.c.run_uuid == bindparam("run_id")))
_INSERT_RUN = Prepared(
    runs.insert(),
    keys=(
        "run_uuid",
        "experiment_id",
        "name",
        "user_id",
        "status",
        "start_time",
        "lifecycle_stage",
        "artifact_uri",
    ),
)
_INSERT_TAG = Prepared(tags.insert(), keys=("run_uuid", "key", "value"))


def run_row(conn: Connection, run_id: str) -> Any:
    """The run's row (a named tuple of its columns), or RESOURCE_DOES_NOT_EXIST."""
    validate_run_id(run_id)
    row = _RUN_BY_ID.first(conn, {"run_id": run_id})
    if row is None:
        raise ResourceDoesNotExist(f"Run with id={run_id} not found")
    return row


def active_run_row(conn: Connection, run_id: str) -> Any:
    """The run's row if it may be written to: it exists and is active."""
    row = run_row(conn, run_id)
    if row.lifecycle_stage != ACTIVE:
        raise InvalidParameterValue(
            f"The run {run_id} must be in the 'active' state. "
            f"Current state is {row.lifecycle_stage}."
        )
    return row


_OWNER_CACHE_SIZE = 65_536


class RunStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        # run id -> experiment id: a run never moves, so this never goes stale.
        self._owners: OrderedDict[str, str] = OrderedDict()
        self._owners_lock = threading.Lock()

    def experiment_ids(self, run_ids: Sequence[str]) -> list[str]:
        """The experiments holding these runs (unknown runs are skipped), cached."""
        found: set[str] = set()
        missing: list[str] = []
        with self._owners_lock:
            for run_id in run_ids:
                owner = self._owners.get(run_id)
                if owner is None:
                    missing.append(run_id)
                else:
                    found.add(owner)
        if missing:
            query = select(runs.c.run_uuid, runs.c.experiment_id).where(
                runs.c.run_uuid.in_(missing)
            )
            rows = self.db.read(lambda conn: conn.execute(query).all())
            with self._owners_lock:
                for run_id, experiment_id in rows:
                    self._owners[run_id] = str(experiment_id)
                    found.add(str(experiment_id))
                while len(self._owners) > _OWNER_CACHE_SIZE:
                    self._owners.popitem(last=False)
        return sorted(found)

    def create(
        self,
        experiment_id: str | None,
        user_id: str | None,
        start_time: int | None,
        run_name: str | None,
        tags_in: list[KeyValue],
    ) -> Run:
        eid = parse_experiment_id(experiment_id if experiment_id not in (None, "") else "0")
        for tag in tags_in:
            validate_run_tag(tag.key, tag.value)
        tag_map = {tag.key: tag.value for tag in tags_in}
        tagged_name = tag_map.get(RUN_NAME_TAG)
        if run_name and tagged_name and run_name != tagged_name:
            raise InvalidParameterValue(
                f"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with "
                f"different values (run_name='{run_name}', mlflow.runName='{tagged_name}')."
            )
        name = run_name or tagged_name or generate_run_name()
        validate_run_name(name)
        tag_map[RUN_NAME_TAG] = name
        run_id = time_ordered_id()

        def work(conn: Connection) -> Run:
            location = require_active_experiment(conn, eid)
            info = RunInfo(
                run_id=run_id,
                run_uuid=run_id,
                run_name=name,
                experiment_id=str(eid),
                user_id=user_id or "",
                status="RUNNING",
                start_time=start_time or 0,
                artifact_uri=f"{location.rstrip('/')}/{run_id}/artifacts",
                lifecycle_stage=ACTIVE,
            )
            _INSERT_RUN.execute(
                conn,
                {
                    "run_uuid": run_id,
                    "experiment_id": eid,
                    "name": name,
                    "user_id": info.user_id,
                    "status": info.status,
                    "start_time": info.start_time,
                    "lifecycle_stage": ACTIVE,
                    "artifact_uri": info.artifact_uri,
                },
            )
            _INSERT_TAG.execute_many(conn, [(run_id, k, v) for k, v in tag_map.items()])
            # A new run has only these tags: no need to read it back.
            tag_list = [KeyValue(key=k, value=v) for k, v in tag_map.items()]
            return Run(info=info, data=RunData(tags=tag_list))

        return self.db.write(work)

    def get(self, run_id: str) -> Run:
        return self.db.read(lambda conn: load_runs(conn, [run_row(conn, run_id)])[0])

    def update(
        self,
        run_id: str,
        status: str | int | None,
        end_time: int | None,
        run_name: str | None,
    ) -> RunInfo:
        new_status = parse_status(status) if status not in (None, "") else None
        if run_name:
            validate_run_name(run_name)

        def work(conn: Connection) -> RunInfo:
            active_run_row(conn, run_id)
            values: dict[str, object] = {}
            if new_status is not None:
                values["status"] = new_status
            if end_time is not None:
                values["end_time"] = end_time
            if run_name:
                values["name"] = run_name
                upsert_tags(conn, run_id, {RUN_NAME_TAG: run_name})
            if values:
                conn.execute(update(runs).where(runs.c.run_uuid == run_id).values(**values))
            return run_info(run_row(conn, run_id))

        return self.db.write(work)

    def set_lifecycle(self, run_id: str, stage: str) -> None:
        """Soft delete (stage "deleted") or restore ("active") a run."""

        def work(conn: Connection) -> None:
            row = run_row(conn, run_id)
            if stage == ACTIVE:
                require_active_experiment(conn, row.experiment_id)
            conn.execute(
                update(runs)
                .where(runs.c.run_uuid == run_id)
                .values(
                    lifecycle_stage=stage,
                    deleted_time=now_ms() if stage == DELETED else None,
                )
            )

        self.db.write(work)


_UPSERT_TAG = Prepared(
    lambda dialect: upsert_for(dialect, tags, "value"), keys=("run_uuid", "key", "value")
)


def upsert_tags(conn: Connection, run_id: str, values: dict[str, str]) -> None:
    _UPSERT_TAG.execute_many(conn, [(run_id, k, v) for k, v in values.items()])


def run_info(row: Row) -> RunInfo:
    return RunInfo(
        run_id=row.run_uuid,
        run_uuid=row.run_uuid,
        run_name=row.name,
        experiment_id=str(row.experiment_id),
        user_id=row.user_id,
        status=row.status,
        start_time=row.start_time,
        end_time=row.end_time,
        artifact_uri=row.artifact_uri,
        lifecycle_stage=row.lifecycle_stage,
    )


def _pairs_of_runs(table: Table) -> Prepared:
    """Each listed run's key/value pairs in `table`, as (run id, JSON array of pairs)."""
    return Prepared(
        lambda dialect: (
            select(table.c.run_uuid, json_pairs(dialect, table.c.key, table.c.value))
            .where(in_list(dialect, table.c.run_uuid, "ids"))
            .group_by(table.c.run_uuid)
        )
    )


_lm = latest_metrics.c
_PARAMS_OF_RUNS = _pairs_of_runs(params)
_TAGS_OF_RUNS = _pairs_of_runs(tags)
_METRICS_OF_RUNS = Prepared(
    lambda dialect: select(
        _lm.run_uuid, _lm.key, _lm.value, _lm.is_nan, _lm.timestamp, _lm.step
    ).where(in_list(dialect, _lm.run_uuid, "ids"))
)
_MODELS_OF_RUNS = Prepared(
    lambda dialect: select(
        run_models.c.run_uuid, run_models.c.model_id, run_models.c.direction, run_models.c.step
    ).where(in_list(dialect, run_models.c.run_uuid, "ids"))
)
_DATASETS_OF_RUNS = Prepared(
    lambda dialect: (
        select(run_inputs.c.input_uuid, run_inputs.c.run_uuid, datasets)
        .join(datasets, datasets.c.dataset_uuid == run_inputs.c.dataset_uuid)
        .where(in_list(dialect, run_inputs.c.run_uuid, "ids"))
    )
)
_TAGS_OF_INPUTS = Prepared(
    lambda dialect: select(input_tags.c.input_uuid, input_tags.c.key, input_tags.c.value).where(
        in_list(dialect, input_tags.c.input_uuid, "ids")
    )
)
_PAIRS = msgspec.json.Decoder(list[KeyValue])


def load_runs(conn: Connection, rows: Sequence[Any]) -> list[Run]:
    """Whole runs for `rows` (rows of the runs table), their data loaded with six queries."""
    if not rows:
        return []
    dialect = conn.dialect.name
    ids = {"ids": list_value(dialect, [row.run_uuid for row in rows])}
    run_params = {run: _PAIRS.decode(pairs) for run, pairs in _PARAMS_OF_RUNS.tuples(conn, ids)}
    run_tags = {run: _PAIRS.decode(pairs) for run, pairs in _TAGS_OF_RUNS.tuples(conn, ids)}
    run_metrics: dict[str, list[Metric]] = defaultdict(list)
    for run_id, key, value, is_nan, timestamp, step in _METRICS_OF_RUNS.tuples(conn, ids):
        run_metrics[run_id].append(
            Metric(key=key, value=math.nan if is_nan else value, timestamp=timestamp, step=step)
        )
    run_datasets = _dataset_inputs(conn, ids)
    model_inputs: dict[str, list[ModelInput]] = defaultdict(list)
    model_outputs: dict[str, list[ModelOutput]] = defaultdict(list)
    for run_id, model_id, direction, step in _MODELS_OF_RUNS.tuples(conn, ids):
        if direction == "input":
            model_inputs[run_id].append(ModelInput(model_id=model_id))
        else:
            model_outputs[run_id].append(ModelOutput(model_id=model_id, step=step))
    return [
        Run(
            info=run_info(row),
            data=RunData(
                metrics=run_metrics.get(row.run_uuid, []),
                params=run_params.get(row.run_uuid, []),
                tags=run_tags.get(row.run_uuid, []),
            ),
            inputs=RunInputs(
                dataset_inputs=run_datasets.get(row.run_uuid, []),
                model_inputs=model_inputs.get(row.run_uuid, []),
            ),
            outputs=RunOutputs(model_outputs=model_outputs.get(row.run_uuid, [])),
        )
        for row in rows
    ]


def _dataset_inputs(conn: Connection, ids: dict[str, Any]) -> dict[str, list[DatasetInput]]:
    """The dataset inputs of the runs listed in `ids`, with their tags, by run id."""
    rows = _DATASETS_OF_RUNS.all(conn, ids)
    if not rows:
        return {}
    input_ids = {"ids": list_value(conn.dialect.name, [row.input_uuid for row in rows])}
    tags_by_input: dict[str, list[KeyValue]] = defaultdict(list)
    for input_uuid, key, value in _TAGS_OF_INPUTS.tuples(conn, input_ids):
        tags_by_input[input_uuid].append(KeyValue(key=key, value=value))
    by_run: dict[str, list[DatasetInput]] = defaultdict(list)
    for row in rows:
        by_run[row.run_uuid].append(
            DatasetInput(
                tags=tags_by_input.get(row.input_uuid, []),
                dataset=Dataset(
                    name=row.name,
                    digest=row.digest,
                    source_type=row.source_type,
                    source=row.source,
                    schema=row.schema,
                    profile=row.profile,
                ),
            )
        )
    return by_run
