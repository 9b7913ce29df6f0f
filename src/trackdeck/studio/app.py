"""Assembles the studio's ASGI app: API, proxy, UI, and the supervisor's lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from trackdeck.api.protocol import error_response
from trackdeck.auth.hosts import HostAndOriginGuard
from trackdeck.errors import TrackdeckError
from trackdeck.jobs import api as jobs_api
from trackdeck.jobs.runner import JobRunner
from trackdeck.jobs.store import JobStore
from trackdeck.serving import api as endpoints_api
from trackdeck.serving import proxy as endpoints_proxy
from trackdeck.serving.store import EndpointStore
from trackdeck.serving.supervisor import EndpointSupervisor
from trackdeck.studio import api, proxy, ui
from trackdeck.studio.config import StudioConfig
from trackdeck.studio.launcher.base import Launcher
from trackdeck.studio.launcher.local import LocalLauncher
from trackdeck.studio.policy import guard_studio_routes
from trackdeck.studio.store import StudioStore
from trackdeck.studio.supervisor import Supervisor


@dataclass
class Studio:
    """What every studio route reaches through `request.app.state.studio`."""

    config: StudioConfig
    store: StudioStore
    supervisor: Supervisor
    http: httpx.AsyncClient = field(default_factory=proxy.new_client)


async def health(_request: Request) -> Response:
    return PlainTextResponse("OK")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = "ENDPOINT_NOT_FOUND" if exc.status_code == 404 else "BAD_REQUEST"
    message = (
        f"No endpoint {request.method} {request.url.path}"
        if exc.status_code == 404
        else (str(exc.detail))
    )
    response = error_response(TrackdeckError(message, code))
    response.status_code = exc.status_code
    return response


def create_studio_app(config: StudioConfig, launcher: Launcher | None = None) -> Starlette:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = StudioStore(config.database_uri)
    launcher = launcher or LocalLauncher({"TRACKDECK_STUDIO_URL": config.url})
    studio = Studio(config, store, Supervisor(config, store, launcher))
    endpoints = EndpointSupervisor(config, store, EndpointStore(store.db))

    jobs = JobRunner(config, JobStore(store.db), store)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await studio.supervisor.open()
        await jobs.open()
        await endpoints.open()
        try:
            yield
        finally:
            await jobs.close()
            await endpoints.close()
            await studio.supervisor.close()
            await studio.http.aclose()
            store.close()

    app = Starlette(
        routes=guard_studio_routes(
            [
                Route("/health", health, methods=["GET"]),
                *api.ROUTES,
                *proxy.ROUTES,
                *ui.ROUTES,
                *jobs_api.ROUTES,
                *endpoints_api.ROUTES,
                *endpoints_proxy.ROUTES,
                # Last: absolute links of a proxied server UI, sent on to that server.
                Route("/{path:path}", proxy.misrouted, methods=proxy.METHODS),
            ]
        ),
        middleware=[
            Middleware(
                HostAndOriginGuard,
                allowed_hosts=[urlsplit(config.url).hostname or ""],
                allowed_origins=[],
                bind_host=config.host,
            )
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.studio = studio
    app.state.jobs = jobs
    app.state.endpoints = endpoints
    return app
