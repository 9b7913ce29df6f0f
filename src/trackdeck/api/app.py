"""Assembles the ASGI app: routes, error handlers and the store's lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from trackdeck.api import (
    artifacts,
    experiments,
    logged_models,
    meta,
    metrics,
    registry,
    runs,
    users,
)
from trackdeck.api.openapi import openapi_endpoint
from trackdeck.api.protocol import Rpc, endpoint, error_response
from trackdeck.artifacts.base import ArtifactStore
from trackdeck.artifacts.registry import open_artifact_store
from trackdeck.auth.guard import AuthContext, protect
from trackdeck.auth.hosts import HostAndOriginGuard, split_list
from trackdeck.auth.identity import Authenticator
from trackdeck.auth.policy import TRACKING_RULES
from trackdeck.auth.throttle import Throttle
from trackdeck.config import ServerConfig
from trackdeck.errors import TrackdeckError
from trackdeck.store.permissions import Level
from trackdeck.store.tracking import TrackingStore
from trackdeck.ui import login
from trackdeck.ui import routes as ui_routes

log = logging.getLogger(__name__)

# The Python client calls /api/2.0/mlflow; browsers and the official UI use /ajax-api.
MLFLOW_PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
MLFLOW3_PREFIXES = ("/api/3.0/mlflow", "/ajax-api/3.0/mlflow")
TRACKDECK_PREFIXES = ("/api/trackdeck/v1",)
TRACKING_RPCS: list[Rpc] = [
    *experiments.RPCS,
    *runs.RPCS,
    *metrics.RPCS,
    *registry.RPCS,
    *logged_models.RPCS,
]


def rpc_routes(
    rpcs: list[Rpc],
    context: object,
    prefixes: tuple[str, ...] = MLFLOW_PREFIXES,
    inline: bool = False,
) -> list[BaseRoute]:
    return [
        Route(prefix + rpc.path, endpoint(rpc, context, inline), methods=[rpc.method])
        for prefix in prefixes
        for rpc in rpcs
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error = TrackdeckError(
            f"No endpoint {request.method} {request.url.path}", "ENDPOINT_NOT_FOUND"
        )
    elif exc.status_code == 405:
        error = TrackdeckError(
            f"Method {request.method} is not allowed for {request.url.path}", "BAD_REQUEST"
        )
        return Response(error_response(error).body, status_code=405, media_type="application/json")
    else:
        error = TrackdeckError(str(exc.detail), "BAD_REQUEST")
    return error_response(error)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(TrackdeckError(f"Internal error: {type(exc).__name__}: {exc}"))


def _authenticator(store: TrackingStore, config: ServerConfig) -> Authenticator | None:
    if not config.auth:
        return None
    store.permissions.default = Level.parse(config.auth_default_permission)
    return Authenticator(
        store.users,
        store.permissions,
        Throttle(),
        proxy_secret=config.proxy_secret or None,
        admin_token=config.admin_token or None,
    )


def _runs_quick_rpcs_inline(store: TrackingStore, config: ServerConfig) -> bool:
    """Quick RPCs run on the event loop only where no other process writes to the store:
    the loop may then wait on nothing but SQLite itself (see `api.protocol.endpoint`)."""
    return store.db.dialect == "sqlite" and config.workers == 1


def create_app(
    store: TrackingStore,
    artifact_store: ArtifactStore | None = None,
    config: ServerConfig | None = None,
) -> Starlette:
    """The app; artifact routes are served only when it is given an artifact store.

    Every route goes behind its rule in `auth.policy` (checked only when `config.auth`
    is on), and every request behind the Host and Origin allowlists.
    """
    config = config or ServerConfig(backend_store_uri=store.db.uri)
    authenticator = _authenticator(store, config)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    routes: list[BaseRoute] = [
        *meta.ROUTES,
        *rpc_routes(TRACKING_RPCS, store, inline=_runs_quick_rpcs_inline(store, config)),
        *(
            [
                *rpc_routes(users.USER_RPCS, store),
                *rpc_routes(users.GRANT_RPCS, store, MLFLOW3_PREFIXES),
                *rpc_routes(users.TOKEN_RPCS, store, TRACKDECK_PREFIXES),
            ]
            if authenticator is not None
            else []
        ),
        Route(
            "/api/trackdeck/v1/openapi.json",
            openapi_endpoint(TRACKING_RPCS, MLFLOW_PREFIXES[0]),
            methods=["GET"],
        ),
        *(artifacts.ROUTES if artifact_store is not None else []),
        *login.ROUTES,
        *ui_routes.ROUTES,
    ]
    routes = protect(routes, TRACKING_RULES, AuthContext(store, authenticator))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                HostAndOriginGuard,
                allowed_hosts=split_list(config.allowed_hosts),
                allowed_origins=split_list(config.cors_allowed_origins),
                bind_host=config.host,
            )
        ],
        exception_handlers={HTTPException: _http_error, Exception: _unexpected_error},
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.artifacts = artifact_store
    app.state.authenticator = authenticator
    return app


def app_from_environment() -> Starlette:
    """The app a uvicorn worker builds from TRACKDECK_* settings (see `trackdeck.config`)."""
    config = ServerConfig.from_env()
    return create_app(
        TrackingStore(
            config.backend_store_uri,
            config.default_artifact_root,
            auto_register_models=config.auto_register_models,
        ),
        open_artifact_store(config.artifacts_destination),
        config,
    )
