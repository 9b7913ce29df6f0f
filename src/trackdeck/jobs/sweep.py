"""A sweep: one parent run, one child run per trial, at most `parallel` trials at a time.

The parent run carries the sweep's settings as tags (the UI draws the sweep from them):

    trackdeck.sweep.metric / .goal     what "best" means (latest value, max or min)
    trackdeck.sweep.space              the parameter specs, as JSON
    trackdeck.sweep.best_run_id        set at the end, with the metric `best_<metric>`

A trial that fails is recorded (child run FAILED, with the end of its output as the tag
`trackdeck.sweep.error`) and the sweep goes on. `--register` registers the best trial's
model and points the alias `champion` at it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any

from trackdeck.jobs.executors.base import Executor
from trackdeck.jobs.project_run import PARENT_TAG, ProjectRun
from trackdeck.jobs.trial import TrialResult, TrialTask

TAG = "trackdeck.sweep"
ERROR_TAG = "trackdeck.sweep.error"
TRIAL_TAG = "trackdeck.sweep.trial"
CHAMPION = "champion"
ERROR_LINES = 30


@dataclass(frozen=True)
class SweepSettings:
    project_uri: str
    entry_point: str
    space: dict[str, str]  # the specs as written, for the record
    trials: list[dict[str, str]]  # each trial's parameters
    metric: str
    goal: str  # "max" or "min"
    parallel: int
    strategy: str
    experiment_name: str | None = None
    run_name: str | None = None
    env_manager: str = "local"
    model_path: str = "model"


@dataclass
class Trial:
    index: int
    params: dict[str, str]
    status: str = "PENDING"  # PENDING, RUNNING, FINISHED, FAILED, KILLED
    run_id: str | None = None
    value: float | None = None
    error: str | None = None

    @property
    def name(self) -> str:
        return f"trial-{self.index:03d}"


@dataclass
class SweepResult:
    parent_run_id: str
    experiment_id: str
    trials: list[Trial]
    best: Trial | None = None
    registered: tuple[str, str] | None = None  # (model name, version)
    seconds: float = 0.0
    failed: list[Trial] = field(default_factory=list)


def better(goal: str, a: float, b: float) -> bool:
    return a > b if goal == "max" else a < b


def _error_text(log: str) -> str:
    lines = [line for line in log.splitlines() if line.strip()]
    return "\n".join(lines[-ERROR_LINES:])[-5000:]


class Sweep:
    def __init__(self, settings: SweepSettings, client: Any, executor: Executor, uri: str):
        self.settings = settings
        self.client = client  # an mlflow MlflowClient
        self.executor = executor
        self.tracking_uri = uri
        self.trials = [Trial(i, params) for i, params in enumerate(settings.trials)]

    def _experiment_id(self) -> str:
        name = self.settings.experiment_name
        if not name:
            return "0"
        experiment = self.client.get_experiment_by_name(name)
        return experiment.experiment_id if experiment else self.client.create_experiment(name)

    def _start_parent(self, experiment_id: str) -> str:
        s = self.settings
        tags = {
            TAG: "true",
            f"{TAG}.metric": s.metric,
            f"{TAG}.goal": s.goal,
            f"{TAG}.space": json.dumps(s.space),
            f"{TAG}.strategy": s.strategy,
            f"{TAG}.trials": str(len(self.trials)),
            f"{TAG}.parallel": str(s.parallel),
            f"{TAG}.executor": self.executor.name,
            f"{TAG}.model_path": s.model_path,
            "mlflow.source.name": s.project_uri,
            "mlflow.project.entryPoint": s.entry_point,
        }
        run = self.client.create_run(experiment_id, run_name=s.run_name, tags=tags)
        return str(run.info.run_id)

    def _task(self, trial: Trial, experiment_id: str, parent: str) -> TrialTask:
        s = self.settings
        run = ProjectRun(
            project_uri=s.project_uri,
            entry_point=s.entry_point,
            parameters=trial.params,
            experiment_id=experiment_id,
            parent_run_id=parent,
            run_name=trial.name,
            env_manager=s.env_manager,
        )
        return TrialTask(trial.index, run, self.tracking_uri)

    def _record(self, trial: Trial, result: TrialResult, experiment_id: str, parent: str) -> None:
        """Read the trial's outcome from its run; a trial without a run gets one (FAILED)."""
        if result.run_id is None:
            run = self.client.create_run(
                experiment_id, run_name=trial.name, tags={PARENT_TAG: parent}
            )
            result = TrialResult(result.index, result.exit_code, run.info.run_id, result.log)
            for key, value in trial.params.items():
                self.client.log_param(result.run_id, key, value)
            self.client.set_terminated(result.run_id, "FAILED")
        trial.run_id = result.run_id
        self.client.set_tag(result.run_id, TRIAL_TAG, str(trial.index))
        run = self.client.get_run(result.run_id)
        trial.status = run.info.status
        if result.exit_code != 0 and trial.status in ("RUNNING", "FINISHED"):
            self.client.set_terminated(result.run_id, "FAILED")
            trial.status = "FAILED"
        trial.value = run.data.metrics.get(self.settings.metric)
        if trial.status == "FAILED":
            trial.error = _error_text(result.log)
            self.client.set_tag(result.run_id, ERROR_TAG, trial.error)

    def run(self, progress: Callable[[Trial], None] | None = None) -> SweepResult:
        """Run every trial; Ctrl-C stops the running ones and marks the sweep KILLED."""
        started = time.monotonic()
        experiment_id = self._experiment_id()
        parent = self._start_parent(experiment_id)
        pending = list(self.trials)
        running: dict[Future[TrialResult], Trial] = {}
        try:
            while pending or running:
                while pending and len(running) < self.settings.parallel:
                    trial = pending.pop(0)
                    trial.status = "RUNNING"
                    running[self.executor.submit(self._task(trial, experiment_id, parent))] = trial
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    trial = running.pop(future)
                    try:
                        result = future.result()
                    except Exception as exc:  # the executor lost it, e.g. a Ray worker died
                        result = TrialResult(trial.index, -1, None, f"{type(exc).__name__}: {exc}")
                    self._record(trial, result, experiment_id, parent)
                    if progress is not None:
                        progress(trial)
        except BaseException:
            self.executor.close(cancel=True)
            for trial in self.trials:
                if trial.status in ("PENDING", "RUNNING"):
                    trial.status = "KILLED"
            self.client.set_terminated(parent, "KILLED")
            raise
        self.executor.close()
        return self._finish(parent, experiment_id, time.monotonic() - started)

    def best(self) -> Trial | None:
        best: Trial | None = None
        for trial in self.trials:
            if trial.status != "FINISHED" or trial.value is None:
                continue
            if best is None or better(self.settings.goal, trial.value, best.value):  # type: ignore[arg-type]
                best = trial
        return best

    def _finish(self, parent: str, experiment_id: str, seconds: float) -> SweepResult:
        best = self.best()
        failed = [t for t in self.trials if t.status != "FINISHED"]
        self.client.set_tag(parent, f"{TAG}.failed", str(len(failed)))
        if best is not None:
            self.client.set_tag(parent, f"{TAG}.best_run_id", best.run_id)
            self.client.log_metric(parent, f"best_{self.settings.metric}", best.value)
        status = "FINISHED" if best is not None else "FAILED"
        self.client.set_terminated(parent, status)
        return SweepResult(parent, experiment_id, self.trials, best, None, seconds, failed)

    def register(self, result: SweepResult, name: str) -> tuple[str, str]:
        """Register the best trial's model as a new version of `name`, alias `champion`."""
        import mlflow

        assert result.best is not None and result.best.run_id is not None
        source = f"runs:/{result.best.run_id}/{self.settings.model_path}"
        version = mlflow.register_model(source, name)
        self.client.set_registered_model_alias(name, CHAMPION, version.version)
        self.client.set_tag(result.parent_run_id, f"{TAG}.registered_model", name)
        self.client.set_tag(result.parent_run_id, f"{TAG}.registered_version", version.version)
        result.registered = (name, str(version.version))
        return result.registered
