"""The real mlflow client against a live trackdeck server, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import time
import uuid

import mlflow
import pandas as pd
import pytest
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_quickstart_flow(tracking_uri: str) -> None:
    experiment = mlflow.set_experiment(unique("quickstart"))
    with mlflow.start_run(run_name="first") as run:
        mlflow.log_param("learning_rate", 0.01)
        mlflow.log_metric("accuracy", 0.92)
    fetched = MlflowClient().get_run(run.info.run_id)
    assert fetched.info.experiment_id == experiment.experiment_id
    assert fetched.info.run_name == "first"
    assert fetched.info.status == "FINISHED"
    assert fetched.info.end_time is not None and fetched.info.end_time >= fetched.info.start_time
    assert fetched.data.params == {"learning_rate": "0.01"}
    assert fetched.data.metrics == {"accuracy": 0.92}
    assert fetched.data.tags["mlflow.runName"] == "first"
    assert fetched.info.artifact_uri == (
        f"mlflow-artifacts:/{experiment.experiment_id}/{run.info.run_id}/artifacts"
    )


def test_default_experiment_exists(tracking_uri: str) -> None:
    default = MlflowClient().get_experiment("0")
    assert default.name == "Default"
    assert default.lifecycle_stage == "active"
    assert MlflowClient().get_experiment_by_name("Default").experiment_id == "0"


def test_set_experiment_creates_then_reuses(tracking_uri: str) -> None:
    name = unique("exp")
    assert MlflowClient().get_experiment_by_name(name) is None
    first = mlflow.set_experiment(name)
    second = mlflow.set_experiment(name)
    assert first.experiment_id == second.experiment_id
    assert first.artifact_location == f"mlflow-artifacts:/{first.experiment_id}"


def test_nested_runs_record_parent(tracking_uri: str) -> None:
    mlflow.set_experiment(unique("nested"))
    with mlflow.start_run() as parent, mlflow.start_run(nested=True) as child:
        mlflow.log_param("trial", "1")
    child_run = MlflowClient().get_run(child.info.run_id)
    assert child_run.data.tags["mlflow.parentRunId"] == parent.info.run_id
    found = mlflow.search_runs(
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'", output_format="list"
    )
    assert [r.info.run_id for r in found] == [child.info.run_id]


def test_generated_run_names(tracking_uri: str) -> None:
    mlflow.set_experiment(unique("names"))
    with mlflow.start_run() as run:
        pass
    name = MlflowClient().get_run(run.info.run_id).info.run_name
    assert name and len(name) <= 20 and name.count("-") == 2


def test_params_metrics_tags_with_steps_and_timestamps(tracking_uri: str) -> None:
    mlflow.set_experiment(unique("logging"))
    client = MlflowClient()
    with mlflow.start_run() as run:
        mlflow.log_params({"alpha": 0.5, "layers": 3, "name": "resnet"})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step, timestamp=1_000 + step)
        mlflow.log_metrics({"acc": 0.5, "f1": 0.25}, step=7)
        mlflow.set_tag("team", "vision")
        mlflow.set_tags({"stage": "dev", "owner": "ana"})
        mlflow.log_metric("weird", math.nan)
        mlflow.log_metric("huge", math.inf)
    data = client.get_run(run.info.run_id).data
    assert data.params == {"alpha": "0.5", "layers": "3", "name": "resnet"}
    assert data.metrics["loss"] == pytest.approx(0.2)
    assert data.metrics["acc"] == 0.5 and data.metrics["f1"] == 0.25
    assert math.isnan(data.metrics["weird"])
    assert data.metrics["huge"] == pytest.approx(1.7976931348623157e308)
    assert {k: data.tags[k] for k in ("team", "stage", "owner")} == {
        "team": "vision", "stage": "dev", "owner": "ana",
    }  # fmt: skip
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [(m.step, m.timestamp, m.value) for m in history] == [
        (s, 1_000 + s, pytest.approx(1.0 / (s + 1))) for s in range(5)
    ]


def test_latest_metric_is_largest_step(tracking_uri: str) -> None:
    client = MlflowClient()
    experiment_id = client.create_experiment(unique("latest"))
    run = client.create_run(experiment_id)
    client.log_metric(run.info.run_id, "m", 5.0, timestamp=10, step=3)
    client.log_metric(run.info.run_id, "m", 1.0, timestamp=20, step=1)
    assert client.get_run(run.info.run_id).data.metrics["m"] == 5.0


def test_log_batch_and_history_paging(tracking_uri: str) -> None:
    client = MlflowClient()
    run = client.create_run(client.create_experiment(unique("batch")))
    now = int(time.time() * 1000)
    points = [Metric("curve", float(i), now + i, i) for i in range(30_000)]
    for start in range(0, len(points), 1000):
        client.log_batch(run.info.run_id, metrics=points[start : start + 1000])
    client.log_batch(
        run.info.run_id,
        params=[Param(f"p{i}", str(i)) for i in range(100)],
        tags=[RunTag(f"t{i}", "x") for i in range(100)],
    )
    history = client.get_metric_history(run.info.run_id, "curve")  # pages of 25,000
    assert len(history) == 30_000
    assert [m.step for m in history] == list(range(30_000))
    data = client.get_run(run.info.run_id).data
    assert len(data.params) == 100 and data.metrics["curve"] == 29_999.0


def test_log_input_with_pandas_dataset(tracking_uri: str) -> None:
    mlflow.set_experiment(unique("datasets"))
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(frame, source="s3://bucket/train.csv", name="train")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")
    inputs = MlflowClient().get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    assert inputs[0].dataset.name == "train"
    assert inputs[0].dataset.digest == dataset.digest
    assert {t.key: t.value for t in inputs[0].tags}["mlflow.data.context"] == "training"
    found = mlflow.search_runs(
        filter_string="datasets.context = 'training' and datasets.name = 'train'",
        output_format="list",
    )
    assert [r.info.run_id for r in found] == [run.info.run_id]


def test_system_metrics(tracking_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL", "0.2")
    monkeypatch.setenv("MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING", "1")
    mlflow.set_experiment(unique("sysmetrics"))
    with mlflow.start_run(log_system_metrics=True) as run:
        time.sleep(1.5)
    metrics = MlflowClient().get_run(run.info.run_id).data.metrics
    assert any(key.startswith("system/cpu_utilization") for key in metrics), metrics


def test_search_runs_filters_order_and_paging(tracking_uri: str) -> None:
    experiment = mlflow.set_experiment(unique("search"))
    for i in range(25):
        with mlflow.start_run(run_name=f"trial-{i:02d}"):
            mlflow.log_param("lr", str(10 ** -(i % 5)))
            mlflow.log_metric("val_acc", i / 100)
            mlflow.set_tag("parity", "even" if i % 2 == 0 else "odd")
    frame = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id],
        filter_string="metrics.val_acc >= 0.1 and tags.parity = 'even'",
        order_by=["metrics.val_acc DESC"],
    )
    assert list(frame["metrics.val_acc"]) == [0.24, 0.22, 0.2, 0.18, 0.16, 0.14, 0.12, 0.1]
    best = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id], order_by=["metrics.val_acc DESC"], max_results=1
    )
    assert best.iloc[0]["tags.mlflow.runName"] == "trial-24"

    client = MlflowClient()
    seen: list[str] = []
    token = None
    while True:
        page = client.search_runs(
            [experiment.experiment_id],
            order_by=["attributes.run_name ASC"],
            max_results=10,
            page_token=token,
        )
        seen += [r.info.run_name for r in page]
        token = page.token
        if not token:
            break
    assert seen == [f"trial-{i:02d}" for i in range(25)]
    like = client.search_runs(
        [experiment.experiment_id], "attributes.run_name LIKE 'trial-1%'", max_results=100
    )
    assert len(like) == 10
    assert len(client.search_runs([experiment.experiment_id], "params.lr = '0.01'")) == 5


def test_search_runs_bad_filter_is_400(tracking_uri: str) -> None:
    experiment = mlflow.set_experiment(unique("badfilter"))
    with pytest.raises(MlflowException) as info:
        MlflowClient().search_runs([experiment.experiment_id], "metrics.acc >> 1")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "acc" in info.value.message


def test_delete_and_restore_runs_and_experiments(tracking_uri: str) -> None:
    client = MlflowClient()
    experiment_id = client.create_experiment(unique("lifecycle"))
    run = client.create_run(experiment_id)
    client.delete_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    assert client.search_runs([experiment_id]) == []
    deleted = client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [run.info.run_id]
    client.restore_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"

    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    with pytest.raises(MlflowException, match="active"):
        client.create_run(experiment_id)
    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"


def test_search_experiments_and_tags(tracking_uri: str) -> None:
    client = MlflowClient()
    prefix = unique("sx")
    ids = [client.create_experiment(f"{prefix}-{i}", tags={"i": str(i)}) for i in range(5)]
    client.set_experiment_tag(ids[0], "team", "a")
    client.rename_experiment(ids[1], f"{prefix}-renamed")
    client.delete_experiment(ids[2])
    found = client.search_experiments(filter_string=f"name LIKE '{prefix}%'", order_by=["name"])
    assert [e.name for e in found] == [
        f"{prefix}-0",
        f"{prefix}-3",
        f"{prefix}-4",
        f"{prefix}-renamed",
    ]
    assert client.get_experiment(ids[0]).tags == {"i": "0", "team": "a"}
    tagged = client.search_experiments(filter_string=f"tags.team = 'a' and name LIKE '{prefix}%'")
    assert [e.experiment_id for e in tagged] == [ids[0]]
    all_views = client.search_experiments(
        view_type=ViewType.ALL, filter_string=f"name LIKE '{prefix}%'"
    )
    assert len(all_views) == 5
    client.delete_experiment_tag(ids[0], "team")
    assert client.get_experiment(ids[0]).tags == {"i": "0"}


def test_error_unknown_run(tracking_uri: str) -> None:
    with pytest.raises(MlflowException) as info:
        MlflowClient().get_run("0" * 32)
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_error_duplicate_experiment_name(tracking_uri: str) -> None:
    client = MlflowClient()
    name = unique("dup")
    client.create_experiment(name)
    with pytest.raises(MlflowException) as info:
        client.create_experiment(name)
    assert info.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_error_param_overwrite(tracking_uri: str) -> None:
    mlflow.set_experiment(unique("immutable"))
    with mlflow.start_run():
        mlflow.log_param("lr", "0.1")
        mlflow.log_param("lr", "0.1")  # same value: fine
        with pytest.raises(MlflowException) as info:
            mlflow.log_param("lr", "0.2")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "Changing param values is not allowed" in info.value.message


def test_error_over_limit_batch(tracking_uri: str) -> None:
    client = MlflowClient()
    run = client.create_run(client.create_experiment(unique("limits")))
    # The fluent API splits big batches itself; MlflowClient.log_batch sends what it is given
    # in chunks too, so speak to the store the way an older or foreign client would.
    from mlflow.store.tracking.rest_store import RestStore
    from mlflow.utils.rest_utils import MlflowHostCreds

    store = RestStore(lambda: MlflowHostCreds(tracking_uri))
    with pytest.raises(MlflowException) as info:
        store.log_batch(
            run.info.run_id, metrics=[], params=[Param(f"p{i}", "v") for i in range(101)], tags=[]
        )
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "at most 100 params" in info.value.message
    assert client.get_run(run.info.run_id).data.params == {}


def test_error_bad_metric_key(tracking_uri: str) -> None:
    client = MlflowClient()
    run = client.create_run(client.create_experiment(unique("keys")))
    with pytest.raises(MlflowException) as info:
        client.log_metric(run.info.run_id, "../escape", 1.0)
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"


def test_update_run_name_and_status(tracking_uri: str) -> None:
    client = MlflowClient()
    run = client.create_run(client.create_experiment(unique("update")), run_name="before")
    client.update_run(run.info.run_id, status="KILLED", name="after")
    fetched = client.get_run(run.info.run_id)
    assert fetched.info.run_name == "after"
    assert fetched.data.tags["mlflow.runName"] == "after"
    assert fetched.info.status == "KILLED"
    client.delete_tag(run.info.run_id, "mlflow.runName")
    with pytest.raises(MlflowException) as info:
        client.delete_tag(run.info.run_id, "nope")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
