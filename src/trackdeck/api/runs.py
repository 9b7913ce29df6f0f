"""Runs RPCs: create, get, update, delete, restore, search, and logging to a run."""

from __future__ import annotations

from typing import Any

from trackdeck.api.protocol import Message, Rpc, RunRequest, page_response
from trackdeck.auth.identity import Caller, readable_experiments
from trackdeck.entities import DatasetInput, KeyValue, Metric, ModelInput, ModelOutput
from trackdeck.errors import InvalidParameterValue
from trackdeck.store.experiments import ACTIVE, DELETED
from trackdeck.store.tracking import TrackingStore


class CreateRun(Message):
    experiment_id: str | None = None
    user_id: str | None = None
    run_name: str | None = None
    start_time: int | None = None
    tags: list[KeyValue] = []


class UpdateRun(RunRequest):
    status: str | int | None = None
    end_time: int | None = None
    run_name: str | None = None


class SearchRuns(Message):
    experiment_ids: list[str] = []
    filter: str | None = None
    run_view_type: str | int | None = None
    max_results: int | None = None
    order_by: list[str] = []
    page_token: str | None = None


class LogMetric(RunRequest, kw_only=True):
    key: str = ""
    value: float
    timestamp: int
    step: int = 0
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None


class LogParam(RunRequest):
    key: str = ""
    value: str = ""


class SetTag(RunRequest):
    key: str = ""
    value: str = ""


class DeleteTag(RunRequest):
    key: str = ""


class LogBatch(RunRequest):
    metrics: list[Metric] = []  # decoded straight into what the store takes
    params: list[KeyValue] = []
    tags: list[KeyValue] = []


class LogInputs(RunRequest):
    datasets: list[DatasetInput] = []
    models: list[ModelInput] = []


class LogOutputs(RunRequest):
    models: list[ModelOutput] = []


def _metric(m: LogMetric) -> Metric:
    return Metric(
        key=m.key,
        value=m.value,
        timestamp=m.timestamp,
        step=m.step,
        model_id=m.model_id,
        dataset_name=m.dataset_name,
        dataset_digest=m.dataset_digest,
    )


def create(store: TrackingStore, req: CreateRun) -> dict[str, Any]:
    run = store.runs.create(req.experiment_id, req.user_id, req.start_time, req.run_name, req.tags)
    return {"run": run}


def get(store: TrackingStore, req: RunRequest) -> dict[str, Any]:
    return {"run": store.runs.get(req.run)}


def update(store: TrackingStore, req: UpdateRun) -> dict[str, Any]:
    return {"run_info": store.runs.update(req.run, req.status, req.end_time, req.run_name)}


def delete(store: TrackingStore, req: RunRequest) -> dict[str, Any]:
    store.runs.set_lifecycle(req.run, DELETED)
    return {}


def restore(store: TrackingStore, req: RunRequest) -> dict[str, Any]:
    store.runs.set_lifecycle(req.run, ACTIVE)
    return {}


def search(store: TrackingStore, req: SearchRuns, caller: Caller) -> dict[str, Any]:
    page = store.run_search.search(
        readable_experiments(caller, req.experiment_ids),
        req.filter,
        req.run_view_type,
        req.max_results,
        req.order_by,
        req.page_token,
    )
    return page_response("runs", page)


def log_metric(store: TrackingStore, req: LogMetric) -> dict[str, Any]:
    store.logging.log_metric(req.run, _metric(req))
    return {}


def log_param(store: TrackingStore, req: LogParam) -> dict[str, Any]:
    if not req.key:
        raise InvalidParameterValue("Missing value for required parameter 'key'.")
    store.logging.log_param(req.run, req.key, req.value)
    return {}


def set_tag(store: TrackingStore, req: SetTag) -> dict[str, Any]:
    store.logging.set_tag(req.run, req.key, req.value)
    return {}


def delete_tag(store: TrackingStore, req: DeleteTag) -> dict[str, Any]:
    store.logging.delete_tag(req.run, req.key)
    return {}


def log_batch(store: TrackingStore, req: LogBatch) -> dict[str, Any]:
    store.logging.log_batch(req.run, req.metrics, req.params, req.tags)
    return {}


def log_inputs(store: TrackingStore, req: LogInputs) -> dict[str, Any]:
    store.inputs.log_inputs(req.run, req.datasets, req.models)
    return {}


def log_outputs(store: TrackingStore, req: LogOutputs) -> dict[str, Any]:
    store.inputs.log_outputs(req.run, req.models)
    return {}


RPCS = [
    Rpc("POST", "/runs/create", CreateRun, create, quick=True),
    Rpc("GET", "/runs/get", RunRequest, get, quick=True),
    Rpc("POST", "/runs/update", UpdateRun, update, quick=True),
    Rpc("POST", "/runs/delete", RunRequest, delete),
    Rpc("POST", "/runs/restore", RunRequest, restore),
    Rpc("POST", "/runs/search", SearchRuns, search, scoped=True),
    Rpc("POST", "/runs/log-metric", LogMetric, log_metric, quick=True),
    Rpc("POST", "/runs/log-parameter", LogParam, log_param, quick=True),
    Rpc("POST", "/runs/set-tag", SetTag, set_tag, quick=True),
    Rpc("POST", "/runs/delete-tag", DeleteTag, delete_tag, quick=True),
    Rpc("POST", "/runs/log-batch", LogBatch, log_batch),
    Rpc("POST", "/runs/log-inputs", LogInputs, log_inputs),
    Rpc("POST", "/runs/outputs", LogOutputs, log_outputs),
]
