"""Jobs in a live studio: submitted, followed, cancelled, and refused with clear errors,
through the REST API and `trackdeck jobs ...` (the project is examples/sweep-project)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from tests.jobs.conftest import PROJECT
from tests.studio.conftest import LiveStudio
from trackdeck.cli import main

FINAL = {"Succeeded", "Failed", "Cancelled"}


def _jobs(studio: LiveStudio, method: str, path: str = "", body: Any = None, **params: Any):  # type: ignore[no-untyped-def]
    return httpx.request(
        method,
        f"{studio.url}/api/trackdeck/v1/jobs{path}",
        json=body if method != "GET" else None,
        params=params or None,
        headers=studio.headers(),
        timeout=30,
    )


def _cli(studio: LiveStudio, *args: str) -> tuple[int, str]:
    base = ["jobs", "--studio-url", studio.url, "--token", studio.token or ""]
    result = CliRunner().invoke(main, [*base, *args])
    return result.exit_code, result.output


def _wait(studio: LiveStudio, job_id: str, states: set[str], timeout: float = 90) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = _jobs(studio, "GET", f"/{job_id}").json()["job"]
        if job["state"] in states:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} stayed {job.get('state')}")


@pytest.fixture
def server(studio: LiveStudio) -> dict[str, Any]:
    return studio.describe("default")


def test_submit_follow_and_cancel(
    studio: LiveStudio, server: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", studio.token or "")  # admin on the server

    code, out = _cli(
        studio, "submit", str(PROJECT), "-P", "learning_rate=0.05", "-P", "epochs=3",
        "--experiment", "jobs-test",
    )  # fmt: skip
    assert code == 0, out
    done = json.loads(out)
    assert done["state"] in ("Pending", "Running") and done["server"] == "default"
    # A second job runs slowly, to be cancelled while it runs.
    slow = _jobs(studio, "POST", body={
        "project_uri": str(PROJECT), "server": "default",
        "parameters": {"learning_rate": 0.05, "epochs": 500, "sleep_seconds": 0.5},
    }).json()["job"]  # fmt: skip

    code, out = _cli(studio, "logs", "-f", done["job_id"])
    assert code == 0 and "epoch 2: val_acc=" in out, out
    job = _wait(studio, done["job_id"], FINAL)
    assert job["state"] == "Succeeded" and job["exit_code"] == 0, job
    assert job["run_url"] == f"{studio.url}/servers/default/runs/{job['run_id']}"
    client = MlflowClient(server["direct_url"])
    run = client.get_run(job["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["learning_rate"] == "0.05" and run.data.params["batch_size"] == "64"
    assert run.data.tags["mlflow.project.entryPoint"] == "main"
    assert run.data.tags["mlflow.source.name"] == str(PROJECT)
    assert client.get_experiment(run.info.experiment_id).name == "jobs-test"
    # The UI link of the run answers through the studio.
    assert httpx.get(job["run_url"], headers=studio.headers()).status_code == 200

    deadline = time.monotonic() + 60
    while "epoch 1:" not in _jobs(studio, "GET", f"/{slow['job_id']}/logs").json()["text"]:
        assert time.monotonic() < deadline, "the slow job never logged an epoch"
        time.sleep(0.3)
    code, out = _cli(studio, "cancel", slow["job_id"])
    assert code == 0, out
    cancelled = json.loads(out)
    assert cancelled["state"] == "Cancelled"
    killed = client.get_run(cancelled["run_id"])
    assert killed.info.status == "KILLED"
    assert killed.info.experiment_id == "0"  # no experiment named: the Default one
    again = _jobs(studio, "POST", f"/{slow['job_id']}/cancel", {})
    assert again.status_code == 409 and again.json()["error_code"] == "RESOURCE_CONFLICT"

    code, out = _cli(studio, "list", "--state", "Cancelled")
    assert code == 0 and slow["job_id"] in out and done["job_id"] not in out
    code, out = _cli(studio, "describe", done["job_id"])
    assert json.loads(out)["run_id"] == job["run_id"]


def test_a_failing_job_followed_and_read_in_pieces(studio: LiveStudio) -> None:
    code, out = _cli(
        studio, "submit", str(PROJECT), "-P", "learning_rate=0", "-P", "epochs=1", "--follow"
    )
    assert code == 1 and "learning_rate must be positive" in out, out
    job = {"job_id": re.search(r"Job ([0-9a-f]{32}) submitted", out).group(1)}  # type: ignore[union-attr]
    assert f"Job {job['job_id']} Failed" in out
    failed = _wait(studio, job["job_id"], FINAL)
    assert failed["state"] == "Failed" and failed["exit_code"] == 1
    assert "learning_rate must be positive" in failed["failure_reason"]
    whole = _jobs(studio, "GET", f"/{job['job_id']}/logs").json()
    assert whole["done"] and "learning_rate must be positive" in whole["text"]
    text, offset = "", 0
    while True:
        piece = _jobs(studio, "GET", f"/{job['job_id']}/logs", offset=offset, max_bytes=100)
        piece = piece.json()
        text += piece["text"]
        offset = piece["next_offset"]
        if piece["done"]:
            break
    assert text == whole["text"]


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        ({"project_uri": str(PROJECT), "entry_point": "nope"}, 400, "INVALID_PARAMETER_VALUE",
         "nope"),
        ({"project_uri": str(PROJECT), "parameters": {"learning_rate": "fast"}}, 400,
         "INVALID_PARAMETER_VALUE", "float"),
        ({"project_uri": "/no/such/project"}, 400, "INVALID_PARAMETER_VALUE", "No project"),
        ({"project_uri": "examples/sweep-project"}, 400, "INVALID_PARAMETER_VALUE", "absolute"),
        ({"project_uri": str(PROJECT), "env_manager": "docker"}, 400,
         "INVALID_PARAMETER_VALUE", "env manager"),
        ({"project_uri": str(PROJECT), "server": "ghost"}, 404, "RESOURCE_DOES_NOT_EXIST",
         "ghost"),
        ({}, 400, "INVALID_PARAMETER_VALUE", "project_uri"),
    ],
)  # fmt: skip
def test_bad_submissions_are_refused(  # type: ignore[no-untyped-def]
    studio: LiveStudio, server, body, status, code, words
) -> None:
    response = _jobs(studio, "POST", body=body)
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code and words in response.json()["message"]


def test_unknown_jobs_and_bad_queries(studio: LiveStudio) -> None:
    for method, path in (("GET", "/nope"), ("GET", "/nope/logs"), ("POST", "/nope/cancel")):
        response = _jobs(studio, method, path, {} if method == "POST" else None)
        assert response.status_code == 404 and response.json()["error_code"] == (
            "RESOURCE_DOES_NOT_EXIST"
        )
    assert _jobs(studio, "GET", state="Sleeping").status_code == 400
    assert _jobs(studio, "GET", max_results=0).status_code == 400
    assert httpx.get(f"{studio.url}/api/trackdeck/v1/jobs").status_code == 401


def test_a_stopped_server_takes_no_jobs(studio: LiveStudio) -> None:
    studio.create("idle-server")
    response = _jobs(studio, "POST", body={"project_uri": str(PROJECT), "server": "idle-server"})
    assert response.status_code == 409 and "start it first" in response.json()["message"]
