"""The local executor: trials as processes, their output captured, and a cancel (what
Ctrl-C in `trackdeck sweep` does) stopping a running trial and marking its run KILLED."""

from __future__ import annotations

import time

from tests.jobs.conftest import PROJECT
from tests.servers import LiveServer
from trackdeck.jobs.executors.local import LocalExecutor
from trackdeck.jobs.project_run import CANCELLED_EXIT, ProjectRun
from trackdeck.jobs.trial import TrialTask


def test_cancel_stops_running_trials(jobs_server: LiveServer) -> None:
    from mlflow.tracking import MlflowClient

    executor = LocalExecutor(parallel=2)
    slow = ProjectRun(
        str(PROJECT),
        parameters={"learning_rate": "0.05", "epochs": "500", "sleep_seconds": "0.5"},
        experiment_name="local-executor-cancel",
    )
    future = executor.submit(TrialTask(0, slow, jobs_server.url))
    client = MlflowClient(jobs_server.url)
    deadline = time.monotonic() + 90
    while True:  # until the trial's run has logged an epoch
        experiment = client.get_experiment_by_name("local-executor-cancel")
        runs = client.search_runs([experiment.experiment_id]) if experiment else []
        if runs and "val_acc" in runs[0].data.metrics:
            break
        assert time.monotonic() < deadline and not future.done()
        time.sleep(0.3)
    executor.close(cancel=True)
    result = future.result(timeout=30)
    assert result.exit_code == CANCELLED_EXIT and result.run_id == runs[0].info.run_id
    assert "epoch 0: val_acc=" in result.log and "cancelled run" in result.log
    assert client.get_run(result.run_id).info.status == "KILLED"
