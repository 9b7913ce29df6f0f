"""Model registry RPCs: /registered-models/... and /model-versions/..."""

from __future__ import annotations

from typing import Any

from trackdeck.api.protocol import Message, Rpc, page_response
from trackdeck.auth.identity import Caller
from trackdeck.auth.resources import REGISTERED_MODEL as MODEL
from trackdeck.entities import KeyValue
from trackdeck.store.tracking import TrackingStore


class ModelName(Message):
    name: str = ""


class CreateRegisteredModel(ModelName):
    tags: list[KeyValue] = []
    description: str | None = None


class RenameRegisteredModel(ModelName):
    new_name: str | None = None


class UpdateRegisteredModel(ModelName):
    description: str | None = None


class Search(Message):
    filter: str | None = None
    max_results: int | None = None
    order_by: list[str] = []
    page_token: str | None = None


class LatestVersions(ModelName):
    stages: list[str] = []


class ModelTag(ModelName):
    key: str = ""
    value: str = ""


class Alias(ModelName):
    alias: str = ""
    version: str | None = None


class CreateModelVersion(ModelName):
    source: str = ""
    run_id: str | None = None
    tags: list[KeyValue] = []
    run_link: str | None = None
    description: str | None = None
    model_id: str | None = None


class VersionRef(ModelName):
    version: str | None = None


class UpdateModelVersion(VersionRef):
    description: str | None = None


class TransitionStage(VersionRef):
    stage: str | None = None
    archive_existing_versions: bool = False


class VersionTag(VersionRef):
    key: str = ""
    value: str = ""


def create_model(store: TrackingStore, req: CreateRegisteredModel) -> dict[str, Any]:
    model = store.registered_models.create(req.name, req.tags, req.description)
    return {"registered_model": model}


def get_model(store: TrackingStore, req: ModelName) -> dict[str, Any]:
    return {"registered_model": store.registered_models.get(req.name)}


def rename_model(store: TrackingStore, req: RenameRegisteredModel) -> dict[str, Any]:
    return {"registered_model": store.registered_models.rename(req.name, req.new_name)}


def update_model(store: TrackingStore, req: UpdateRegisteredModel) -> dict[str, Any]:
    return {"registered_model": store.registered_models.update(req.name, req.description)}


def delete_model(store: TrackingStore, req: ModelName) -> dict[str, Any]:
    store.registered_models.delete(req.name)
    return {}


def search_models(store: TrackingStore, req: Search, caller: Caller) -> dict[str, Any]:
    page = store.registered_models.search(
        req.filter, req.max_results, req.order_by, req.page_token, caller.visible(MODEL)
    )
    return page_response("registered_models", page)


def latest_versions(store: TrackingStore, req: LatestVersions) -> dict[str, Any]:
    return {"model_versions": store.registered_models.latest_versions(req.name, req.stages)}


def set_model_tag(store: TrackingStore, req: ModelTag) -> dict[str, Any]:
    store.registered_models.set_tag(req.name, req.key, req.value)
    return {}


def delete_model_tag(store: TrackingStore, req: ModelTag) -> dict[str, Any]:
    store.registered_models.delete_tag(req.name, req.key)
    return {}


def set_alias(store: TrackingStore, req: Alias) -> dict[str, Any]:
    store.registered_models.set_alias(req.name, req.alias, req.version)
    return {}


def get_alias(store: TrackingStore, req: Alias) -> dict[str, Any]:
    return {"model_version": store.registered_models.version_by_alias(req.name, req.alias)}


def delete_alias(store: TrackingStore, req: Alias) -> dict[str, Any]:
    store.registered_models.delete_alias(req.name, req.alias)
    return {}


def create_version(store: TrackingStore, req: CreateModelVersion) -> dict[str, Any]:
    version = store.model_versions.create(
        req.name, req.source, req.run_id, req.tags, req.run_link, req.description
    )
    return {"model_version": version}


def get_version(store: TrackingStore, req: VersionRef) -> dict[str, Any]:
    return {"model_version": store.model_versions.get(req.name, req.version)}


def update_version(store: TrackingStore, req: UpdateModelVersion) -> dict[str, Any]:
    return {"model_version": store.model_versions.update(req.name, req.version, req.description)}


def delete_version(store: TrackingStore, req: VersionRef) -> dict[str, Any]:
    store.model_versions.delete(req.name, req.version)
    return {}


def search_versions(store: TrackingStore, req: Search, caller: Caller) -> dict[str, Any]:
    page = store.model_versions.search(
        req.filter, req.max_results, req.order_by, req.page_token, caller.visible(MODEL)
    )
    return page_response("model_versions", page)


def transition_stage(store: TrackingStore, req: TransitionStage) -> dict[str, Any]:
    version = store.model_versions.transition_stage(
        req.name, req.version, req.stage or "", req.archive_existing_versions
    )
    return {"model_version": version}


def set_version_tag(store: TrackingStore, req: VersionTag) -> dict[str, Any]:
    store.model_versions.set_tag(req.name, req.version, req.key, req.value)
    return {}


def delete_version_tag(store: TrackingStore, req: VersionTag) -> dict[str, Any]:
    store.model_versions.delete_tag(req.name, req.version, req.key)
    return {}


def download_uri(store: TrackingStore, req: VersionRef) -> dict[str, Any]:
    return {"artifact_uri": store.model_versions.location(req.name, req.version)}


_MODELS = "/registered-models"
_VERSIONS = "/model-versions"

RPCS = [
    Rpc("POST", f"{_MODELS}/create", CreateRegisteredModel, create_model),
    Rpc("GET", f"{_MODELS}/get", ModelName, get_model),
    Rpc("POST", f"{_MODELS}/rename", RenameRegisteredModel, rename_model),
    Rpc("PATCH", f"{_MODELS}/update", UpdateRegisteredModel, update_model),
    Rpc("DELETE", f"{_MODELS}/delete", ModelName, delete_model),
    Rpc("GET", f"{_MODELS}/search", Search, search_models, scoped=True),
    Rpc("POST", f"{_MODELS}/get-latest-versions", LatestVersions, latest_versions),
    Rpc("GET", f"{_MODELS}/get-latest-versions", LatestVersions, latest_versions),
    Rpc("POST", f"{_MODELS}/set-tag", ModelTag, set_model_tag),
    Rpc("DELETE", f"{_MODELS}/delete-tag", ModelTag, delete_model_tag),
    Rpc("POST", f"{_MODELS}/alias", Alias, set_alias),
    Rpc("GET", f"{_MODELS}/alias", Alias, get_alias),
    Rpc("DELETE", f"{_MODELS}/alias", Alias, delete_alias),
    Rpc("POST", f"{_VERSIONS}/create", CreateModelVersion, create_version),
    Rpc("GET", f"{_VERSIONS}/get", VersionRef, get_version),
    Rpc("PATCH", f"{_VERSIONS}/update", UpdateModelVersion, update_version),
    Rpc("DELETE", f"{_VERSIONS}/delete", VersionRef, delete_version),
    Rpc("GET", f"{_VERSIONS}/search", Search, search_versions, scoped=True),
    Rpc("POST", f"{_VERSIONS}/transition-stage", TransitionStage, transition_stage),
    Rpc("POST", f"{_VERSIONS}/set-tag", VersionTag, set_version_tag),
    Rpc("DELETE", f"{_VERSIONS}/delete-tag", VersionTag, delete_version_tag),
    Rpc("GET", f"{_VERSIONS}/get-download-uri", VersionRef, download_uri),
]
