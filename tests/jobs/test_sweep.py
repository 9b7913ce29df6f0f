"""`trackdeck sweep` on the local executor against a live server: 8 trials, 2 at a time,
two failing on purpose; the parent/child runs, the best trial and its registered model."""

from __future__ import annotations

from concurrent.futures import Future

import pytest
from click.testing import CliRunner

from tests.jobs.conftest import PROJECT
from tests.jobs.sweep_checks import check_sweep, run_sweep
from tests.servers import LiveServer
from trackdeck.cli import main
from trackdeck.jobs.executors.base import Executor
from trackdeck.jobs.sweep import ERROR_TAG, Sweep, SweepSettings
from trackdeck.jobs.trial import TrialResult, TrialTask


def test_local_sweep(jobs_server: LiveServer) -> None:
    result, experiment, model = run_sweep(jobs_server.url)
    check_sweep(jobs_server.url, result, experiment, model)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-P", "learning_rate=0.1:0.001:3"], "LOW must not be above HIGH"),
        (["-P", "learning_rate=fast,slow"], "is a float"),
        (["-P", "learning_rate=0.1", "-e", "nope"], "nope"),
        (["-P", "learning_rate=0.1", "--trials", "3"], "--strategy random"),
        (["-P", "learning_rate"], "NAME=VALUE"),
    ],
)
def test_bad_sweeps_are_refused_before_any_run(
    jobs_server: LiveServer, args: list[str], words: str
) -> None:
    base = ["sweep", str(PROJECT), "--metric", "val_acc", "--tracking-uri", jobs_server.url]
    result = CliRunner().invoke(main, [*base, *args])
    assert result.exit_code == 2 and words in result.output, result.output


class _LosingExecutor(Executor):
    """An executor whose trials never come back (a Ray worker dying, say)."""

    name = "losing"

    def submit(self, task: TrialTask) -> Future[TrialResult]:
        future: Future[TrialResult] = Future()
        future.set_exception(RuntimeError(f"worker of trial {task.index} died"))
        return future

    def close(self, cancel: bool = False) -> None:
        pass


def test_lost_trials_are_recorded_and_the_sweep_goes_on(jobs_server: LiveServer) -> None:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(jobs_server.url)
    settings = SweepSettings(
        project_uri=str(PROJECT), entry_point="main", space={"learning_rate": "0.1,0.2"},
        trials=[{"learning_rate": "0.1"}, {"learning_rate": "0.2"}], metric="val_acc",
        goal="max", parallel=1, strategy="grid", experiment_name="lost-trials",
    )  # fmt: skip
    sweep = Sweep(settings, client, _LosingExecutor(), jobs_server.url)
    result = sweep.run()
    assert result.best is None and len(result.failed) == 2
    assert client.get_run(result.parent_run_id).info.status == "FAILED"
    for trial in result.trials:
        run = client.get_run(trial.run_id)
        assert run.info.status == "FAILED" and run.info.run_name == trial.name
        assert run.data.tags["mlflow.parentRunId"] == result.parent_run_id
        assert run.data.tags[ERROR_TAG] == f"RuntimeError: worker of trial {trial.index} died"
        assert run.data.params == trial.params
