"""The model registry through the real mlflow client, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def client(tracking_uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri)


@pytest.fixture
def run_id(client: MlflowClient) -> str:
    return client.create_run(client.create_experiment(unique("registry"))).info.run_id


def test_lifecycle_of_a_registered_model(client: MlflowClient, run_id: str) -> None:
    name = unique("model")
    created = client.create_registered_model(name, tags={"team": "vision"}, description="first")
    assert created.name == name and created.description == "first"
    versions = [
        client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id) for _ in range(3)
    ]
    assert [v.version for v in versions] == ["1", "2", "3"]
    assert versions[0].status == "READY" and versions[0].run_id == run_id
    assert client.get_model_version_download_uri(name, "2").endswith(f"/{run_id}/artifacts/model")

    client.set_registered_model_alias(name, "champion", "2")
    assert client.get_model_version_by_alias(name, "champion").version == "2"
    client.set_registered_model_alias(name, "champion", "3")  # an alias moves
    model = client.get_registered_model(name)
    assert {a: v for a, v in model.aliases.items()} == {"champion": "3"}
    assert client.get_model_version(name, "3").aliases == ["champion"]

    client.transition_model_version_stage(name, "1", "Production")
    client.transition_model_version_stage(name, "2", "Production", archive_existing_versions=True)
    assert client.get_model_version(name, "1").current_stage == "Archived"
    latest = client.get_latest_versions(name, stages=["Production"])
    assert [v.version for v in latest] == ["2"]

    client.update_registered_model(name, description="second")
    client.update_model_version(name, "2", description="the best")
    client.set_model_version_tag(name, "2", "validated", "yes")
    client.set_registered_model_tag(name, "owner", "ana")
    version = client.get_model_version(name, "2")
    assert version.description == "the best" and version.tags == {"validated": "yes"}
    assert client.get_registered_model(name).tags == {"team": "vision", "owner": "ana"}
    client.delete_model_version_tag(name, "2", "validated")
    client.delete_registered_model_tag(name, "owner")
    assert client.get_model_version(name, "2").tags == {}

    renamed = unique("renamed")
    client.rename_registered_model(name, renamed)
    assert client.get_model_version(renamed, "2").description == "the best"
    assert client.get_model_version_by_alias(renamed, "champion").version == "3"
    with pytest.raises(MlflowException) as info:
        client.get_registered_model(name)
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    client.delete_model_version(renamed, "3")
    with pytest.raises(MlflowException):
        client.get_model_version_by_alias(renamed, "champion")
    assert client.create_model_version(renamed, f"runs:/{run_id}/model").version == "4"
    client.delete_registered_model(renamed)
    assert client.search_model_versions(f"name = '{renamed}'") == []


def test_search_registered_models_and_versions(client: MlflowClient, run_id: str) -> None:
    prefix = unique("search")
    for i in range(7):
        client.create_registered_model(f"{prefix}-{i}", tags={"parity": str(i % 2)})
        client.create_model_version(f"{prefix}-{i}", f"runs:/{run_id}/m{i}", run_id=run_id)
    found = client.search_registered_models(filter_string=f"name LIKE '{prefix}%'")
    assert [m.name for m in found] == [f"{prefix}-{i}" for i in range(7)]
    odd = client.search_registered_models(
        filter_string=f"name LIKE '{prefix}%' and tags.parity = '1'", order_by=["name DESC"]
    )
    assert [m.name for m in odd] == [f"{prefix}-5", f"{prefix}-3", f"{prefix}-1"]
    page = client.search_registered_models(filter_string=f"name LIKE '{prefix}%'", max_results=3)
    assert len(page) == 3 and page.token
    rest = client.search_registered_models(
        filter_string=f"name LIKE '{prefix}%'", max_results=10, page_token=page.token
    )
    assert [m.name for m in rest] == [f"{prefix}-{i}" for i in range(3, 7)]
    versions = client.search_model_versions(f"run_id = '{run_id}'")
    assert len(versions) == 7
    assert {v.source for v in versions} == {f"runs:/{run_id}/m{i}" for i in range(7)}
    with pytest.raises(MlflowException) as info:
        client.search_registered_models(filter_string="nonsense ~ 3")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(
    "source",
    [
        "/etc/passwd",
        "file:///etc/passwd",
        "s3://someone-else/bucket/model",
        "http://169.254.169.254/latest/meta-data",
        "https://example.com/model",
        "mlflow-artifacts:/../../etc",
        "mlflow-artifacts:/1/%2e%2e/%2e%2e/etc",
        "mlflow-artifacts:/1/%252e%252e/x",
        "mlflow-artifacts://other-host/1/model",
        "runs:/{run_id}/../../other",
        "runs:/{run_id}/..%2f..%2fother",
        "runs:/00000000000000000000000000000000/model",
        "runs:/{run_id}/model\\..\\..\\x",
        "models:/m-00000000000000000000000000000000",
        "models:/no-such-model/1",
        "relative/path",
        "mlflow-artifacts:/1/model#frag",
        "mlflow-artifacts:/1/model?x=1",
        "mlflow-artifacts:/1/model;param",
        "",
    ],
)
def test_model_version_sources_outside_this_server_are_refused(
    client: MlflowClient, run_id: str, source: str
) -> None:
    name = unique("sources")
    client.create_registered_model(name)
    with pytest.raises(MlflowException) as info:
        client.create_model_version(name, source.format(run_id=run_id))
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.search_model_versions(f"name = '{name}'") == []


def test_registry_errors(client: MlflowClient, run_id: str) -> None:
    name = unique("errors")
    client.create_registered_model(name)
    with pytest.raises(MlflowException) as info:
        client.create_registered_model(name)
    assert info.value.error_code == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as info:
        client.get_model_version(name, "9")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as info:
        client.create_model_version(unique("missing"), f"runs:/{run_id}/model")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    client.create_model_version(name, f"runs:/{run_id}/model")
    for alias in ("latest", "v3", "bad alias"):
        with pytest.raises(MlflowException) as info:
            client.set_registered_model_alias(name, alias, "1")
        assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as info:
        client.transition_model_version_stage(name, "1", "Retired")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as info:
        client.create_registered_model("a/b")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
