"""The checks every executor's sweep must pass, shared by the local and Ray tests."""

from __future__ import annotations

import re
import uuid

import numpy as np
from click.testing import CliRunner, Result

from tests.jobs.conftest import PROJECT
from trackdeck.cli import main

# 8 trials; learning_rate=0 makes the project fail on purpose (2 trials).
SPACE = ["-P", "learning_rate=0,0.003,0.03,0.3", "-P", "batch_size=32,64", "-P", "epochs=4"]


def run_sweep(tracking_uri: str, *extra: str) -> tuple[Result, str, str]:
    """Sweep the example project; the CLI's result, the experiment and the model name."""
    experiment, model = f"sweep-{uuid.uuid4().hex[:8]}", f"digits-{uuid.uuid4().hex[:8]}"
    args = ["sweep", str(PROJECT), *SPACE, "--metric", "val_acc", "--goal", "max",
            "--parallel", "2", "--experiment", experiment, "--register", model,
            "--tracking-uri", tracking_uri, *extra]  # fmt: skip
    result = CliRunner().invoke(main, args)
    return result, experiment, model


def max_overlap(runs: list) -> int:  # type: ignore[type-arg]
    """The most trials that ran at the same moment, from their start and end times."""
    edges = sorted(
        [(r.info.start_time, 1) for r in runs] + [(r.info.end_time, -1) for r in runs],
        key=lambda edge: (edge[0], edge[1]),
    )
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def check_sweep(tracking_uri: str, result: Result, experiment: str, model: str) -> None:
    import mlflow
    from mlflow.tracking import MlflowClient

    assert result.exit_code == 0, result.output + repr(result.exception)
    client = MlflowClient(tracking_uri)
    parent_id = re.search(r"Sweep run ([0-9a-f]{32})", result.output).group(1)  # type: ignore[union-attr]
    parent = client.get_run(parent_id)
    exp_id = parent.info.experiment_id
    assert client.get_experiment(exp_id).name == experiment
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["trackdeck.sweep.metric"] == "val_acc"
    assert parent.data.tags["trackdeck.sweep.failed"] == "2"

    children = client.search_runs(
        [exp_id], f"tags.`mlflow.parentRunId` = '{parent_id}'", max_results=100
    )
    assert len(children) == 8
    assert max_overlap(children) <= 2
    failed = [r for r in children if r.info.status == "FAILED"]
    assert sorted(r.data.params["learning_rate"] for r in failed) == ["0", "0"]
    for run in failed:
        assert "learning_rate must be positive" in run.data.tags["trackdeck.sweep.error"]
    finished = [r for r in children if r.info.status == "FINISHED"]
    assert len(finished) == 6
    assert all(r.data.tags["mlflow.source.type"] == "PROJECT" for r in children)
    assert {r.data.params["batch_size"] for r in children} == {"32", "64"}

    best = client.search_runs(
        [exp_id],
        f"tags.`mlflow.parentRunId` = '{parent_id}' and attributes.status = 'FINISHED'",
        order_by=["metrics.val_acc DESC"],
        max_results=1,
    )[0]
    assert parent.data.tags["trackdeck.sweep.best_run_id"] == best.info.run_id
    assert parent.data.metrics["best_val_acc"] == best.data.metrics["val_acc"]
    assert "Best: trial-" in result.output and best.info.run_id in result.output
    assert "trial-000 FAILED: learning_rate must be positive" in result.output
    summary = [line for line in result.output.splitlines() if line.startswith("*")]
    assert len(summary) == 1 and best.info.run_id in summary[0]

    version = client.get_model_version_by_alias(model, "champion")
    assert version.run_id == best.info.run_id
    mlflow.set_tracking_uri(tracking_uri)
    try:
        loaded = mlflow.pyfunc.load_model(f"models:/{model}@champion")
    finally:
        mlflow.set_tracking_uri(None)
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    predictions = np.asarray(loaded.predict(x[:200] / 16.0))
    assert (predictions == y[:200]).mean() > 0.8
