"""Wire details of the MLflow JSON protocol that the client depends on."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

API = "/api/2.0/mlflow"


def new_run(client: TestClient, **fields: object) -> str:
    experiment_id = client.post(f"{API}/experiments/create", json={"name": "e"}).json()[
        "experiment_id"
    ]
    body = {"experiment_id": experiment_id, "start_time": 1, **fields}
    return client.post(f"{API}/runs/create", json=body).json()["run"]["info"]["run_id"]


def test_success_is_exactly_200_with_json_object(client: TestClient) -> None:
    response = client.post(f"{API}/experiments/create", json={"name": "x"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"experiment_id": "1"}


def test_get_by_name_missing_is_json_404(client: TestClient) -> None:
    response = client.get(f"{API}/experiments/get-by-name", params={"experiment_name": "nope"})
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_int64_are_numbers_and_quoted_int64_accepted(client: TestClient) -> None:
    run_id = new_run(client)
    body = {"run_id": run_id, "key": "m", "value": "1.5", "timestamp": "1796385341309", "step": "3"}
    assert client.post(f"{API}/runs/log-metric", json=body).status_code == 200
    history = client.get(
        f"{API}/metrics/get-history", params={"run_id": run_id, "metric_key": "m"}
    ).json()
    assert history == {
        "metrics": [{"key": "m", "value": 1.5, "timestamp": 1796385341309, "step": 3}]
    }


def test_nan_and_infinities_travel_as_strings(client: TestClient) -> None:
    run_id = new_run(client)
    metrics = [
        {"key": "a", "value": "NaN", "timestamp": 1, "step": 0},
        {"key": "b", "value": "Infinity", "timestamp": 1, "step": 0},
        {"key": "c", "value": "-Infinity", "timestamp": 1, "step": 0},
    ]
    assert (
        client.post(
            f"{API}/runs/log-batch", json={"run_id": run_id, "metrics": metrics}
        ).status_code
        == 200
    )
    run = client.get(f"{API}/runs/get", params={"run_id": run_id}).json()["run"]
    values = {m["key"]: m["value"] for m in run["data"]["metrics"]}
    assert values == {"a": "NaN", "b": 1.7976931348623157e308, "c": -1.7976931348623157e308}


def test_get_booleans_as_python_text_and_repeated_lists(client: TestClient) -> None:
    run_ids: list[str] = []
    experiment = client.post(f"{API}/experiments/create", json={"name": "bulk"}).json()
    for i in range(2):
        run_ids.append(
            client.post(
                f"{API}/runs/create",
                json={"experiment_id": experiment["experiment_id"], "start_time": 1},
            ).json()["run"]["info"]["run_id"]
        )
        client.post(
            f"{API}/runs/log-metric",
            json={"run_id": run_ids[-1], "key": "loss", "value": i, "timestamp": 5, "step": 1},
        )
    response = client.get(
        f"{API}/metrics/get-history-bulk-interval",
        params=[("run_ids", run_ids[0]), ("run_ids", run_ids[1]), ("metric_key", "loss"),
                ("max_results", "10")],
    )  # fmt: skip
    assert response.status_code == 200
    assert sorted(m["run_id"] for m in response.json()["metrics"]) == sorted(run_ids)


def test_unknown_endpoint_is_json_404(client: TestClient) -> None:
    response = client.get(f"{API}/no/such/thing")
    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"


def test_wrong_method_is_405(client: TestClient) -> None:
    assert client.get(f"{API}/runs/create").status_code == 405


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "malformed JSON"),
        (b'{"name": 5}', "got `int` - at `$.name`"),
        (b"[1, 2]", "Expected `object`"),
    ],
)
def test_malformed_bodies_are_400(client: TestClient, body: bytes, fragment: str) -> None:
    response = client.post(
        f"{API}/experiments/create", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert fragment in response.json()["message"]


def test_non_json_content_type_is_400(client: TestClient) -> None:
    response = client.post(
        f"{API}/experiments/create", content=b"name=x", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 400


def test_unknown_fields_are_ignored(client: TestClient) -> None:
    response = client.post(f"{API}/experiments/create", json={"name": "u", "futureField": 1})
    assert response.status_code == 200


def test_ajax_api_mirror(client: TestClient) -> None:
    response = client.get("/ajax-api/2.0/mlflow/experiments/get", params={"experiment_id": "0"})
    assert response.json()["experiment"]["name"] == "Default"


def test_meta_routes(client: TestClient) -> None:
    assert client.get("/health").text == "OK"
    assert client.get("/version").status_code == 200
    info = client.get("/api/3.0/mlflow/server-info").json()
    assert info["multipart_uploads_enabled"] is False


def test_page_token_garbage_is_400(client: TestClient) -> None:
    response = client.post(
        f"{API}/runs/search", json={"experiment_ids": ["0"], "page_token": "%%%"}
    )
    assert response.status_code == 400
    assert "page token" in response.json()["message"]


@pytest.mark.parametrize("max_results", [0, -1, 50001])
def test_search_max_results_limits(client: TestClient, max_results: int) -> None:
    response = client.post(
        f"{API}/runs/search", json={"experiment_ids": ["0"], "max_results": max_results}
    )
    assert response.status_code == 400


def test_experiment_artifact_location_confined_to_root(client: TestClient) -> None:
    for location in ["/etc", "file:///tmp/x", "s3://other/bucket", "mlflow-artifacts:/../x",
                     "mlflow-artifacts:/a/../../b", "http://evil.example/x"]:  # fmt: skip
        response = client.post(
            f"{API}/experiments/create", json={"name": location, "artifact_location": location}
        )
        assert response.status_code == 400, location
    ok = client.post(
        f"{API}/experiments/create",
        json={"name": "inside", "artifact_location": "mlflow-artifacts:/team-a/inside"},
    )
    assert ok.status_code == 200
