"""`<studio>/endpoints/<name>/invocations`: every payload form through the studio, bad
payloads, authentication, and endpoints that cannot answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.serving.conftest import MODEL, Registry

NAME = "proxied"


@pytest.fixture(scope="module")
def rows(registry: Registry) -> Iterator[Any]:
    registry.deploy(NAME, f"models:/{MODEL}/1", instances=2)
    yield registry.features.iloc[::5]
    registry.api("DELETE", f"/{NAME}", json={})


def _bodies(rows: Any) -> dict[str, Any]:
    return {
        "dataframe_split": {"dataframe_split": rows.to_dict(orient="split")},
        "dataframe_records": {"dataframe_records": rows.to_dict(orient="records")},
        "instances": {"instances": rows.to_dict(orient="records")},
        "inputs": {"inputs": rows.to_dict(orient="list")},
    }


@pytest.mark.parametrize("form", ["dataframe_split", "dataframe_records", "instances", "inputs"])
def test_each_json_form_predicts_as_the_local_model(
    registry: Registry, rows: Any, form: str
) -> None:
    response = registry.invoke(NAME, _bodies(rows)[form])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"predictions": registry.local[1].predict(rows).tolist()}


def test_csv_predicts_as_the_local_model(registry: Registry, rows: Any) -> None:
    response = registry.invoke(NAME, rows.to_csv(index=False), "text/csv")
    assert response.status_code == 200, response.text
    assert response.json() == {"predictions": registry.local[1].predict(rows).tolist()}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        ('{"dataframe_split": ', "application/json", 400, "not valid JSON"),
        ("[1, 2]", "application/json", 400, "must be a JSON object"),
        ('{"data": [[1, 2, 3, 4]]}', "application/json", 400, "exactly one of"),
        ('{"inputs": [], "instances": []}', "application/json", 400, "exactly one of"),
        ('{"dataframe_split": [[1, 2, 3, 4]]}', "application/json", 400, "must be an object"),
        ('{"dataframe_records": [{"a": 1}]}', "application/json", 400, "missing inputs"),
        ("", "application/json", 400, "empty"),
        ("a,b\n1", "text/csv", 400, "missing inputs"),
        ("<x/>", "application/xml", 415, "Unsupported Content-Type"),
    ],
)
def test_bad_payloads_get_an_error_that_says_why(
    registry: Registry, rows: Any, body: str, content_type: str, status: int, says: str
) -> None:
    response = registry.invoke(NAME, body, content_type)
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert says in response.json()["message"]


def test_invocations_need_the_studio_token(registry: Registry, rows: Any) -> None:
    url = f"{registry.studio.url}/endpoints/{NAME}/invocations"
    body = _bodies(rows)["inputs"]
    assert httpx.post(url, json=body).status_code == 401
    wrong = httpx.post(url, json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["error_code"] == "UNAUTHENTICATED"
    ping = f"{registry.studio.url}/endpoints/{NAME}/ping"
    assert httpx.get(ping).status_code == 401
    assert httpx.get(ping, headers=registry.studio.headers()).status_code == 200


def test_unknown_endpoint_is_a_404(registry: Registry, rows: Any) -> None:
    response = registry.invoke("no-such-endpoint", _bodies(rows)["inputs"])
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
