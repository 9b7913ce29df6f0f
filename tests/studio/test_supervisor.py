"""Two tracking servers run by one studio, driven with the real mlflow client.

The tests run in order and share the module's studio and its two servers, `alpha` and
`beta`: log in isolation (through the proxy, directly, and as trackdeck://NAME), stop one,
SIGKILL one, resize one, restart the studio, open a presigned URL, delete both.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import mlflow
import psutil
import pytest
from mlflow.exceptions import MlflowException
from mlflow.server.auth.client import AuthServiceClient
from mlflow.tracking import MlflowClient

from tests.studio.conftest import LiveStudio


@pytest.fixture(scope="module")
def pair(studio: LiveStudio) -> Iterator[tuple[str, str]]:
    studio.create("alpha", start=True, tags={"team": "vision"})
    studio.create("beta", size="Small", start=True)
    assert studio.wait("alpha")["state"] == "Started"
    assert studio.wait("beta")["state"] == "Started"
    yield "alpha", "beta"


@pytest.fixture
def token_env(studio: LiveStudio, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The mlflow client sends the studio token: MLFLOW_TRACKING_TOKEN for plain URLs,
    TRACKDECK_TOKEN (with TRACKDECK_STUDIO_URL) for trackdeck:// URIs."""
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", studio.token or "")
    monkeypatch.setenv("TRACKDECK_TOKEN", studio.token or "")
    monkeypatch.setenv("TRACKDECK_STUDIO_URL", studio.url)
    from trackdeck.mlflow_plugin import resolve

    resolve._cache.clear()
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


def _log_run(client: MlflowClient, experiment: str, tmp_path: Path, label: str) -> str:
    experiment_id = client.create_experiment(experiment)
    run = client.create_run(experiment_id, run_name=label)
    client.log_param(run.info.run_id, "label", label)
    for step in range(5):
        client.log_metric(run.info.run_id, "loss", 1 / (step + 1), step=step)
    artifact = tmp_path / f"{label}.txt"
    artifact.write_text(f"artifact of {label}")
    client.log_artifact(run.info.run_id, str(artifact))
    client.set_terminated(run.info.run_id)
    return run.info.run_id


def _run_names(url: str) -> set[str]:
    client = MlflowClient(url)
    experiments = client.search_experiments()
    runs = client.search_runs([e.experiment_id for e in experiments])
    return {r.info.run_name for r in runs}


