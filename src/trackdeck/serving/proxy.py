"""`<studio>/endpoints/<name>/invocations`: the studio's front door of an endpoint.

Each request goes to the next instance in turn (round robin over the instances taking
traffic), with aiohttp's client: a fifth of httpx's CPU per request, which matters when
the studio, the instance and the callers share a few cores. The body is read first, so a
request whose instance vanished under it (stopped by an update's switch, or killed) is
sent again to another one: scoring is a pure function of the body, so a retry is safe,
and no caller sees an instance go away.
"""

from __future__ import annotations

import aiohttp
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackdeck.api.protocol import error_response
from trackdeck.errors import (
    InvalidParameterValue,
    ResourceDoesNotExist,
    TemporarilyUnavailable,
    TrackdeckError,
)
from trackdeck.serving.records import EndpointState
from trackdeck.serving.scoring import MAX_BODY_BYTES
from trackdeck.serving.supervisor import EndpointSupervisor
from trackdeck.studio import auth

FORWARDED = ("content-type", "accept")


def _unavailable(name: str, state: EndpointState, reason: str | None) -> TrackdeckError:
    if state is EndpointState.FAILED:
        return TemporarilyUnavailable(f"Endpoint '{name}' is Failed: {reason or 'no reason'}")
    return TemporarilyUnavailable(
        f"Endpoint '{name}' is {state.value} and has no instance ready yet: retry shortly."
    )


async def invocations(request: Request) -> Response:
    name = request.path_params["name"]
    studio = request.app.state.studio
    endpoints: EndpointSupervisor = request.app.state.endpoints
    try:
        auth.studio_user(request, studio.config)
        endpoint = endpoints.store.find(name)
        if endpoint is None:
            raise ResourceDoesNotExist(f"No endpoint named '{name}'.")
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise InvalidParameterValue(f"The body is larger than {MAX_BODY_BYTES} bytes.")
        body = await request.body()
        targets = endpoints.targets(name)
        if not targets:
            raise _unavailable(name, endpoint.state, endpoint.failure_reason)
    except TrackdeckError as error:
        return _with_retry_after(error_response(error), error)
    headers = {k: v for k in FORWARDED if (v := request.headers.get(k)) is not None}
    for url in targets:
        try:
            async with endpoints.session.post(
                f"{url}/invocations", data=body, headers=headers
            ) as answer:
                content = await answer.read()
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError):
            continue  # that instance is gone or going: the next one takes the request
        return Response(
            content, status_code=answer.status, media_type=answer.headers.get("content-type")
        )
    error = TemporarilyUnavailable(f"No instance of endpoint '{name}' answered: retry shortly.")
    return _with_retry_after(error_response(error), error)


async def ping(request: Request) -> Response:
    """200 while the endpoint has an instance taking traffic (for load balancers)."""
    name = request.path_params["name"]
    studio = request.app.state.studio
    endpoints = request.app.state.endpoints
    try:
        auth.studio_user(request, studio.config)
        endpoint = endpoints.store.find(name)
        if endpoint is None:
            raise ResourceDoesNotExist(f"No endpoint named '{name}'.")
        if not endpoints.targets(name):
            raise _unavailable(name, endpoint.state, endpoint.failure_reason)
    except TrackdeckError as error:
        return _with_retry_after(error_response(error), error)
    return Response(b"\n", media_type="application/json")


def _with_retry_after(response: Response, error: TrackdeckError) -> Response:
    if isinstance(error, TemporarilyUnavailable):
        response.headers["Retry-After"] = "2"
    return response


ROUTES = [
    Route("/endpoints/{name}/invocations", invocations, methods=["POST"]),
    Route("/endpoints/{name}/ping", ping, methods=["GET"]),
]
