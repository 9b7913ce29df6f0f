"""What a run consumed and produced: datasets (with input tags) and logged models."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from trackdeck.entities import DatasetInput, ModelInput, ModelOutput
from trackdeck.errors import InvalidParameterValue
from trackdeck.store.database import Database
from trackdeck.store.ids import time_ordered_id
from trackdeck.store.runs import active_run_row
from trackdeck.store.sql import dialect_insert, upsert
from trackdeck.store.tables import datasets, input_tags, run_inputs, run_models
from trackdeck.store.validation import (
    MAX_DATASET_DIGEST_LENGTH,
    MAX_DATASET_NAME_LENGTH,
    MAX_DATASET_PROFILE_LENGTH,
    MAX_DATASET_SCHEMA_LENGTH,
    MAX_DATASET_SOURCE_LENGTH,
    MAX_INPUT_TAG_KEY_LENGTH,
    MAX_INPUT_TAG_VALUE_LENGTH,
)


def _check_length(value: str | None, limit: int, what: str) -> None:
    if value is not None and len(value) > limit:
        raise InvalidParameterValue(
            f"Dataset {what} has length {len(value)}, which exceeds the limit of {limit}."
        )


def validate_dataset_input(item: DatasetInput) -> None:
    dataset = item.dataset
    for value, what in ((dataset.name, "name"), (dataset.digest, "digest")):
        if not value:
            raise InvalidParameterValue(f"Dataset {what} must be a non-empty string.")
    _check_length(dataset.name, MAX_DATASET_NAME_LENGTH, "name")
    _check_length(dataset.digest, MAX_DATASET_DIGEST_LENGTH, "digest")
    _check_length(dataset.source, MAX_DATASET_SOURCE_LENGTH, "source")
    _check_length(dataset.schema, MAX_DATASET_SCHEMA_LENGTH, "schema")
    _check_length(dataset.profile, MAX_DATASET_PROFILE_LENGTH, "profile")
    for tag in item.tags:
        if not tag.key:
            raise InvalidParameterValue("Input tag key must be a non-empty string.")
        _check_length(tag.key, MAX_INPUT_TAG_KEY_LENGTH, "input tag key")
        _check_length(tag.value, MAX_INPUT_TAG_VALUE_LENGTH, "input tag value")


class InputStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def log_inputs(
        self, run_id: str, dataset_inputs: Sequence[DatasetInput], models: Sequence[ModelInput]
    ) -> None:
        for item in dataset_inputs:
            validate_dataset_input(item)

        def work(conn: Connection) -> None:
            row = active_run_row(conn, run_id)
            for item in dataset_inputs:
                _link_dataset(conn, run_id, row.experiment_id, item)
            if models:
                _link_models(conn, run_id, "input", [(m.model_id, 0) for m in models])

        self.db.write(work)

    def log_outputs(self, run_id: str, models: Sequence[ModelOutput]) -> None:
        for model in models:
            if not model.model_id:
                raise InvalidParameterValue("Model output must name a model_id.")

        def work(conn: Connection) -> None:
            active_run_row(conn, run_id)
            _link_models(conn, run_id, "output", [(m.model_id, m.step) for m in models])

        self.db.write(work)


def _link_dataset(conn: Connection, run_id: str, experiment_id: int, item: DatasetInput) -> None:
    """Record the dataset once per experiment and link it once per run; inserts that lose a
    race with another writer fall through to the row the winner wrote."""
    dataset = item.dataset
    conn.execute(
        dialect_insert(conn, datasets)
        .values(
            dataset_uuid=time_ordered_id(),
            experiment_id=experiment_id,
            name=dataset.name,
            digest=dataset.digest,
            source_type=dataset.source_type,
            source=dataset.source,
            schema=dataset.schema,
            profile=dataset.profile,
        )
        .on_conflict_do_nothing()
    )
    dataset_uuid = conn.execute(
        select(datasets.c.dataset_uuid).where(
            datasets.c.experiment_id == experiment_id,
            datasets.c.name == dataset.name,
            datasets.c.digest == dataset.digest,
        )
    ).scalar_one()
    input_uuid = time_ordered_id()
    linked = conn.execute(
        dialect_insert(conn, run_inputs)
        .values(input_uuid=input_uuid, run_uuid=run_id, dataset_uuid=dataset_uuid)
        .on_conflict_do_nothing()
    ).rowcount
    if linked and item.tags:  # logging the same dataset twice links it once, as mlflow does
        conn.execute(
            input_tags.insert(),
            [
                {"input_uuid": input_uuid, "key": t.key, "value": t.value}
                for t in {t.key: t for t in item.tags}.values()
            ],
        )


def _link_models(
    conn: Connection, run_id: str, direction: str, models: list[tuple[str, int]]
) -> None:
    if not models:
        return  # an empty executemany would run the INSERT once with no values
    conn.execute(
        upsert(conn, run_models, "step"),
        [
            {"run_uuid": run_id, "model_id": model_id, "direction": direction, "step": step}
            for model_id, step in dict(models).items()
        ],
    )