def test_two_servers_log_in_isolation(
    studio: LiveStudio, pair: tuple[str, str], token_env: None, tmp_path: Path
) -> None:
    alpha, beta = (studio.describe(name) for name in pair)
    assert alpha["tracking_server_url"] == f"{studio.url}/servers/alpha"
    assert alpha["tags"] == {"team": "vision"} and alpha["created_by"]
    assert alpha["port"] != beta["port"]

    # Through the studio's proxy (plain URL), with artifacts.
    via_proxy = _log_run(MlflowClient(alpha["tracking_server_url"]), "proxied", tmp_path, "a-proxy")
    # Straight to the server's own port.
    direct = _log_run(MlflowClient(beta["direct_url"]), "direct", tmp_path, "b-direct")
    # As trackdeck://NAME, resolved through the studio with TRACKDECK_TOKEN (fluent API).
    mlflow.set_tracking_uri("trackdeck://beta")
    mlflow.set_experiment("plugin")
    with mlflow.start_run(run_name="b-plugin") as run:
        mlflow.log_param("via", "trackdeck-uri")
        mlflow.log_metric("acc", 0.9)
        artifact = tmp_path / "plugin.txt"
        artifact.write_text("through the plugin")
        mlflow.log_artifact(str(artifact))
    plugin_run = run.info.run_id
    assert MlflowClient("trackdeck://beta").get_run(plugin_run).data.params == {
        "via": "trackdeck-uri"
    }
    assert [f.path for f in MlflowClient("trackdeck://beta").list_artifacts(plugin_run)] == [
        "plugin.txt"
    ]
    # The registry store of the plugin reaches the same server.
    registry = MlflowClient("trackdeck://beta", registry_uri="trackdeck://beta")
    registry.create_registered_model("plugin-model")
    assert [m.name for m in registry.search_registered_models()] == ["plugin-model"]
    assert MlflowClient(alpha["direct_url"]).search_registered_models() == []

    # Auth is on behind the studio: the server's own port wants credentials; a user the
    # studio's admin creates through the proxy logs in there with the mlflow client.
    bare = httpx.post(f"{beta['direct_url']}/api/2.0/mlflow/experiments/search", json={})
    assert bare.status_code == 401
    AuthServiceClient(beta["tracking_server_url"]).create_user("ada", "analytical-engine-1")
    with_password = httpx.post(
        f"{beta['direct_url']}/api/2.0/mlflow/experiments/search",
        json={"max_results": 10},
        auth=("ada", "analytical-engine-1"),
    )
    assert with_password.status_code == 200, with_password.text
    # A client's own claim to be the proxy is dropped by the studio and refused direct.
    forged = {"X-Trackdeck-Proxy-Secret": "guess", "X-Trackdeck-User": "admin"}
    assert httpx.get(f"{beta['direct_url']}/", headers=forged).status_code == 401

    # What alpha holds, beta never sees, and the other way round.
    assert _run_names(alpha["tracking_server_url"]) == {"a-proxy"}
    assert _run_names(beta["tracking_server_url"]) == {"b-direct", "b-plugin"}
    assert _run_names(alpha["direct_url"]) == {"a-proxy"}
    with pytest.raises(MlflowException):
        MlflowClient(beta["tracking_server_url"]).get_run(via_proxy)
    with pytest.raises(MlflowException):
        MlflowClient(alpha["tracking_server_url"]).get_run(direct)

    # Artifacts come back through the proxy, from each server's own artifact store.
    downloaded = MlflowClient(alpha["tracking_server_url"]).download_artifacts(
        via_proxy, "a-proxy.txt", str(tmp_path / "down")
    )
    assert Path(downloaded).read_text() == "artifact of a-proxy"
    assert Path(alpha["artifact_store_uri"]).is_dir()
    assert not list(Path(beta["artifact_store_uri"]).rglob("a-proxy.txt"))

    # The proxy wants the token (or a session); the server's own port is bound to 127.0.0.1.
    response = httpx.get(f"{alpha['tracking_server_url']}/api/2.0/mlflow/experiments/search")
    assert response.status_code == 401
    assert response.json()["error_code"] == "UNAUTHENTICATED"


