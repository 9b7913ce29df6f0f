"""The served OpenAPI description lists every RPC route with its request schema."""

from __future__ import annotations

from starlette.testclient import TestClient

from trackdeck.api.app import MLFLOW_PREFIXES, TRACKING_RPCS
from trackdeck.api.openapi import openapi_path


def test_every_rpc_is_described(client: TestClient) -> None:
    document = client.get("/api/trackdeck/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    described = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert described == {
        (rpc.method, openapi_path(MLFLOW_PREFIXES[0] + rpc.path)) for rpc in TRACKING_RPCS
    }
    assert "/api/2.0/mlflow/logged-models/{model_id}/tags/{tag_key}" in document["paths"]


def test_request_schemas_match_the_request_types(client: TestClient) -> None:
    document = client.get("/api/trackdeck/v1/openapi.json").json()
    create = document["paths"]["/api/2.0/mlflow/experiments/create"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["properties"]) == {"name", "artifact_location", "tags"}
    history = document["paths"]["/api/2.0/mlflow/metrics/get-history"]["get"]
    assert {p["name"] for p in history["parameters"]} >= {"run_id", "metric_key", "max_results"}
