"""Resolve `models:/name@alias` (or check `models:/name/3`) against a tracking server.

An endpoint records the concrete version, so moving the alias later changes nothing until
the endpoint is updated.
"""

from __future__ import annotations

import httpx

from trackdeck.errors import InvalidParameterValue, TemporarilyUnavailable, TrackdeckError
from trackdeck.serving.records import ModelRef

REGISTRY = "/api/2.0/mlflow"


async def resolve_version(
    http: httpx.AsyncClient, server_url: str, ref: ModelRef, headers: dict[str, str] | None = None
) -> int:
    """The version `ref` names on the server; the version must exist and be READY."""
    if ref.alias is not None:
        path = "/registered-models/alias"
        params = {"name": ref.name, "alias": ref.alias}
    else:
        path = "/model-versions/get"
        params = {"name": ref.name, "version": str(ref.version)}
    try:
        response = await http.get(f"{server_url}{REGISTRY}{path}", params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise TemporarilyUnavailable(
            f"Cannot reach the tracking server at {server_url} to resolve {ref.uri()}: {exc}"
        ) from exc
    body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    if response.status_code == 404 or body.get("error_code") == "RESOURCE_DOES_NOT_EXIST":
        raise InvalidParameterValue(f"No model version {ref.uri()}: {body.get('message', '')}")
    if response.status_code != 200:
        raise TrackdeckError(
            f"The tracking server answered {response.status_code} for {ref.uri()}: "
            f"{body.get('message', response.text[:200])}"
        )
    version = body["model_version"]
    if version.get("status", "READY") != "READY":
        raise InvalidParameterValue(f"Model version {ref.uri()} is {version['status']}, not READY.")
    return int(version["version"])
