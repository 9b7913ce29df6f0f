"""Resolving `models:/name@alias` and checking `models:/name/N` on a live tracking server."""

from __future__ import annotations

import asyncio

import httpx
import mlflow
import pytest

from tests.serving.conftest import MODEL, Registry
from trackdeck.errors import InvalidParameterValue, TemporarilyUnavailable
from trackdeck.serving.records import parse_model_uri
from trackdeck.serving.resolve import resolve_version


def _resolve(registry: Registry, uri: str, server_url: str | None = None) -> int:
    async def go() -> int:
        async with httpx.AsyncClient() as http:
            url = server_url or registry.tracking_uri
            headers = registry.studio.headers()
            return await resolve_version(http, url, parse_model_uri(uri), headers)

    return asyncio.run(go())


def test_alias_resolves_to_the_version_it_points_at(registry: Registry) -> None:
    client = mlflow.MlflowClient(registry.tracking_uri)
    client.set_registered_model_alias(MODEL, "resolve-me", "1")
    assert _resolve(registry, f"models:/{MODEL}@resolve-me") == 1
    client.set_registered_model_alias(MODEL, "resolve-me", "2")
    assert _resolve(registry, f"models:/{MODEL}@resolve-me") == 2
    assert _resolve(registry, f"models:/{MODEL}/2") == 2


@pytest.mark.parametrize("uri", [f"models:/{MODEL}/42", f"models:/{MODEL}@absent", "models:/x/1"])
def test_missing_versions_are_invalid(registry: Registry, uri: str) -> None:
    with pytest.raises(InvalidParameterValue, match="No model version"):
        _resolve(registry, uri)


def test_unreachable_server_is_temporarily_unavailable(registry: Registry) -> None:
    with pytest.raises(TemporarilyUnavailable, match="Cannot reach"):
        _resolve(registry, f"models:/{MODEL}/1", "http://127.0.0.1:9")
