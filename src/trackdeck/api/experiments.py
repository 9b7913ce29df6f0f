"""Experiments RPCs: /experiments/{create,get,get-by-name,search,update,delete,restore,...}."""

from __future__ import annotations

from typing import Any

from trackdeck.api.protocol import Message, Rpc, page_response
from trackdeck.auth.identity import Caller
from trackdeck.auth.resources import EXPERIMENT
from trackdeck.entities import KeyValue
from trackdeck.store.experiments import ACTIVE, DELETED
from trackdeck.store.tracking import TrackingStore


class CreateExperiment(Message):
    name: str | None = None
    artifact_location: str | None = None
    tags: list[KeyValue] = []


class ExperimentById(Message):
    experiment_id: str | None = None


class ExperimentByName(Message):
    experiment_name: str | None = None


class SearchExperiments(Message):
    max_results: int | None = None
    page_token: str | None = None
    filter: str | None = None
    order_by: list[str] = []
    view_type: str | int | None = None


class UpdateExperiment(Message):
    experiment_id: str | None = None
    new_name: str | None = None


class SetExperimentTag(Message):
    experiment_id: str | None = None
    key: str = ""
    value: str = ""


class DeleteExperimentTag(Message):
    experiment_id: str | None = None
    key: str = ""


def create(store: TrackingStore, req: CreateExperiment) -> dict[str, Any]:
    return {"experiment_id": store.experiments.create(req.name, req.artifact_location, req.tags)}


def get(store: TrackingStore, req: ExperimentById) -> dict[str, Any]:
    return {"experiment": store.experiments.get(req.experiment_id or "")}


def get_by_name(store: TrackingStore, req: ExperimentByName) -> dict[str, Any]:
    return {"experiment": store.experiments.get_by_name(req.experiment_name or "")}


def search(store: TrackingStore, req: SearchExperiments, caller: Caller) -> dict[str, Any]:
    page = store.experiments.search(
        req.view_type,
        req.max_results,
        req.filter,
        req.order_by,
        req.page_token,
        caller.visible(EXPERIMENT),
    )
    return page_response("experiments", page)


def update(store: TrackingStore, req: UpdateExperiment) -> dict[str, Any]:
    store.experiments.rename(req.experiment_id or "", req.new_name)
    return {}


def delete(store: TrackingStore, req: ExperimentById) -> dict[str, Any]:
    store.experiments.set_lifecycle(req.experiment_id or "", DELETED)
    return {}


def restore(store: TrackingStore, req: ExperimentById) -> dict[str, Any]:
    store.experiments.set_lifecycle(req.experiment_id or "", ACTIVE)
    return {}


def set_tag(store: TrackingStore, req: SetExperimentTag) -> dict[str, Any]:
    store.experiments.set_tag(req.experiment_id or "", req.key, req.value)
    return {}


def delete_tag(store: TrackingStore, req: DeleteExperimentTag) -> dict[str, Any]:
    store.experiments.delete_tag(req.experiment_id or "", req.key)
    return {}


RPCS = [
    Rpc("POST", "/experiments/create", CreateExperiment, create),
    Rpc("GET", "/experiments/get", ExperimentById, get, quick=True),
    Rpc("GET", "/experiments/get-by-name", ExperimentByName, get_by_name, quick=True),
    Rpc("POST", "/experiments/search", SearchExperiments, search, scoped=True),
    Rpc("GET", "/experiments/search", SearchExperiments, search, scoped=True),
    Rpc("POST", "/experiments/update", UpdateExperiment, update),
    Rpc("POST", "/experiments/delete", ExperimentById, delete),
    Rpc("POST", "/experiments/restore", ExperimentById, restore),
    Rpc("POST", "/experiments/set-experiment-tag", SetExperimentTag, set_tag),
    Rpc("POST", "/experiments/delete-experiment-tag", DeleteExperimentTag, delete_tag),
]
