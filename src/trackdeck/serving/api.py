"""The endpoints REST API under /api/trackdeck/v1/endpoints (beside tracking servers).

    POST   /endpoints               create: name, model_uri, server_name, instance_count
    GET    /endpoints               list: state filter, sort, paging
    GET    /endpoints/{name}        describe (with its instances)
    PATCH  /endpoints/{name}        update: model_uri and/or instance_count (blue/green)
    DELETE /endpoints/{name}        delete
    GET    /endpoints/{name}/logs   the last lines of each instance's log

Invocations go to `/endpoints/{name}/invocations` on the studio (serving/proxy.py).
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from trackdeck.api.protocol import Message
from trackdeck.errors import InvalidParameterValue
from trackdeck.serving.records import Endpoint, parse_state
from trackdeck.studio.api import ListRequest, NameRequest, route

BASE = "/api/trackdeck/v1/endpoints"
MAX_LOG_LINES = 1000


class CreateRequest(Message):
    name: str
    model_uri: str
    server_name: str = "default"
    instance_count: int = 1


class UpdateRequest(Message):
    name: str
    model_uri: str | None = None
    instance_count: int | None = None


class LogsRequest(Message):
    name: str
    lines: int = 50


def encode(request: Request, endpoint: Endpoint) -> dict[str, Any]:
    studio_url = request.app.state.studio.config.url
    return {
        **msgspec.to_builtins(endpoint),
        "invocation_url": f"{studio_url}/endpoints/{endpoint.name}/invocations",
        "instances": request.app.state.endpoints.instances(endpoint.name),
    }


async def create(request: Request, message: CreateRequest, user: str) -> Any:
    endpoint = await request.app.state.endpoints.create(
        message.name, message.model_uri, message.server_name, message.instance_count, user
    )
    return {"endpoint": encode(request, endpoint)}


async def list_endpoints(request: Request, message: ListRequest, _user: str) -> Any:
    if message.sort_order.lower() not in ("asc", "desc", "ascending", "descending"):
        raise InvalidParameterValue("sort_order must be asc or desc.")
    found, token = request.app.state.endpoints.store.list(
        state=parse_state(message.state) if message.state else None,
        sort_by=message.sort_by,
        ascending=message.sort_order.lower().startswith("asc"),
        max_results=message.max_results,
        page_token=message.page_token,
    )
    page: dict[str, Any] = {"endpoints": [encode(request, e) for e in found]}
    if token:
        page["next_page_token"] = token
    return page


async def describe(request: Request, message: NameRequest, _user: str) -> Any:
    return {"endpoint": encode(request, request.app.state.endpoints.store.get(message.name))}


async def update(request: Request, message: UpdateRequest, user: str) -> Any:
    if message.model_uri is None and message.instance_count is None:
        raise InvalidParameterValue("Give model_uri, instance_count, or both.")
    endpoint = await request.app.state.endpoints.update(
        message.name, user, message.model_uri, message.instance_count
    )
    return {"endpoint": encode(request, endpoint)}


async def delete(request: Request, message: NameRequest, user: str) -> Any:
    return {"endpoint": encode(request, request.app.state.endpoints.delete(message.name, user))}


async def logs(request: Request, message: LogsRequest, _user: str) -> Any:
    if not 1 <= message.lines <= MAX_LOG_LINES:
        raise InvalidParameterValue(f"lines must be between 1 and {MAX_LOG_LINES}.")
    tails = request.app.state.endpoints.logs(message.name, message.lines)
    return {"instances": [{"instance_id": k, "log": v} for k, v in tails.items()]}


ROUTES = [
    route(BASE, "POST", CreateRequest, create),
    route(BASE, "GET", ListRequest, list_endpoints),
    route(BASE + "/{name}", "GET", NameRequest, describe),
    route(BASE + "/{name}", "PATCH", UpdateRequest, update),
    route(BASE + "/{name}", "DELETE", NameRequest, delete),
    route(BASE + "/{name}/logs", "GET", LogsRequest, logs),
]
