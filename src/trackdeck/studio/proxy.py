"""The reverse proxy: `<studio>/servers/<name>/...` reaches tracking server `name`.

Requests and responses stream through (an artifact of any size never sits in memory).
The prefix is stripped; the server runs with `--root-path /servers/<name>` so the URLs
it builds carry the prefix, and `Location` headers that do not are fixed on the way out.
A server that is not serving gets a JSON 503 TEMPORARILY_UNAVAILABLE naming its state,
so the mlflow client fails with a clear message instead of a connection error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from trackdeck.api.protocol import error_response
from trackdeck.auth.identity import PROXY_SECRET_HEADER, PROXY_USER_HEADER
from trackdeck.errors import ResourceDoesNotExist, TemporarilyUnavailable, TrackdeckError
from trackdeck.studio import auth, presign
from trackdeck.studio.config import StudioConfig
from trackdeck.studio.records import SERVING, SIZES, State, TrackingServer

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
_STUDIO_COOKIES = (presign.SERVER_COOKIE, presign.STUDIO_COOKIE)
# Only the proxy may say these; a client's own copies are dropped.
VOUCHING_HEADERS = frozenset({PROXY_SECRET_HEADER, PROXY_USER_HEADER})
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class RequestTooLarge(TrackdeckError):
    error_code = "INVALID_PARAMETER_VALUE"

    @property
    def http_status(self) -> int:
        return 413


def new_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(connect=5.0, read=None, write=None, pool=30.0),
        limits=httpx.Limits(max_connections=512, max_keepalive_connections=64),
        follow_redirects=False,
    )


def prefix(name: str) -> str:
    return f"/servers/{name}"


def _not_serving(server: TrackingServer) -> Response:
    if server.state in (State.STARTING, State.UPDATING):
        hint = "it is on its way up; retry shortly"
    else:
        hint = f"start it with `trackdeck servers start {server.name}`"
    error = TemporarilyUnavailable(
        f"Tracking server '{server.name}' is {server.state.value}, not serving requests: {hint}."
    )
    response = error_response(error)
    response.headers["Retry-After"] = "2"
    return response


def _request_headers(
    request: Request, name: str, vouched: str | None, config: StudioConfig
) -> dict[str, str]:
    headers = {
        k: v
        for k, v in request.headers.items()
        if k.lower() not in HOP_BY_HOP and k.lower() not in VOUCHING_HEADERS
    }
    if vouched is not None:
        headers.pop("authorization", None)  # the studio's token is not the server's business
        headers[PROXY_SECRET_HEADER] = config.proxy_secret(name)
        headers[PROXY_USER_HEADER] = vouched
    cookies = [
        part
        for part in request.headers.get("cookie", "").split(";")
        if part.strip() and part.strip().split("=", 1)[0] not in _STUDIO_COOKIES
    ]
    headers.pop("cookie", None)
    if cookies:
        headers["cookie"] = ";".join(cookies).strip()
    client = request.client.host if request.client else ""
    forwarded_for = request.headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded_for}, {client}" if forwarded_for else client
    headers["x-forwarded-proto"] = request.url.scheme
    headers["x-forwarded-host"] = request.headers.get("host", "")
    headers["x-forwarded-prefix"] = prefix(name)
    return headers


def _location(value: str, request: Request, upstream: str, name: str) -> str:
    parts = urlsplit(value)
    ours = (urlsplit(upstream).netloc, request.headers.get("host"))
    if parts.netloc and parts.netloc not in ours:
        return value  # somewhere else entirely
    path = parts.path
    if not path.startswith(prefix(name) + "/") and path != prefix(name):
        path = prefix(name) + (path if path.startswith("/") else "/" + path)
    if not parts.netloc:
        return urlunsplit(("", "", path, parts.query, parts.fragment))
    base = urlsplit(str(request.base_url))
    return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))


async def _body(request: Request, limit: int) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        yield chunk


async def forward(request: Request) -> Response:
    name = request.path_params["name"]
    studio = request.app.state.studio
    server = studio.store.find(name)
    if server is None:
        return error_response(ResourceDoesNotExist(f"No tracking server named '{name}'."))
    try:
        vouched = auth.vouched_user(request, studio.config, name)
    except TrackdeckError as error:
        return error_response(error)
    if server.state not in SERVING:
        return _not_serving(server)
    limit = SIZES[server.size].max_request_mib * 1024 * 1024
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        return error_response(
            RequestTooLarge(
                f"The request body ({length} bytes) is larger than the {limit}-byte limit of "
                f"a {server.size.value} server."
            )
        )
    upstream = f"http://127.0.0.1:{server.port}"
    url = upstream + "/" + request.path_params["path"]
    if request.url.query:
        url += "?" + request.url.query
    has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
    client: httpx.AsyncClient = studio.http
    outgoing = client.build_request(
        request.method,
        url,
        headers=_request_headers(request, name, vouched, studio.config),
        content=_body(request, limit) if has_body else None,
    )
    try:
        response = await client.send(outgoing, stream=True)
    except RequestTooLarge as error:
        return error_response(error)
    except httpx.TransportError as exc:
        return error_response(
            TemporarilyUnavailable(
                f"Tracking server '{name}' is not answering ({type(exc).__name__}); it may be "
                "restarting: retry shortly."
            )
        )
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP]
    headers = [
        (k, _location(v, request, upstream, name) if k.lower() == "location" else v)
        for k, v in headers
    ]
    streamed = StreamingResponse(
        response.aiter_raw(),
        status_code=response.status_code,
        background=BackgroundTask(response.aclose),
    )
    streamed.raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    return streamed


async def add_slash(request: Request) -> Response:
    return RedirectResponse(prefix(request.path_params["name"]) + "/", status_code=307)


async def exchange_presigned(request: Request) -> Response:
    """Trade a presigned URL (once, before it expires) for a session on that server's UI."""
    name = request.path_params["name"]
    studio = request.app.state.studio
    secret = studio.config.secret()
    try:
        payload = presign.verify(request.query_params.get("token", ""), secret, "presigned")
        if payload.get("server") != name:
            raise presign.InvalidToken("This URL was made for another tracking server.")
        if not studio.store.use_presigned_token(payload["jti"], name, int(payload["exp"]) * 1000):
            raise presign.InvalidToken("This presigned URL has already been used.")
    except TrackdeckError as error:
        return error_response(error)
    seconds = int(payload["session"])
    response = RedirectResponse(prefix(name) + "/", status_code=303)
    response.set_cookie(
        presign.SERVER_COOKIE,
        presign.session_token(name, secret, seconds),
        max_age=seconds,
        path=prefix(name) + "/",
        httponly=True,
        samesite="lax",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def referred_server(request: Request) -> str | None:
    """The server whose proxied page made this request, judged by its same-origin Referer.

    A page of a server's UI that still links to absolute paths (`/experiments/1`) sends
    the browser to the studio's root; its Referer says which server it came from.
    """
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.headers.get("host") or not referer.path.startswith("/servers/"):
        return None
    name = referer.path.split("/")[2]
    if not name or request.app.state.studio.store.find(name) is None:
        return None
    return name


async def misrouted(request: Request) -> Response:
    """Send a request that a proxied UI page addressed to `/...` on to its server."""
    name = referred_server(request)
    if name is None:
        error = TrackdeckError(
            f"No endpoint {request.method} {request.url.path}", "ENDPOINT_NOT_FOUND"
        )
        return error_response(error)
    target = prefix(name) + request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(target, status_code=307)


ROUTES = [
    Route("/servers/{name}", add_slash),
    Route("/servers/{name}/_presigned", exchange_presigned, methods=["GET"]),
    Route(
        "/servers/{name}/{path:path}",
        forward,
        methods=METHODS,
    ),
]
