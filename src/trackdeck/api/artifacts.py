"""The proxied artifact service (`mlflow-artifacts:/` URIs) and the run artifact routes.

    PUT    /api/2.0/mlflow-artifacts/artifacts/<path>        upload, streamed to the store
    GET    /api/2.0/mlflow-artifacts/artifacts/<path>        download, streamed
    DELETE /api/2.0/mlflow-artifacts/artifacts/<path>        recursive delete
    GET    /api/2.0/mlflow-artifacts/artifacts?path=<dir>    list one level
    POST   /api/2.0/mlflow-artifacts/mpu/{create,complete,abort}/<dir>
    GET    /api/2.0/mlflow/artifacts/list?run_id&path        a run's files (the UI)
    GET    /get-artifact?run_uuid&path                       a run's file (the UI)

These are not MLflow JSON RPCs (bodies are raw bytes), so they are plain Starlette routes,
but every error is MLflow's error JSON. Every path passes `artifacts.paths.normalise`.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from trackdeck.api.protocol import Message, decode_request, error_response, json_response
from trackdeck.artifacts import paths
from trackdeck.artifacts.base import (
    ArtifactStore,
    CompletedPart,
    Entry,
    MultipartUploads,
    read_stream,
    write_stream,
)
from trackdeck.errors import (
    InvalidParameterValue,
    NotImplementedFeature,
    ResourceDoesNotExist,
    TrackdeckError,
)
from trackdeck.store.tracking import TrackingStore

log = logging.getLogger(__name__)

SERVICE = "/api/2.0/mlflow-artifacts"
# The mlflow client falls back to a single PUT when multipart fails with this message.
MULTIPART_UNSUPPORTED = "Multipart upload is not supported for the current artifact repository"
# Types a browser would run as a page or script are served as text.
_ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
}

Endpoint = Callable[[Request], Awaitable[Response]]


def _mlflow_errors(endpoint: Endpoint) -> Endpoint:
    """Answer every failure of `endpoint` with MLflow's error JSON."""

    @wraps(endpoint)
    async def answer(request: Request) -> Response:
        try:
            return await endpoint(request)
        except TrackdeckError as error:
            return error_response(error)
        except ClientDisconnect:  # an upload cut short: nothing was stored, nobody to answer
            log.info("Client left during %s %s", request.method, request.url.path)
            return Response(status_code=400)
        except Exception as exc:
            log.exception("Unhandled error in %s %s", request.method, request.url.path)
            return error_response(TrackdeckError(f"Internal error: {type(exc).__name__}"))

    return answer


def _store(request: Request) -> ArtifactStore:
    return request.app.state.artifacts


def _url_path(request: Request) -> str:
    return paths.normalise(request.path_params["artifact_path"], allow_root=True)


def _entry_json(entry: Entry, path: str) -> dict[str, Any]:
    found: dict[str, Any] = {"path": path, "is_dir": entry.is_dir}
    if entry.size is not None:
        found["file_size"] = entry.size
    return found


def _content_type(name: str) -> str:
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return "text/plain" if guessed in _ACTIVE_TYPES else guessed


def _disposition(name: str) -> str:
    quoted = quote(name)
    if quoted != name:
        return f"attachment; filename*=utf-8''{quoted}"
    return f'attachment; filename="{name}"'


async def _download(store: ArtifactStore, path: str) -> Response:
    entry = await run_in_threadpool(store.stat, path)
    if entry is None:
        raise ResourceDoesNotExist(f"Artifact '{path}' does not exist.")
    if entry.is_dir:
        raise InvalidParameterValue(f"Artifact '{path}' is a folder; list it to see its files.")
    name = path.rsplit("/", 1)[-1]
    headers = {
        "Content-Disposition": _disposition(name),
        "X-Content-Type-Options": "nosniff",
    }
    if entry.size is not None:
        headers["Content-Length"] = str(entry.size)
    chunks = await read_stream(store, path)
    return StreamingResponse(chunks, media_type=_content_type(name), headers=headers)


@_mlflow_errors
async def upload(request: Request) -> Response:
    raw = request.path_params["artifact_path"]
    if raw.endswith("/"):
        raise InvalidParameterValue(f"Cannot upload to '{raw}': the path names a folder.")
    path = paths.normalise(raw)
    await write_stream(_store(request), path, request.stream())
    return json_response({})


@_mlflow_errors
async def download(request: Request) -> Response:
    return await _download(_store(request), _url_path(request))


@_mlflow_errors
async def delete(request: Request) -> Response:
    path = paths.normalise(request.path_params["artifact_path"])
    await run_in_threadpool(_store(request).delete, path)
    return json_response({})


