"""Wire details of the logged-model routes: path parameters, query flags, error JSON."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

API = "/api/2.0/mlflow"


def create_model(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/logged-models", json={"experiment_id": "0", **fields})
    assert response.status_code == 200, response.text
    return response.json()["model"]


def test_create_shape(client: TestClient) -> None:
    model = create_model(
        client, name="m", params=[{"key": "lr", "value": "0.1"}], tags=[{"key": "t", "value": "1"}]
    )
    info = model["info"]
    assert set(info) == {
        "model_id", "experiment_id", "name", "artifact_uri", "status",
        "creation_timestamp_ms", "last_updated_timestamp_ms", "tags",
    }  # fmt: skip
    assert info["status"] == "LOGGED_MODEL_PENDING"
    assert info["artifact_uri"] == f"mlflow-artifacts:/0/models/{info['model_id']}/artifacts"
    assert model["data"] == {"params": [{"key": "lr", "value": "0.1"}]}


def test_path_parameter_names_the_model(client: TestClient) -> None:
    model_id = create_model(client, name="m")["info"]["model_id"]
    other = create_model(client, name="other")["info"]["model_id"]
    body = {"model_id": other, "status": "LOGGED_MODEL_READY"}  # the URL wins over the body
    response = client.patch(f"{API}/logged-models/{model_id}", json=body)
    assert response.json()["model"]["info"]["model_id"] == model_id
    assert response.json()["model"]["info"]["status"] == "LOGGED_MODEL_READY"
    status = client.get(f"{API}/logged-models/{other}").json()["model"]["info"]["status"]
    assert status == "LOGGED_MODEL_PENDING"


def test_tags_params_and_delete(client: TestClient) -> None:
    model_id = create_model(client)["info"]["model_id"]
    url = f"{API}/logged-models/{model_id}"
    tags = [{"key": "a/b c", "value": "1"}, {"key": "k", "value": "2"}]
    assert client.patch(f"{url}/tags", json={"tags": tags}).json() == {}
    params = {"model_id": model_id, "params": [{"key": "p", "value": "v"}]}
    assert client.post(f"{url}/params", json=params).json() == {}
    assert client.delete(f"{url}/tags/a/b c").json() == {}  # the key sits unescaped in the path
    missing = client.delete(f"{url}/tags/a/b c")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    model = client.get(url).json()["model"]
    assert model["info"]["tags"] == [{"key": "k", "value": "2"}]
    assert model["data"]["params"] == [{"key": "p", "value": "v"}]

    assert client.request("DELETE", url, json={"model_id": model_id}).json() == {}
    assert client.get(url).status_code == 404
    for flag in ("true", "True"):
        found = client.get(url, params={"allow_deleted": flag})
        assert found.status_code == 200 and found.json()["model"]["info"]["model_id"] == model_id


def test_search_takes_order_by_objects(client: TestClient) -> None:
    for name in ("x", "y", "z"):
        create_model(client, name=name)
    body = {
        "experiment_ids": ["0"],
        "order_by": [{"field_name": "name", "ascending": False}],
        "max_results": 2,
    }
    first = client.post(f"{API}/logged-models/search", json=body).json()
    assert [m["info"]["name"] for m in first["models"]] == ["z", "y"]
    rest = client.post(
        f"{API}/logged-models/search", json={**body, "page_token": first["next_page_token"]}
    ).json()
    assert [m["info"]["name"] for m in rest["models"]] == ["x"]
    assert "next_page_token" not in rest
    bad = client.post(f"{API}/logged-models/search", json={**body, "filter": "name ~ 'x'"})
    assert bad.status_code == 400
    assert bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert client.post(f"{API}/logged-models/search", json={"experiment_ids": []}).json() == {
        "models": []
    }


def test_unknown_model_is_json_404(client: TestClient) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = client.request(
            method, f"{API}/logged-models/m-{'0' * 32}", json={"status": "LOGGED_MODEL_READY"}
        )
        assert response.status_code == 404
        assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
