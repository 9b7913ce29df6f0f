"""The studio REST API under /api/trackdeck/v1/: tracking servers and their presigned URLs.

    POST   /tracking-servers                  create (optionally start)
    GET    /tracking-servers                  list: state filter, sort, paging
    GET    /tracking-servers/{name}           describe
    PATCH  /tracking-servers/{name}           update size, artifact store, auto-registration, tags
    POST   /tracking-servers/{name}/start     start
    POST   /tracking-servers/{name}/stop      stop
    DELETE /tracking-servers/{name}           delete (keep_data to keep its folder)
    POST   /tracking-servers/{name}/url       a presigned one-time URL to its UI

Errors are `{"error_code", "message"}` with the status of the code, as on tracking servers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackdeck.api.protocol import Message, decode_request, error_response, json_response
from trackdeck.errors import InvalidParameterValue, TrackdeckError
from trackdeck.studio import presign
from trackdeck.studio.policy import studio_user_of
from trackdeck.studio.proxy import prefix
from trackdeck.studio.records import (
    SIZES,
    TrackingServer,
    parse_size,
    parse_state,
    validate_name,
)

BASE = "/api/trackdeck/v1/tracking-servers"


class Tag(msgspec.Struct):
    key: str
    value: str


Tags = dict[str, str] | list[Tag] | None


class CreateRequest(Message):
    name: str
    size: str = "Small"
    backend_store_uri: str | None = None
    artifact_store_uri: str | None = None
    automatic_model_registration: bool = False
    tags: Tags = None
    start: bool = False


class ListRequest(Message):
    state: str | None = None
    sort_by: str = "creation_time"
    sort_order: str = "desc"
    max_results: int = 50
    page_token: str | None = None


class NameRequest(Message):
    name: str


class UpdateRequest(Message):
    name: str
    size: str | None = None
    artifact_store_uri: str | None = None
    automatic_model_registration: bool | None = None
    tags: Tags = None


class DeleteRequest(Message):
    name: str
    keep_data: bool = False


class UrlRequest(Message):
    name: str
    expires_in_seconds: int = presign.DEFAULT_EXPIRES
    session_expiration_seconds: int = presign.DEFAULT_SESSION


def _tags(tags: Tags) -> dict[str, str] | None:
    if tags is None or isinstance(tags, dict):
        return tags
    return {tag.key: tag.value for tag in tags}


def _artifact_store(uri: str | None) -> str | None:
    if uri is None or "://" in uri:
        if uri is not None and not uri.startswith(("s3://", "file://")):
            raise InvalidParameterValue(
                f"Invalid artifact_store_uri {uri!r}: a folder or s3://bucket/prefix."
            )
        return uri
    from pathlib import Path

    return str(Path(uri).expanduser().resolve())


def encode(server: TrackingServer, studio_url: str) -> dict[str, Any]:
    size = SIZES[server.size]
    return {
        **msgspec.to_builtins(server),
        "tracking_server_url": studio_url + prefix(server.name),
        "direct_url": f"http://127.0.0.1:{server.port}",
        "workers": size.workers,
        "memory_limit_mib": size.memory_limit_mib,
        "max_request_mib": size.max_request_mib,
    }


Handler = Callable[[Request, Any, str], Awaitable[Any]]


def route(path: str, method: str, request_type: type[Message], handler: Handler) -> Route:
    async def answer(request: Request) -> Response:
        try:
            user = studio_user_of(request)
            message = await decode_request(request, request_type)
            payload = await handler(request, message, user)
        except TrackdeckError as error:
            return error_response(error)
        return json_response(payload)

    answer.__name__ = handler.__name__
    return Route(path, answer, methods=[method])


def _one(request: Request, server: TrackingServer) -> dict[str, Any]:
    studio = request.app.state.studio
    return {"tracking_server": encode(server, studio.config.url)}


async def create(request: Request, message: CreateRequest, user: str) -> Any:
    supervisor = request.app.state.studio.supervisor
    server = supervisor.create(
        validate_name(message.name),
        parse_size(message.size),
        message.backend_store_uri,
        _artifact_store(message.artifact_store_uri),
        message.automatic_model_registration,
        _tags(message.tags) or {},
        user,
    )
    if message.start:
        server = supervisor.start(server.name, user)
    return _one(request, server)


async def list_servers(request: Request, message: ListRequest, _user: str) -> Any:
    studio = request.app.state.studio
    if message.sort_order.lower() not in ("asc", "desc", "ascending", "descending"):
        raise InvalidParameterValue("sort_order must be asc or desc.")
    servers, token = studio.store.list(
        state=parse_state(message.state) if message.state else None,
        sort_by=message.sort_by,
        ascending=message.sort_order.lower().startswith("asc"),
        max_results=message.max_results,
        page_token=message.page_token,
    )
    page: dict[str, Any] = {"tracking_servers": [encode(s, studio.config.url) for s in servers]}
    if token:
        page["next_page_token"] = token
    return page


async def describe(request: Request, message: NameRequest, _user: str) -> Any:
    return _one(request, request.app.state.studio.store.get(message.name))


async def update(request: Request, message: UpdateRequest, user: str) -> Any:
    server = request.app.state.studio.supervisor.update(
        message.name,
        user,
        size=parse_size(message.size) if message.size is not None else None,
        artifact_store_uri=_artifact_store(message.artifact_store_uri),
        automatic_model_registration=message.automatic_model_registration,
        tags=_tags(message.tags),
    )
    return _one(request, server)


async def start(request: Request, message: NameRequest, user: str) -> Any:
    return _one(request, request.app.state.studio.supervisor.start(message.name, user))


async def stop(request: Request, message: NameRequest, user: str) -> Any:
    return _one(request, request.app.state.studio.supervisor.stop(message.name, user))


async def delete(request: Request, message: DeleteRequest, user: str) -> Any:
    supervisor = request.app.state.studio.supervisor
    return _one(request, supervisor.delete(message.name, user, remove_data=not message.keep_data))


async def presigned_url(request: Request, message: UrlRequest, _user: str) -> Any:
    studio = request.app.state.studio
    server = studio.store.get(message.name)
    token = presign.presigned_token(
        server.name,
        studio.config.secret(),
        message.expires_in_seconds,
        message.session_expiration_seconds,
    )
    url = f"{studio.config.url}{prefix(server.name)}/_presigned?token={token}"
    return {"authorized_url": url}


ROUTES = [
    route(BASE, "POST", CreateRequest, create),
    route(BASE, "GET", ListRequest, list_servers),
    route(BASE + "/{name}", "GET", NameRequest, describe),
    route(BASE + "/{name}", "PATCH", UpdateRequest, update),
    route(BASE + "/{name}", "DELETE", DeleteRequest, delete),
    route(BASE + "/{name}/start", "POST", NameRequest, start),
    route(BASE + "/{name}/stop", "POST", NameRequest, stop),
    route(BASE + "/{name}/url", "POST", UrlRequest, presigned_url),
]
