"""Logged-model RPCs (MLflow 3): /logged-models[/{model_id}[/tags|/params]] and search."""

from __future__ import annotations

from typing import Any

from trackdeck.api.protocol import Message, Rpc, page_response
from trackdeck.auth.identity import Caller, readable_experiments
from trackdeck.entities import KeyValue
from trackdeck.store.logged_models import DatasetRef, OrderBy
from trackdeck.store.tracking import TrackingStore


class CreateLoggedModel(Message):
    experiment_id: str | None = None
    name: str | None = None
    model_type: str | None = None
    source_run_id: str | None = None
    params: list[KeyValue] = []
    tags: list[KeyValue] = []


class ModelById(Message):
    model_id: str = ""


class GetLoggedModel(ModelById):
    allow_deleted: bool = False


class FinalizeLoggedModel(ModelById):
    status: str | int | None = None


class SetLoggedModelTags(ModelById):
    tags: list[KeyValue] = []


class DeleteLoggedModelTag(ModelById):
    tag_key: str = ""


class LogLoggedModelParams(ModelById):
    params: list[KeyValue] = []


class SearchDataset(Message):
    dataset_name: str = ""
    dataset_digest: str | None = None


class SearchOrderBy(Message):
    field_name: str = ""
    ascending: bool = True
    dataset_name: str | None = None
    dataset_digest: str | None = None


class SearchLoggedModels(Message):
    experiment_ids: list[str] = []
    filter: str | None = None
    datasets: list[SearchDataset] = []
    max_results: int | None = None
    order_by: list[SearchOrderBy] = []
    page_token: str | None = None


def create(store: TrackingStore, req: CreateLoggedModel) -> dict[str, Any]:
    model = store.logged_models.create(
        req.experiment_id, req.name, req.model_type, req.source_run_id, req.params, req.tags
    )
    return {"model": model}


def get(store: TrackingStore, req: GetLoggedModel) -> dict[str, Any]:
    return {"model": store.logged_models.get(req.model_id, req.allow_deleted)}


def finalize(store: TrackingStore, req: FinalizeLoggedModel) -> dict[str, Any]:
    return {"model": store.finalize_logged_model(req.model_id, req.status)}


def delete(store: TrackingStore, req: ModelById) -> dict[str, Any]:
    store.logged_models.delete(req.model_id)
    return {}


def set_tags(store: TrackingStore, req: SetLoggedModelTags) -> dict[str, Any]:
    store.logged_models.set_tags(req.model_id, req.tags)
    return {}


def delete_tag(store: TrackingStore, req: DeleteLoggedModelTag) -> dict[str, Any]:
    store.logged_models.delete_tag(req.model_id, req.tag_key)
    return {}


def log_params(store: TrackingStore, req: LogLoggedModelParams) -> dict[str, Any]:
    store.logged_models.log_params(req.model_id, req.params)
    return {}


def search(store: TrackingStore, req: SearchLoggedModels, caller: Caller) -> dict[str, Any]:
    page = store.logged_models.search(
        readable_experiments(caller, req.experiment_ids),
        req.filter,
        [DatasetRef(d.dataset_name, d.dataset_digest) for d in req.datasets],
        req.max_results,
        [
            OrderBy(o.field_name, o.ascending, o.dataset_name, o.dataset_digest)
            for o in req.order_by
        ],
        req.page_token,
    )
    return page_response("models", page)


RPCS = [
    Rpc("POST", "/logged-models", CreateLoggedModel, create),
    Rpc("POST", "/logged-models/search", SearchLoggedModels, search, scoped=True),
    Rpc("GET", "/logged-models/{model_id}", GetLoggedModel, get),
    Rpc("PATCH", "/logged-models/{model_id}", FinalizeLoggedModel, finalize),
    Rpc("DELETE", "/logged-models/{model_id}", ModelById, delete),
    Rpc("PATCH", "/logged-models/{model_id}/tags", SetLoggedModelTags, set_tags),
    Rpc(
        "DELETE", "/logged-models/{model_id}/tags/{tag_key:path}", DeleteLoggedModelTag, delete_tag
    ),
    Rpc("POST", "/logged-models/{model_id}/params", LogLoggedModelParams, log_params),
]
