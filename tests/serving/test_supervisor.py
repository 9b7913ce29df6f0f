"""Endpoints run by a live studio: blue/green update under load, a killed instance, a model
that does not load, a studio restart, and delete. The tests share the package's studio."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import mlflow
import psutil

from tests.serving.conftest import MODEL, Registry

ROWS = slice(0, 150, 7)  # 22 rows of iris, all three classes


def _rows(registry: Registry) -> Any:
    return registry.features.iloc[ROWS]


def _expected(registry: Registry, version: int) -> list[int]:
    return registry.local[version].predict(_rows(registry)).tolist()


def _split(registry: Registry) -> dict[str, Any]:
    return {"dataframe_split": _rows(registry).to_dict(orient="split")}


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Invoker(threading.Thread):
    """A client invoking in a loop, as production traffic would during an update."""

    def __init__(self, registry: Registry, name: str) -> None:
        super().__init__(daemon=True)
        self.registry, self.name_, self.stop = registry, name, threading.Event()
        self.answers: list[list[int]] = []
        self.failures: list[str] = []

    def run(self) -> None:
        body = _split(self.registry)
        while not self.stop.is_set():
            try:
                response = self.registry.invoke(self.name_, body)
            except Exception as exc:  # a refused or dropped connection counts as a failure
                self.failures.append(repr(exc))
                continue
            if response.status_code == 200:
                self.answers.append(response.json()["predictions"])
            else:
                self.failures.append(f"{response.status_code} {response.text}")


def test_update_switches_versions_without_a_failed_request(registry: Registry) -> None:
    assert _expected(registry, 1) != _expected(registry, 2)  # the switch is visible
    endpoint = registry.deploy("blue-green", f"models:/{MODEL}/1", instances=2)
    assert endpoint["state"] == "InService" and endpoint["model_version"] == 1
    old_pids = {p.pid for p in registry.scoring_processes()}
    mlflow.MlflowClient(registry.tracking_uri).set_registered_model_alias(MODEL, "champion", "2")

    invoker = Invoker(registry, "blue-green")
    invoker.start()
    time.sleep(0.5)
    response = registry.api("PATCH", "/blue-green", json={"model_uri": f"models:/{MODEL}@champion"})
    assert response.status_code == 200, response.text
    assert response.json()["endpoint"]["state"] == "Updating"
    updated = registry.wait("blue-green", {"InService", "Failed"})
    time.sleep(2.0)  # traffic on the new instances only, and the old ones stopped
    invoker.stop.set()
    invoker.join(timeout=30)

    assert invoker.failures == []
    assert invoker.answers[0] == _expected(registry, 1)
    assert invoker.answers[-1] == _expected(registry, 2)
    assert {tuple(a) for a in invoker.answers} == {
        tuple(_expected(registry, 1)),
        tuple(_expected(registry, 2)),
    }
    assert updated["model_version"] == 2 and updated["model_uri"] == f"models:/{MODEL}@champion"
    assert [i["model_version"] for i in updated["instances"]] == [2, 2]
    assert not any(
        psutil.pid_exists(pid) for pid in old_pids - {p.pid for p in registry.scoring_processes()}
    )
    assert len(registry.scoring_processes()) == 2


def test_killed_instance_is_replaced(registry: Registry) -> None:
    before = registry.describe("blue-green")
    port = before["instances"][0]["url"].rsplit(":", 1)[1]
    victim = next(p for p in registry.scoring_processes() if p.cmdline()[-1] == port)
    victim.kill()
    # The proxy sends nothing to the dead instance: every request meanwhile succeeds.
    for _ in range(20):
        response = registry.invoke("blue-green", _split(registry))
        assert response.status_code == 200, response.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        endpoint = registry.describe("blue-green")
        if endpoint["replacement_count"] == 1 and len(endpoint["instances"]) == 2:
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"not replaced: {endpoint}")
    assert endpoint["state"] == "InService"
    assert before["instances"][0]["instance_id"] not in {
        i["instance_id"] for i in endpoint["instances"]
    }
    assert registry.invoke("blue-green", _split(registry)).json()["predictions"] == _expected(
        registry, 2
    )


def test_delete_stops_its_processes_and_frees_its_ports(registry: Registry) -> None:
    endpoint = registry.describe("blue-green")
    ports = [int(i["url"].rsplit(":", 1)[1]) for i in endpoint["instances"]]
    processes = registry.scoring_processes()
    assert len(processes) == 2
    response = registry.api("DELETE", "/blue-green", json={})
    assert response.status_code == 200 and response.json()["endpoint"]["state"] == "Deleting"
    deadline = time.monotonic() + 30
    while registry.api("GET", "/blue-green").status_code != 404:
        assert time.monotonic() < deadline, "not deleted"
        time.sleep(0.2)
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes)
    assert all(_port_free(port) for port in ports)
    assert not (registry.studio.data_dir / "endpoints" / "blue-green").exists()
    gone = registry.invoke("blue-green", _split(registry))
    assert gone.status_code == 404 and gone.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_model_that_does_not_load_marks_the_endpoint_failed(registry: Registry) -> None:
    client = mlflow.MlflowClient(registry.tracking_uri)
    experiment = client.get_experiment_by_name("serving-tests")
    run = client.create_run(experiment.experiment_id)
    client.log_text(run.info.run_id, "not a model", "broken/readme.txt")
    client.create_registered_model("broken")
    client.create_model_version("broken", f"runs:/{run.info.run_id}/broken", run.info.run_id)

    endpoint = registry.deploy("broken", "models:/broken/1")
    assert endpoint["state"] == "Failed"
    assert "Cannot load model models:/broken/1" in endpoint["failure_reason"]
    assert "MLmodel" in endpoint["failure_reason"]
    assert registry.scoring_processes() == []
    response = registry.invoke("broken", _split(registry))
    assert response.status_code == 503
    assert "Failed" in response.json()["message"] and "MLmodel" in response.json()["message"]
    assert registry.api("DELETE", "/broken", json={}).status_code == 200


def test_endpoint_in_service_comes_back_after_a_studio_restart(registry: Registry) -> None:
    registry.deploy("phoenix", f"models:/{MODEL}/1")
    before = registry.scoring_processes()
    registry.studio.stop()  # SIGTERM: the studio stops its instances, the record stays
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in before)
    registry.studio.start()
    endpoint = registry.wait("phoenix", {"InService", "Failed"})
    assert endpoint["state"] == "InService" and endpoint["model_version"] == 1
    response = registry.invoke("phoenix", _split(registry))
    assert response.status_code == 200 and response.json()["predictions"] == _expected(registry, 1)
    assert registry.api("DELETE", "/phoenix", json={}).status_code == 200
