"""Plain typed records the store returns and the API encodes.

They are shaped like the MLflow wire messages (snake_case fields, tags and params as
lists of key/value pairs, enums as names), so encoding a search page of a thousand runs
is one msgspec call with no per-object conversion. `omit_defaults` leaves unset optional
fields out, as MLflow's proto2 JSON does.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec


class Record(msgspec.Struct, omit_defaults=True, kw_only=True):
    """Base for every record: keyword-only and omitting fields left at their default."""


class KeyValue(Record):
    key: str
    value: str


class Experiment(Record):
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str
    creation_time: int | None = None
    last_update_time: int | None = None
    tags: list[KeyValue] = []


class Metric(Record):
    key: str
    value: float
    timestamp: int
    step: int
    run_id: str | None = None
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None


class RunInfo(Record):
    run_id: str
    run_uuid: str
    run_name: str
    experiment_id: str
    user_id: str
    status: str
    start_time: int
    artifact_uri: str
    lifecycle_stage: str
    end_time: int | None = None


class RunData(Record):
    metrics: list[Metric] = []
    params: list[KeyValue] = []
    tags: list[KeyValue] = []


class Dataset(Record):
    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None = None
    profile: str | None = None


class DatasetInput(Record):
    dataset: Dataset
    tags: list[KeyValue] = []


class ModelInput(Record):
    model_id: str


class ModelOutput(Record):
    model_id: str
    step: int


class RunInputs(Record):
    dataset_inputs: list[DatasetInput] = []
    model_inputs: list[ModelInput] = []


class RunOutputs(Record):
    model_outputs: list[ModelOutput] = []


class Run(Record):
    info: RunInfo
    data: RunData
    inputs: RunInputs = msgspec.field(default_factory=RunInputs)
    outputs: RunOutputs = msgspec.field(default_factory=RunOutputs)


T = TypeVar("T")


class Page(msgspec.Struct, Generic[T]):
    """One page of a search: the items and the token for the next page, if any."""

    items: list[T]
    next_page_token: str | None = None


class RegisteredModelAlias(Record):
    alias: str
    version: str


class ModelVersion(Record):
    name: str
    version: str
    creation_timestamp: int
    last_updated_timestamp: int
    current_stage: str
    source: str
    status: str
    user_id: str | None = None
    description: str | None = None
    run_id: str | None = None
    run_link: str | None = None
    status_message: str | None = None
    model_id: str | None = None
    tags: list[KeyValue] = []
    aliases: list[str] = []


class RegisteredModel(Record):
    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    user_id: str | None = None
    description: str | None = None
    latest_versions: list[ModelVersion] = []
    tags: list[KeyValue] = []
    aliases: list[RegisteredModelAlias] = []


class LoggedModelInfo(Record):
    model_id: str
    experiment_id: str
    name: str
    artifact_uri: str
    status: str
    creation_timestamp_ms: int
    last_updated_timestamp_ms: int
    model_type: str | None = None
    source_run_id: str | None = None
    status_message: str | None = None
    tags: list[KeyValue] = []


class LoggedModelData(Record):
    params: list[KeyValue] = []
    metrics: list[Metric] = []


class LoggedModel(Record):
    """An MLflow 3 logged model (`mlflow.<flavor>.log_model`): its info, params and metrics."""

    info: LoggedModelInfo
    data: LoggedModelData = msgspec.field(default_factory=LoggedModelData)
