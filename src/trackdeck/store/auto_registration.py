"""Automatic model registration, as SageMaker's AutomaticModelRegistration does it: every
logged model that finishes uploading becomes a new version of the registered model of the
same name (created on first use), linked to the run that logged it."""

from __future__ import annotations

import contextlib

from trackdeck.entities import KeyValue, LoggedModel, ModelVersion
from trackdeck.errors import ResourceAlreadyExists
from trackdeck.store.model_versions import ModelVersionStore
from trackdeck.store.registered_models import RegisteredModelStore

AUTO_REGISTERED_TAG = "trackdeck.autoRegistered"


class AutoRegistration:
    def __init__(self, models: RegisteredModelStore, versions: ModelVersionStore) -> None:
        self.models = models
        self.versions = versions

    def register(self, model: LoggedModel) -> ModelVersion:
        info = model.info
        with contextlib.suppress(ResourceAlreadyExists):  # registered on an earlier log
            self.models.create(info.name, [], None)
        return self.versions.create(
            info.name,
            f"models:/{info.model_id}",
            info.source_run_id,
            [KeyValue(key=AUTO_REGISTERED_TAG, value="true")],
            None,
            None,
        )
