"""One MLproject run in one process: `python -m trackdeck.jobs.project_run URI -e main -P k=v`.

Jobs (in the studio) and sweep trials (on every executor) run projects through this module.
The project runs with mlflow's own runner (`mlflow.projects.run`: MLproject parsing, typed
parameters, environments, the entry point's command), in this process's session, so its
output is this process's output and one signal to the group reaches all of it. Around it:

- the run is created first, tagged as `mlflow run` tags it (user, source, version, entry
  point, parameters with defaults) plus `--run-name` and `--parent-run-id` (sweep trials
  are children), and its id is written to `--run-id-file` before the project starts;
- SIGTERM cancels: the project's processes are stopped and the run is marked KILLED.

It exits 0 when the run succeeded, 1 when it failed and 143 when it was cancelled.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import signal
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CANCELLED_EXIT = 143
PARENT_TAG = "mlflow.parentRunId"


@dataclass(frozen=True)
class ProjectRun:
    """What to run: a project (folder or Git URI), entry point and parameters, and where."""

    project_uri: str
    entry_point: str = "main"
    parameters: dict[str, str] = field(default_factory=dict)
    experiment_name: str | None = None
    experiment_id: str | None = None
    parent_run_id: str | None = None
    run_name: str | None = None
    env_manager: str = "local"

    def command(self, run_id_file: Path) -> list[str]:
        command = [sys.executable, "-m", "trackdeck.jobs.project_run", self.project_uri,
                   "-e", self.entry_point, "--env-manager", self.env_manager,
                   "--run-id-file", str(run_id_file)]  # fmt: skip
        for key, value in self.parameters.items():
            command += ["-P", f"{key}={value}"]
        for flag, value in (
            ("--experiment-name", self.experiment_name),
            ("--experiment-id", self.experiment_id),
            ("--parent-run-id", self.parent_run_id),
            ("--run-name", self.run_name),
        ):
            if value is not None:
                command += [flag, value]
        return command


# Where a run goes is said by the flags of the command, never by what the starting
# process happens to have exported (mlflow.set_experiment() exports the experiment id).
_NOT_INHERITED = ("MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME")


def environment(tracking_uri: str) -> dict[str, str]:
    """The process environment: this one, the tracking URI, unbuffered output, no links."""
    env = dict(os.environ)
    for name in _NOT_INHERITED:
        env.pop(name, None)
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    env["PYTHONUNBUFFERED"] = "1"
    # mlflow's "View run at <url>" lines point at its own UI's routes; the job or sweep
    # links the run itself, and the end of the output should say why a run failed.
    env.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    return env


def _parse_parameters(values: list[str]) -> dict[str, str]:
    parameters = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise SystemExit(f"Invalid parameter {value!r}: expected KEY=VALUE.")
        parameters[key] = text
    return parameters


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trackdeck.jobs.project_run")
    parser.add_argument("uri")
    parser.add_argument("-e", "--entry-point", default="main")
    parser.add_argument("-P", "--param", action="append", default=[])
    parser.add_argument("--env-manager", default="local")
    parser.add_argument("--experiment-name")
    parser.add_argument("--experiment-id")
    parser.add_argument("--parent-run-id")
    parser.add_argument("--run-name")
    parser.add_argument("--run-id-file", type=Path)
    return parser.parse_args(argv)


class _Cancel:
    """SIGTERM: stop the project's processes (they share this process group), mark the run
    KILLED, exit 143. A signal before the run exists just exits."""

    def __init__(self) -> None:
        self.run_id: str | None = None

    def __call__(self, _signum: int, _frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(os.getpgid(0), signal.SIGTERM)
        if self.run_id is not None:
            from mlflow.tracking import MlflowClient

            MlflowClient().set_terminated(self.run_id, "KILLED")
            print(f"trackdeck: cancelled run {self.run_id}", flush=True)
        os._exit(CANCELLED_EXIT)


def _experiment_id(client: Any, args: argparse.Namespace) -> str:
    """As `mlflow run` picks it: the id, else the name (created if missing), else the
    MLFLOW_EXPERIMENT_ID / MLFLOW_EXPERIMENT_NAME variables, else the default experiment."""
    name = args.experiment_name or os.environ.get("MLFLOW_EXPERIMENT_NAME")
    if args.experiment_id or (not name and os.environ.get("MLFLOW_EXPERIMENT_ID")):
        return str(args.experiment_id or os.environ["MLFLOW_EXPERIMENT_ID"])
    if name:
        experiment = client.get_experiment_by_name(name)
        return experiment.experiment_id if experiment else client.create_experiment(name)
    return "0"


def _create_run(client: Any, args: argparse.Namespace, work_dir: str) -> tuple[str, str]:
    from mlflow.entities import Param
    from mlflow.projects.utils import load_project
    from mlflow.utils.git_utils import get_git_commit

    parameters = _parse_parameters(args.param)
    tags = {
        "mlflow.user": getpass.getuser(),
        "mlflow.source.name": args.uri,
        "mlflow.source.type": "PROJECT",
        "mlflow.project.entryPoint": args.entry_point,
    }
    if commit := get_git_commit(work_dir):
        tags["mlflow.source.git.commit"] = commit
    if args.parent_run_id:
        tags[PARENT_TAG] = args.parent_run_id
    experiment_id = _experiment_id(client, args)
    run = client.create_run(experiment_id, tags=tags, run_name=args.run_name)
    point = load_project(work_dir).get_entry_point(args.entry_point)
    final, extra = point.compute_parameters(parameters, storage_dir=None)
    params = [Param(key, str(value)) for key, value in {**final, **extra}.items()]
    client.log_batch(run.info.run_id, params=params)
    return str(run.info.run_id), experiment_id


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # With env manager `local` the command's `python` is this environment's Python.
    scripts = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])
    if os.getpgrp() != os.getpid():  # lead a process group, so a cancel stops only ours
        os.setpgid(0, 0)
    cancel = _Cancel()
    signal.signal(signal.SIGTERM, cancel)
    import mlflow.projects
    from mlflow.projects.utils import ExecutionException, fetch_and_validate_project
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    parameters = _parse_parameters(args.param)
    work_dir = fetch_and_validate_project(args.uri, None, args.entry_point, parameters)
    run_id, experiment_id = _create_run(client, args, work_dir)
    cancel.run_id = run_id
    if args.run_id_file is not None:
        partial = args.run_id_file.with_suffix(".partial")
        partial.write_text(run_id)
        partial.replace(args.run_id_file)
    try:
        mlflow.projects.run(
            work_dir,
            entry_point=args.entry_point,
            parameters=parameters,
            run_id=run_id,
            experiment_id=experiment_id,
            env_manager=args.env_manager,
            synchronous=True,  # sets the run FINISHED or FAILED when the command ends
        )
    except ExecutionException:  # the command failed (its output says why); the run is FAILED
        return 1
    except Exception:  # e.g. the environment could not be built: the run never started
        traceback.print_exc()
        client.set_terminated(run_id, "FAILED")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
