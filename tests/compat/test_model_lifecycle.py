"""The registry step of the workflow with real models: a sweep, the best run by
search_runs, registered, aliased `champion`, loaded back by every models:/ form."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import mlflow
import numpy as np
import pytest
from mlflow.tracking import MlflowClient
from sklearn.linear_model import LogisticRegression

from tests.servers import start_server

X = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1], [0.4, 0.6], [0.6, 0.4]])
Y = np.array([0, 1, 0, 1, 0, 1])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def train_sweep(regularisations: list[float]) -> dict[float, str]:
    """One run per C, each logging val_acc and a model named "model"; C -> run id."""
    runs = {}
    for c in regularisations:
        with mlflow.start_run(run_name=f"C={c}") as run:
            model = LogisticRegression(C=c).fit(X, Y)
            mlflow.log_param("C", c)
            mlflow.log_metric("val_acc", float(model.score(X, Y)) + c / 1000)
            mlflow.sklearn.log_model(model, name="model")
        runs[c] = run.info.run_id
    return runs


def test_sweep_best_run_registered_aliased_and_loaded(tracking_uri: str) -> None:
    experiment = mlflow.set_experiment(unique("lifecycle"))
    runs = train_sweep([0.01, 0.1, 1.0, 10.0])
    best = mlflow.search_runs(
        [experiment.experiment_id],
        order_by=["metrics.val_acc DESC"],
        max_results=1,
        output_format="list",
    )[0]
    assert best.info.run_id == runs[10.0]

    name = unique("classifier")
    version = mlflow.register_model(f"runs:/{best.info.run_id}/model", name)
    assert version.version == "1" and version.run_id == best.info.run_id
    client = MlflowClient()
    client.set_registered_model_alias(name, "champion", version.version)
    client.transition_model_version_stage(name, version.version, "Production")

    expected = LogisticRegression(C=10.0).fit(X, Y).predict(X)
    for uri in (f"models:/{name}@champion", f"models:/{name}/1", f"models:/{name}/Production"):
        loaded = mlflow.pyfunc.load_model(uri)
        assert list(loaded.predict(X)) == list(expected), uri


def test_log_model_with_registered_model_name(tracking_uri: str) -> None:
    mlflow.set_experiment(unique("register-on-log"))
    name = unique("on-log")
    with mlflow.start_run() as run:
        model = LogisticRegression().fit(X, Y)
        info = mlflow.sklearn.log_model(model, name="model", registered_model_name=name)
    version = MlflowClient().get_model_version(name, "1")
    assert version.run_id == run.info.run_id
    assert version.source == f"models:/{info.model_id}"
    uri = MlflowClient().get_model_version_download_uri(name, "1")
    assert uri.endswith(f"/models/{info.model_id}/artifacts")
    assert list(mlflow.pyfunc.load_model(f"models:/{name}/1").predict(X)) == list(model.predict(X))

    def registrations() -> list[dict[str, str]]:
        tag = MlflowClient().get_logged_model(info.model_id).tags.get("mlflow.modelVersions")
        return json.loads(tag or "[]")

    assert registrations() == [{"name": name, "version": "1"}]
    renamed = unique("renamed")
    MlflowClient().rename_registered_model(name, renamed)
    assert registrations() == [{"name": renamed, "version": "1"}]
    MlflowClient().delete_registered_model(renamed)  # no logged model names it any more
    assert registrations() == []


@pytest.mark.parametrize("auto_register", [True, False])
def test_automatic_model_registration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, auto_register: bool
) -> None:
    flags = ["--auto-register-models"] if auto_register else []
    server = start_server(f"sqlite:///{tmp_path / 'store.db'}", tmp_path, *flags)
    try:
        monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
        mlflow.set_tracking_uri(server.url)
        mlflow.set_experiment("auto")
        with mlflow.start_run() as run:
            mlflow.log_metric("val_acc", 0.9)
            mlflow.sklearn.log_model(LogisticRegression().fit(X, Y), name="churn")
        client = MlflowClient(server.url)
        versions = client.search_model_versions("name = 'churn'")
        if not auto_register:
            assert versions == []
            return
        assert [(v.version, v.run_id) for v in versions] == [("1", run.info.run_id)]
        linked = client.get_run(versions[0].run_id)
        assert linked.data.metrics["val_acc"] == 0.9
        loaded = mlflow.pyfunc.load_model("models:/churn/1")
        assert len(loaded.predict(X)) == len(X)
    finally:
        mlflow.set_tracking_uri(None)
        server.stop()
