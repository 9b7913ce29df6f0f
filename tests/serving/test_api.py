"""The endpoints REST API: validation, describe/list/logs, conflicts, and authentication."""

from __future__ import annotations

import httpx
import pytest

from tests.serving.conftest import MODEL, Registry


@pytest.mark.parametrize(
    ("fields", "status", "code", "says"),
    [
        ({"name": "bad_name!"}, 400, "INVALID_PARAMETER_VALUE", "Invalid endpoint name"),
        ({"model_uri": "runs:/abc/model"}, 400, "INVALID_PARAMETER_VALUE", "models:/NAME"),
        ({"model_uri": f"models:/{MODEL}/Production"}, 400, "INVALID_PARAMETER_VALUE", "stages"),
        ({"model_uri": f"models:/{MODEL}/99"}, 400, "INVALID_PARAMETER_VALUE", "No model version"),
        ({"model_uri": f"models:/{MODEL}@nobody"}, 400, "INVALID_PARAMETER_VALUE", "nobody"),
        ({"model_uri": "models:/no-such-model/1"}, 400, "INVALID_PARAMETER_VALUE", "No model"),
        ({"server_name": "nowhere"}, 404, "RESOURCE_DOES_NOT_EXIST", "nowhere"),
        ({"instance_count": 0}, 400, "INVALID_PARAMETER_VALUE", "instance count"),
        ({"instance_count": "two"}, 400, "INVALID_PARAMETER_VALUE", "instance_count"),
    ],
)
def test_create_refuses_bad_requests(
    registry: Registry, fields: dict[str, object], status: int, code: str, says: str
) -> None:
    body = {"name": "refused", "model_uri": f"models:/{MODEL}/1", **fields}
    response = registry.api("POST", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code
    assert says in response.json()["message"]
    assert registry.api("GET", "/refused").status_code == 404


def test_describe_list_logs_update_and_delete(registry: Registry) -> None:
    created = registry.api("POST", json={"name": "api-one", "model_uri": f"models:/{MODEL}/1"})
    assert created.status_code == 200, created.text
    assert created.json()["endpoint"]["state"] == "Creating"
    again = registry.api("POST", json={"name": "api-one", "model_uri": f"models:/{MODEL}/1"})
    assert again.status_code == 400 and again.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    busy = registry.api("PATCH", "/api-one", json={"instance_count": 2})
    assert busy.status_code == 409 and "Creating" in busy.json()["message"]

    endpoint = registry.wait("api-one")
    assert endpoint["state"] == "InService"
    assert endpoint["invocation_url"] == f"{registry.studio.url}/endpoints/api-one/invocations"
    assert endpoint["model_name"] == MODEL and endpoint["server_name"] == "default"
    page = registry.api("GET", state="InService").json()
    assert "api-one" in [e["name"] for e in page["endpoints"]]
    assert registry.api("GET", state="Failed").json()["endpoints"] == []
    assert registry.api("GET", state="Sleeping").status_code == 400

    logs = registry.api("GET", "/api-one/logs", lines=5).json()["instances"]
    assert len(logs) == 1 and f"Serving models:/{MODEL}/1" in logs[0]["log"]
    assert registry.api("GET", "/api-one/logs", lines=0).status_code == 400

    nothing = registry.api("PATCH", "/api-one", json={})
    assert nothing.status_code == 400 and "model_uri" in nothing.json()["message"]
    same = registry.api("PATCH", "/api-one", json={"model_uri": f"models:/{MODEL}/1"})
    assert same.json()["endpoint"]["state"] == "InService"  # nothing to change

    deleted = registry.api("DELETE", "/api-one", json={})
    assert deleted.status_code == 200 and deleted.json()["endpoint"]["state"] == "Deleting"
    assert registry.api("DELETE", "/api-one", json={}).status_code in (404, 409)
    assert registry.api("GET", "/no-such").json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_the_api_needs_the_studio_token(registry: Registry) -> None:
    url = f"{registry.studio.url}/api/trackdeck/v1/endpoints"
    assert httpx.get(url).status_code == 401
    refused = httpx.post(url, json={"name": "x", "model_uri": f"models:/{MODEL}/1"})
    assert refused.status_code == 401 and refused.json()["error_code"] == "UNAUTHENTICATED"