@_mlflow_errors
async def list_artifacts(request: Request) -> Response:
    """One level of a folder; a missing folder or a file lists as `{}`."""
    path = paths.normalise(request.query_params.get("path", ""), allow_root=True)
    entries = await run_in_threadpool(_store(request).list_dir, path)
    if not entries:
        return json_response({})
    return json_response({"files": [_entry_json(e, e.name) for e in entries]})


class CreateMultipart(Message):
    path: str = ""
    num_parts: int = 1


class Part(Message):
    part_number: int
    etag: str = ""
    url: str | None = None


class CompleteMultipart(Message):
    path: str = ""
    upload_id: str = ""
    parts: list[Part] = []


class AbortMultipart(Message):
    path: str = ""
    upload_id: str = ""


def _multipart(request: Request) -> MultipartUploads:
    store = _store(request)
    if not isinstance(store, MultipartUploads):
        raise NotImplementedFeature(MULTIPART_UNSUPPORTED)
    return store


def _multipart_file(request: Request, client_path: str) -> str:
    """The file a multipart call names: the URL's folder plus the base name the client
    sends (clients before 3.18 sent their whole local path, so only its last part counts)."""
    name = client_path.replace("\\", "/").rsplit("/", 1)[-1]
    return paths.join(_url_path(request), paths.normalise(name))


@_mlflow_errors
async def multipart_create(request: Request) -> Response:
    req = await decode_request(request, CreateMultipart)
    path = _multipart_file(request, req.path)
    store = _multipart(request)
    upload_id, credentials = await run_in_threadpool(store.create_multipart, path, req.num_parts)
    return json_response(
        {
            "upload_id": upload_id,
            "credentials": [
                {"url": c.url, "part_number": c.part_number, "headers": c.headers}
                for c in credentials
            ],
        }
    )


@_mlflow_errors
async def multipart_complete(request: Request) -> Response:
    req = await decode_request(request, CompleteMultipart)
    path = _multipart_file(request, req.path)
    store = _multipart(request)
    parts = [CompletedPart(p.part_number, p.etag) for p in req.parts]
    await run_in_threadpool(store.complete_multipart, path, req.upload_id, parts)
    return json_response({})


@_mlflow_errors
async def multipart_abort(request: Request) -> Response:
    req = await decode_request(request, AbortMultipart)
    path = _multipart_file(request, req.path)
    store = _multipart(request)
    await run_in_threadpool(store.abort_multipart, path, req.upload_id)
    return json_response({})


class RunArtifacts(Message):
    run_id: str | None = None
    run_uuid: str | None = None
    path: str | None = None


async def _run_root(request: Request) -> tuple[str, str, str]:
    """(run artifact URI, its store path, the normalised `path` below it) of the request."""
    req = await decode_request(request, RunArtifacts)
    tracking: TrackingStore = request.app.state.store
    run_id = req.run_id or req.run_uuid
    if not run_id:
        raise InvalidParameterValue("Missing value for required parameter 'run_id'.")
    run = await run_in_threadpool(tracking.runs.get, run_id)
    uri = run.info.artifact_uri
    return uri, paths.artifact_uri_path(uri), paths.normalise(req.path or "", allow_root=True)


@_mlflow_errors
async def run_artifacts_list(request: Request) -> Response:
    uri, root, path = await _run_root(request)
    entries = await run_in_threadpool(_store(request).list_dir, paths.join(root, path))
    files = [_entry_json(e, paths.join(path, e.name)) for e in entries]
    return json_response({"root_uri": uri, "files": files} if files else {"root_uri": uri})


@_mlflow_errors
async def run_artifact_get(request: Request) -> Response:
    _uri, root, path = await _run_root(request)
    if not path:
        raise InvalidParameterValue("Missing value for required parameter 'path'.")
    return await _download(_store(request), paths.join(root, path))


_ARTIFACTS = f"{SERVICE}/artifacts"

ROUTES: list[BaseRoute] = [
    Route(f"{_ARTIFACTS}/{{artifact_path:path}}", upload, methods=["PUT"]),
    Route(f"{_ARTIFACTS}/{{artifact_path:path}}", download, methods=["GET"]),
    Route(f"{_ARTIFACTS}/{{artifact_path:path}}", delete, methods=["DELETE"]),
    Route(_ARTIFACTS, list_artifacts, methods=["GET"]),
    Route(f"{SERVICE}/mpu/create/{{artifact_path:path}}", multipart_create, methods=["POST"]),
    Route(f"{SERVICE}/mpu/complete/{{artifact_path:path}}", multipart_complete, methods=["POST"]),
    Route(f"{SERVICE}/mpu/abort/{{artifact_path:path}}", multipart_abort, methods=["POST"]),
    *[
        Route(f"{prefix}/artifacts/list", run_artifacts_list, methods=["GET"])
        for prefix in ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
    ],
    Route("/get-artifact", run_artifact_get, methods=["GET"]),
]
