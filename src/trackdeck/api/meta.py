"""Server meta routes: /health, /version and /api/3.0/mlflow/server-info."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from trackdeck import __version__
from trackdeck.api.protocol import json_response
from trackdeck.artifacts.base import MultipartUploads


async def health(_request: Request) -> Response:
    return PlainTextResponse("OK")


async def version(_request: Request) -> Response:
    # trackdeck's own version: below 3.4, so the mlflow client does not try OTLP span
    # streaming, which this server does not offer.
    return PlainTextResponse(__version__)


async def server_info(request: Request) -> Response:
    artifacts = request.app.state.artifacts
    return json_response(
        {
            "store_type": "SqlStore",
            "workspaces_enabled": False,
            "trace_archival_enabled": False,
            # Clients upload big files in parts straight to storage only where it can take them.
            "multipart_uploads_enabled": isinstance(artifacts, MultipartUploads),
            "multipart_downloads_enabled": False,
            "artifact_serving_enabled": artifacts is not None,
        }
    )


ROUTES = [
    Route("/health", health, methods=["GET"]),
    Route("/version", version, methods=["GET"]),
    Route("/api/3.0/mlflow/server-info", server_info, methods=["GET"]),
    Route("/ajax-api/3.0/mlflow/server-info", server_info, methods=["GET"]),
]
