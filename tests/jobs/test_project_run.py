"""The example MLproject with the standard `mlflow run` CLI against a live trackdeck server,
and the same project through `trackdeck.jobs.project_run` (what jobs and trials run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.jobs.conftest import PROJECT
from tests.servers import LiveServer
from trackdeck.jobs.project_run import CANCELLED_EXIT, ProjectRun, environment


def _env(url: str) -> dict[str, str]:
    env = environment(url)  # without the MLFLOW_EXPERIMENT_ID earlier tests exported
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    return env


def test_mlflow_run_cli_records_the_project(jobs_server: LiveServer, tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    mlflow_cli = str(Path(sys.executable).parent / "mlflow")
    done = subprocess.run(
        [mlflow_cli, "run", str(PROJECT), "-e", "main", "-P", "learning_rate=0.05",
         "-P", "epochs=3", "--env-manager", "local", "--experiment-name", "mlflow-run-cli"],
        env=_env(jobs_server.url), cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    client = MlflowClient(jobs_server.url)
    experiment = client.get_experiment_by_name("mlflow-run-cli")
    [run] = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FINISHED"
    tags = run.data.tags
    assert tags["mlflow.source.type"] == "PROJECT"
    assert tags["mlflow.project.entryPoint"] == "main"
    assert tags["mlflow.project.backend"] == "local"
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert tags["mlflow.source.git.commit"] == commit  # the version
    assert tags["mlflow.source.name"].endswith("examples/sweep-project") or tags[
        "mlflow.source.name"
    ].startswith(("file://", "https://", "git@"))
    assert run.data.params == {
        "learning_rate": "0.05", "batch_size": "64", "hidden_units": "32", "epochs": "3",
        "sleep_seconds": "0",
    }  # fmt: skip
    assert 0.5 < run.data.metrics["val_acc"] <= 1.0
    assert len(client.get_metric_history(run.info.run_id, "val_acc")) == 3
    models = [m.name for m in client.search_logged_models([experiment.experiment_id])]
    assert models == ["model"]


def test_project_run_cancel_marks_the_run_killed(jobs_server: LiveServer, tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    run_id_file = tmp_path / "run_id"
    slow = ProjectRun(
        str(PROJECT),
        parameters={"learning_rate": "0.05", "epochs": "500", "sleep_seconds": "0.5"},
        experiment_name="project-run-cancel",
        run_name="slow",
    )
    output = (tmp_path / "out.log").open("wb")
    process = subprocess.Popen(
        slow.command(run_id_file), env=environment(jobs_server.url), cwd=tmp_path,
        stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while b"epoch 1:" not in (tmp_path / "out.log").read_bytes():
        assert process.poll() is None and time.monotonic() < deadline, (
            tmp_path / "out.log"
        ).read_text()
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == CANCELLED_EXIT
    run = MlflowClient(jobs_server.url).get_run(run_id_file.read_text())
    assert run.info.status == "KILLED" and run.info.run_name == "slow"
    assert run.data.tags["mlflow.source.type"] == "PROJECT"
    # Nothing of the project is left running in its process group (zombies aside).
    time.sleep(0.5)
    assert _live_members(process.pid) == []


def _live_members(group: int) -> list[str]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(stat.parent.name)
    return members
