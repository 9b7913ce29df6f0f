"""MLflow 3 models through trackdeck with the real client: `log_model(..., name=...)`, then
loading by `models:/<model_id>` and `runs:/<run_id>/<name>`, on a local folder and on S3."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.entities import LoggedModelStatus
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import PythonModel
from mlflow.tracking import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression


class AddOffset(PythonModel):
    """A custom pyfunc model: adds a fixed offset to every input value."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> Any:
        return model_input + self.offset


def test_sklearn_model_round_trip(artifacts_uri: str) -> None:
    experiment = mlflow.set_experiment(f"sklearn-{uuid.uuid4().hex[:8]}")
    features, labels = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(features, labels)
    with mlflow.start_run() as run:
        mlflow.log_params({"max_iter": 1000, "solver": "lbfgs"})
        mlflow.log_metric("accuracy", float(model.score(features, labels)))
        info = mlflow.sklearn.log_model(model, name="classifier", input_example=features[:3])
    expected = model.predict(features)

    assert info.model_id.startswith("m-") and len(info.model_id) == 34
    by_id = mlflow.sklearn.load_model(f"models:/{info.model_id}")
    by_run = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/classifier")
    assert np.array_equal(by_id.predict(features), expected)
    assert np.array_equal(np.asarray(by_run.predict(features)), expected)

    logged = mlflow.get_logged_model(info.model_id)
    assert logged.status == LoggedModelStatus.READY
    assert logged.name == "classifier"
    assert logged.source_run_id == run.info.run_id
    assert logged.experiment_id == experiment.experiment_id
    assert logged.artifact_location == (
        f"mlflow-artifacts:/{experiment.experiment_id}/models/{info.model_id}/artifacts"
    )
    assert logged.params == {"max_iter": "1000", "solver": "lbfgs"}
    assert [(m.key, m.model_id) for m in logged.metrics] == [("accuracy", info.model_id)]
    names = {f.path for f in mlflow.artifacts.list_artifacts(f"models:/{info.model_id}")}
    assert {"MLmodel", "requirements.txt", "python_env.yaml"} <= names

    outputs = MlflowClient().get_run(run.info.run_id).outputs.model_outputs
    assert [o.model_id for o in outputs] == [info.model_id]


def test_custom_pyfunc_model_round_trip(artifacts_uri: str, tmp_path: Path) -> None:
    mlflow.set_experiment(f"pyfunc-{uuid.uuid4().hex[:8]}")
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [-1.0, 0.5, 10.0]})
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(
            name="adder", python_model=AddOffset(2.5), input_example=frame
        )
    expected = frame + 2.5
    for uri in (f"models:/{info.model_id}", f"runs:/{run.info.run_id}/adder"):
        loaded = mlflow.pyfunc.load_model(uri)
        pd.testing.assert_frame_equal(loaded.predict(frame), expected)
    local = mlflow.artifacts.download_artifacts(
        f"runs:/{run.info.run_id}/adder", dst_path=str(tmp_path / "adder")
    )
    assert (Path(local) / "MLmodel").is_file()


def test_logged_model_lifecycle_and_search(artifacts_uri: str) -> None:
    experiment = mlflow.set_experiment(f"lifecycle-{uuid.uuid4().hex[:8]}")
    client = MlflowClient()
    first = mlflow.initialize_logged_model(name="alpha", model_type="classifier", tags={"t": "1"})
    second = mlflow.initialize_logged_model(name="beta", params={"lr": "0.1"})
    assert first.status == LoggedModelStatus.PENDING
    client.finalize_logged_model(first.model_id, LoggedModelStatus.READY)
    client.set_logged_model_tags(first.model_id, {"stage": "prod", "team/owner": "ana"})
    client.delete_logged_model_tag(first.model_id, "t")
    client.delete_logged_model_tag(first.model_id, "team/owner")  # a '/' in the key
    fetched = client.get_logged_model(first.model_id)
    assert fetched.status == LoggedModelStatus.READY
    user_tags = {k: v for k, v in fetched.tags.items() if not k.startswith("mlflow.")}
    assert user_tags == {"stage": "prod"}
    assert fetched.model_type == "classifier"

    ids = [experiment.experiment_id]
    found = client.search_logged_models(ids, filter_string="name = 'alpha'")
    assert [m.model_id for m in found] == [first.model_id]
    ordered = client.search_logged_models(
        ids, order_by=[{"field_name": "name", "ascending": False}]
    )
    assert [m.name for m in ordered] == ["beta", "alpha"]
    page = client.search_logged_models(ids, max_results=1)
    assert len(page) == 1 and page.token
    rest = client.search_logged_models(ids, max_results=1, page_token=page.token)
    assert {page[0].model_id, rest[0].model_id} == {first.model_id, second.model_id}
    params = client.search_logged_models(ids, filter_string="params.lr = '0.1'")
    assert [m.model_id for m in params] == [second.model_id]

    client.delete_logged_model(second.model_id)
    with pytest.raises(MlflowException) as info:
        client.get_logged_model(second.model_id)
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    rest_store = client._tracking_client.store  # the public client does not pass allow_deleted
    assert rest_store.get_logged_model(second.model_id, allow_deleted=True).name == "beta"
    assert [m.model_id for m in client.search_logged_models(ids)] == [first.model_id]