def test_proxy_refuses_bodies_over_the_size_limit(
    studio: LiveStudio, pair: tuple[str, str]
) -> None:
    alpha = studio.describe("alpha")
    too_big = alpha["max_request_mib"] * 1024 * 1024 + 1
    with socket.create_connection(("127.0.0.1", studio.port)) as sock:
        sock.sendall(
            f"PUT /servers/alpha/api/2.0/mlflow-artifacts/artifacts/0/x.bin HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: Bearer {studio.token}\r\n"
            f"Content-Length: {too_big}\r\nConnection: close\r\n\r\n".encode()
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        answer = b"".join(chunks).decode()
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "INVALID_PARAMETER_VALUE" in answer


def test_stopped_server_gives_clients_a_clear_error(
    studio: LiveStudio, pair: tuple[str, str], token_env: None
) -> None:
    response = studio.api("POST", "/beta/stop", json={})
    assert response.status_code == 200
    beta = studio.wait("beta")
    assert beta["state"] == "Stopped" and beta["pid"] is None
    with pytest.raises(MlflowException) as raised:
        MlflowClient(beta["tracking_server_url"]).search_experiments()
    assert "beta" in str(raised.value) and "Stopped" in str(raised.value)
    answer = httpx.get(f"{beta['tracking_server_url']}/health", headers=studio.headers())
    assert answer.status_code == 503
    assert answer.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{beta['direct_url']}/health")
    # Stopping it again is a state conflict, not a crash.
    again = studio.api("POST", "/beta/stop", json={})
    assert again.status_code == 409 and again.json()["error_code"] == "RESOURCE_CONFLICT"


def test_killed_server_comes_back(
    studio: LiveStudio, pair: tuple[str, str], token_env: None
) -> None:
    before = studio.describe("alpha")
    os.kill(before["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 60
    after = before
    while time.monotonic() < deadline:
        after = studio.describe("alpha")
        if after["restart_count"] == 1 and after["state"] == "Started":
            break
        time.sleep(0.2)
    assert after["state"] == "Started" and after["restart_count"] == 1, after
    assert after["pid"] != before["pid"]
    assert "killed by SIGKILL" in studio.log()
    # Nothing that was acknowledged is lost.
    assert _run_names(after["direct_url"]) == {"a-proxy"}


def _workers(pid: int) -> int:
    children = psutil.Process(pid).children()
    return sum(1 for child in children if "spawn_main" in " ".join(child.cmdline()))


def test_update_size_restarts_with_more_workers(
    studio: LiveStudio, pair: tuple[str, str], token_env: None
) -> None:
    before = studio.describe("alpha")
    assert before["size"] == "Small" and before["workers"] == 1
    response = studio.api("PATCH", "/alpha", json={"size": "Medium"})
    assert response.status_code == 200
    assert response.json()["tracking_server"]["state"] == "Updating"
    after = studio.wait("alpha")
    assert after["state"] == "Updated" and after["size"] == "Medium" and after["workers"] == 2
    assert after["pid"] != before["pid"]
    deadline = time.monotonic() + 30
    while _workers(after["pid"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _workers(after["pid"]) == 2
    limit = psutil.Process(after["pid"]).rlimit(psutil.RLIMIT_AS)
    assert limit == (4096 * 1024 * 1024, 4096 * 1024 * 1024)
    assert _run_names(after["direct_url"]) == {"a-proxy"}
    # Tags alone change without a restart.
    response = studio.api("PATCH", "/alpha", json={"tags": {"team": "nlp"}})
    assert response.json()["tracking_server"]["state"] == "Updated"
    assert studio.describe("alpha")["pid"] == after["pid"]


def test_studio_restart_brings_back_started_servers(
    studio: LiveStudio, pair: tuple[str, str], token_env: None
) -> None:
    alpha = studio.describe("alpha")
    studio.stop()
    # The studio stops its servers with it.
    assert not psutil.pid_exists(alpha["pid"]) or psutil.Process(alpha["pid"]).status() == (
        psutil.STATUS_ZOMBIE
    )
    studio.start()
    back = studio.wait("alpha", {"Updated", "Started"})
    assert back["size"] == "Medium" and back["pid"] != alpha["pid"]
    assert _run_names(back["direct_url"]) == {"a-proxy"}
    assert studio.describe("beta")["state"] == "Stopped"  # stopped servers stay stopped

    # A studio killed outright takes its servers with it (PR_SET_PDEATHSIG), and the next
    # one brings them back all the same.
    studio.stop(signal.SIGKILL)
    deadline = time.monotonic() + 20
    while psutil.pid_exists(back["pid"]) and time.monotonic() < deadline:
        if psutil.Process(back["pid"]).status() == psutil.STATUS_ZOMBIE:
            break
        time.sleep(0.1)
    studio.start()
    again = studio.wait("alpha", {"Updated", "Started"})
    assert again["pid"] != back["pid"] and again["port"] == back["port"]
    assert _run_names(again["direct_url"]) == {"a-proxy"}


def test_presigned_url_works_once_and_expires(studio: LiveStudio, pair: tuple[str, str]) -> None:
    response = studio.api("POST", "/alpha/url", json={"expires_in_seconds": 5})
    url = response.json()["authorized_url"]
    assert url.startswith(f"{studio.url}/servers/alpha/_presigned?token=")
    with httpx.Client() as browser:
        assert browser.get(f"{studio.url}/servers/alpha/").status_code == 401
        first = browser.get(url)
        assert first.status_code == 303 and first.headers["location"] == "/servers/alpha/"
        assert browser.cookies.get("trackdeck_server_session")
        page = browser.get(f"{studio.url}/servers/alpha/")
        assert page.status_code == 200 and "trackdeck" in page.text
        # The session is for alpha only.
        assert browser.get(f"{studio.url}/servers/beta/health").status_code == 401
    with httpx.Client() as other:
        second = other.get(url)
        assert second.status_code == 403 and "already been used" in second.json()["message"]
    # A URL not used within its lifetime is refused.
    late = studio.api("POST", "/alpha/url", json={"expires_in_seconds": 5}).json()
    time.sleep(5.5)
    expired = httpx.get(late["authorized_url"])
    assert expired.status_code == 403 and "expired" in expired.json()["message"]
    # Lifetimes outside 5-300 s are refused.
    assert studio.api("POST", "/alpha/url", json={"expires_in_seconds": 301}).status_code == 400
    # A tampered token is refused.
    assert httpx.get(url.replace("token=", "token=x")).status_code == 403


def test_delete_stops_processes_frees_port_and_removes_data(
    studio: LiveStudio, pair: tuple[str, str]
) -> None:
    alpha = studio.describe("alpha")
    folder = Path(alpha["artifact_store_uri"]).parent
    assert folder.is_dir()
    workers = [child.pid for child in psutil.Process(alpha["pid"]).children()]
    response = studio.api("DELETE", "/alpha", json={})
    assert response.status_code == 200
    assert response.json()["tracking_server"]["state"] == "Deleting"
    deadline = time.monotonic() + 30
    while studio.api("GET", "/alpha").status_code != 404 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert studio.api("GET", "/alpha").json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    for pid in [alpha["pid"], *workers]:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{alpha['direct_url']}/health")
    assert not folder.exists()  # its own store and artifacts went with it
    proxied = httpx.get(f"{alpha['tracking_server_url']}/health", headers=studio.headers())
    assert proxied.status_code == 404

    # keep_data keeps the folder.
    beta = studio.describe("beta")
    studio.api("DELETE", "/beta", json={"keep_data": True})
    deadline = time.monotonic() + 30
    while studio.api("GET", "/beta").status_code != 404 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Path(beta["backend_store_uri"].removeprefix("sqlite:///")).is_file()
    # The name is free again.
    assert studio.create("alpha")["state"] == "Created"


def test_repeated_crashes_mark_the_server_failed(studio: LiveStudio) -> None:
    studio.create("crashy", start=True)
    server = studio.wait("crashy")
    for crash in range(1, 4):
        assert server["state"] == "Started", (server, studio.log())
        os.kill(server["pid"], signal.SIGKILL)
        if crash < 3:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                server = studio.describe("crashy")
                if server["restart_count"] == crash and server["state"] == "Started":
                    break
                time.sleep(0.2)
    failed = studio.wait("crashy", {"StartFailed"}, timeout=60)
    assert "Crashed 3 times" in failed["failure_reason"], (failed, studio.log())
    assert "SIGKILL" in failed["failure_reason"]
    assert failed["pid"] is None
    # A failed server can be started again.
    assert studio.api("POST", "/crashy/start", json={}).status_code == 200
    assert studio.wait("crashy")["state"] == "Started"
    studio.api("DELETE", "/crashy", json={})


def test_a_server_that_cannot_start_fails_with_its_log(studio: LiveStudio) -> None:
    studio.create("broken", backend_store_uri="nosuchdb://nowhere/x", start=True)
    failed = studio.wait("broken", {"StartFailed"})
    assert "exited with code" in failed["failure_reason"]
    assert "nosuchdb" in failed["failure_reason"]  # the server's own error, from its log
    studio.api("DELETE", "/broken", json={})
