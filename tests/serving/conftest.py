"""One live studio (with a token) for the serving tests, its tracking server `default`, and
a scikit-learn model registered there in two versions with the real mlflow client."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psutil
import pytest

from tests.studio.conftest import LiveStudio, start_studio

SERVER = "default"
MODEL = "iris"
SETTLED = {"InService", "Failed"}


@dataclass
class Registry:
    """What the tests deploy: model `iris` v1 and v2 (differently regularised, so they
    disagree on some rows), and the fitted models to compare predictions with."""

    studio: LiveStudio
    tracking_uri: str
    features: Any  # a pandas DataFrame of the iris features
    local: dict[int, Any]  # version -> the fitted scikit-learn model

    def api(self, method: str, path: str = "", json: Any = None, **params: Any) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.studio.url}/api/trackdeck/v1/endpoints{path}",
            json=json if method != "GET" else None,
            params=params or None,
            headers=self.studio.headers(),
            timeout=60,
        )

    def describe(self, name: str) -> dict[str, Any]:
        response = self.api("GET", f"/{name}")
        assert response.status_code == 200, response.text
        return response.json()["endpoint"]

    def wait(self, name: str, states: set[str] = SETTLED, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        endpoint: dict[str, Any] = {}
        while time.monotonic() < deadline:
            endpoint = self.describe(name)
            if endpoint["state"] in states:
                return endpoint
            time.sleep(0.2)
        raise AssertionError(f"{name} stayed {endpoint.get('state')}:\n{self.studio.log()}")

    def deploy(self, name: str, model_uri: str, instances: int = 1) -> dict[str, Any]:
        response = self.api(
            "POST", json={"name": name, "model_uri": model_uri, "instance_count": instances}
        )
        assert response.status_code == 200, response.text
        return self.wait(name)

    def scoring_processes(self) -> list[psutil.Process]:
        """The studio's scoring processes (its children running trackdeck.serving.scoring)."""
        assert self.studio.process is not None
        return [
            child
            for child in psutil.Process(self.studio.process.pid).children()
            if "trackdeck.serving.scoring" in child.cmdline()
        ]

    def invoke(
        self, name: str, body: Any, content_type: str = "application/json"
    ) -> httpx.Response:
        content = (
            body if isinstance(body, bytes | str) else httpx.Request("POST", "/", json=body).content
        )
        return httpx.post(
            f"{self.studio.url}/endpoints/{name}/invocations",
            content=content,
            headers={**self.studio.headers(), "Content-Type": content_type},
            timeout=60,
        )


def _register(tracking_uri: str) -> tuple[Any, dict[int, Any]]:
    import mlflow
    import mlflow.sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, target = load_iris(return_X_y=True, as_frame=True)
    models = {
        1: LogisticRegression(max_iter=300).fit(features, target),
        2: LogisticRegression(C=0.01, max_iter=300).fit(features, target),
    }
    client = mlflow.MlflowClient(tracking_uri)
    experiment_id = client.create_experiment("serving-tests")
    mlflow.set_tracking_uri(tracking_uri)
    try:
        for version, model in models.items():
            with mlflow.start_run(experiment_id=experiment_id), warnings.catch_warnings():
                # The predictions are integers; mlflow's hint about missing values is noise here.
                warnings.filterwarnings("ignore", "Hint: Inferred schema", UserWarning)
                info = mlflow.sklearn.log_model(
                    model,
                    name="model",
                    registered_model_name=MODEL,
                    input_example=features.head(2),
                    pip_requirements=["scikit-learn"],  # no dependency inference: faster
                )
            assert int(info.registered_model_version) == version
    finally:
        mlflow.set_tracking_uri(None)
    return features, models


@pytest.fixture(scope="package")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    studio = start_studio(tmp_path_factory.mktemp("serving"))
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", studio.token or "")
    try:
        studio.create(SERVER, start=True)
        assert studio.wait(SERVER)["state"] == "Started"
        tracking_uri = f"{studio.url}/servers/{SERVER}"
        features, models = _register(tracking_uri)
        yield Registry(studio, tracking_uri, features, models)
    finally:
        monkeypatch.undo()
        studio.stop()
