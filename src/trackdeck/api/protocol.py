"""The MLflow JSON-over-HTTP conventions, in one place.

- Requests: POST/PATCH/DELETE carry a JSON body; GET carries the same fields as query
  parameters (repeated parameters for lists, `True`/`False` for booleans, int64 as text).
  Both are decoded into a typed request struct; a request that does not fit is a 400
  that names the field.
- Responses: HTTP 200 with a JSON object. NaN metric values travel as the string "NaN".
- Errors: `{"error_code", "message"}` with the status the error code maps to.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from trackdeck.auth.identity import CHECK, caller_of
from trackdeck.entities import Page
from trackdeck.errors import InvalidParameterValue, TrackdeckError
from trackdeck.store.database import WriterBusy, not_waiting

log = logging.getLogger(__name__)

R = TypeVar("R", bound=msgspec.Struct)


class Message(msgspec.Struct, kw_only=True):
    """Base of every request type: unknown fields are ignored, as protobuf parsing does."""


class RunRequest(Message):
    """A request naming a run by `run_id` or by the legacy `run_uuid` (clients send both)."""

    run_id: str | None = None
    run_uuid: str | None = None

    @property
    def run(self) -> str:
        run_id = self.run_id or self.run_uuid
        if not run_id:
            raise InvalidParameterValue("Missing value for required parameter 'run_id'.")
        return run_id


_ENCODER = msgspec.json.Encoder()
# msgspec writes a non-finite float as null; metric values are the only floats on the wire
# (infinities are clamped before they are stored), so a null value can only be NaN.
_NAN_NULL = b'"value":null'
_NAN_TEXT = b'"value":"NaN"'


def json_response(payload: Any, status: int = 200) -> Response:
    body = _ENCODER.encode(payload)
    if _NAN_NULL in body:
        body = body.replace(_NAN_NULL, _NAN_TEXT)
    return Response(body, status_code=status, media_type="application/json")


def page_response(items_key: str, page: Page[Any]) -> dict[str, Any]:
    """A search answer: the items under `items_key`, and the next page's token if any."""
    response: dict[str, Any] = {items_key: page.items}
    if page.next_page_token:
        response["next_page_token"] = page.next_page_token
    return response


def error_response(error: TrackdeckError) -> Response:
    return json_response(error.to_json(), status=error.http_status)


@cache
def _list_fields(request_type: type[msgspec.Struct]) -> frozenset[str]:
    hints = typing.get_type_hints(request_type)
    list_fields = set()
    for field in msgspec.structs.fields(request_type):
        hint = hints[field.name]
        options = typing.get_args(hint) if typing.get_origin(hint) is typing.Union else (hint,)
        if any(typing.get_origin(option) is list for option in options):
            list_fields.add(field.encode_name)
    return frozenset(list_fields)


def _query_dict(request: Request, request_type: type[msgspec.Struct]) -> dict[str, Any]:
    list_fields = _list_fields(request_type)
    query = request.query_params
    return {
        name: query.getlist(name) if name in list_fields else query[name]
        for name in query.keys()  # noqa: SIM118 - multi-dict keys
    }


async def decode_request(request: Request, request_type: type[R]) -> R:
    """The typed request from the query string (GET) or the JSON body (other methods)."""
    body = b"" if request.method == "GET" else await request.body()
    return parse_request(request, body, request_type)


def parse_request(request: Request, body: bytes, request_type: type[R]) -> R:
    """The typed request from the query string (GET) or `body`, the JSON body.

    Path parameters of the route (`/logged-models/{model_id}`) fill the fields of the same
    name, over whatever the query or body says: the URL names the resource.
    """
    try:
        if request.method == "GET":
            fields = _query_dict(request, request_type) | request.path_params
            return msgspec.convert(fields, request_type, strict=False)
        if not body.strip():
            body = b"{}"
        content_type = request.headers.get("content-type", "")
        if content_type and "json" not in content_type:
            raise InvalidParameterValue(
                f"Bad request: the body must be JSON with Content-Type application/json, "
                f"not '{content_type}'."
            )
        if request.path_params:
            fields = msgspec.json.decode(body)
            if not isinstance(fields, dict):
                raise InvalidParameterValue(
                    f"Invalid request to {request.url.path}: the body must be a JSON object."
                )
            return msgspec.convert(fields | request.path_params, request_type, strict=False)
        return msgspec.json.decode(body, type=request_type, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidParameterValue(f"Invalid request to {request.url.path}: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise InvalidParameterValue(
            f"Invalid request to {request.url.path}: malformed JSON ({exc})."
        ) from exc


@dataclass(frozen=True)
class Rpc:
    """One MLflow RPC: where it lives, what it takes, and the handler that answers it.

    `handler(context, request)` runs in a worker thread and returns the response payload;
    a `scoped` handler also gets the caller (`handler(context, request, caller)`), to show
    only what the caller may read and to act on their behalf. A `quick` handler makes one
    store call that touches a few rows: where the endpoint may run inline, it runs on the
    event loop, since the thread hop would take longer than the work.
    """

    method: str
    path: str
    request_type: type[msgspec.Struct]
    handler: Callable[..., Any]
    scoped: bool = False
    quick: bool = False


def endpoint(
    rpc: Rpc, context: Any, inline: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint running `rpc` against `context` with MLflow's error envelope.

    With `inline` (an embedded SQLite store in a one-process server), a quick RPC that needs
    no auth check runs on the event loop, unless it would wait for another request's write:
    then, like every other RPC, it runs in a worker thread.
    """

    def run(request: Request, body: bytes, check: Callable[[], Any] | None) -> Any:
        after = check() if check is not None else None
        message = parse_request(request, body, rpc.request_type)
        if rpc.scoped:
            payload = rpc.handler(context, message, caller_of(request.scope))
        else:
            payload = rpc.handler(context, message)
        if after is not None:
            after()
        return payload

    async def run_inline_or_in_thread(request: Request, body: bytes) -> Any:
        check = request.scope.pop(CHECK, None)  # the auth guard's, when auth is on
        if inline and rpc.quick and check is None:
            try:
                with not_waiting():
                    return run(request, body, None)
            except WriterBusy:
                pass
        return await run_in_threadpool(run, request, body, check)

    async def answer(request: Request) -> Response:
        try:
            body = b"" if request.method == "GET" else await request.body()
            payload = await run_inline_or_in_thread(request, body)
        except TrackdeckError as error:
            return error_response(error)
        except Exception as exc:  # a bug: answer the MLflow error JSON, keep serving
            log.exception("Unhandled error in %s %s", request.method, request.url.path)
            return error_response(TrackdeckError(f"Internal error: {type(exc).__name__}"))
        return json_response(payload)

    answer.__name__ = rpc.handler.__name__
    answer.runs_checks = True  # type: ignore[attr-defined]
    return answer
