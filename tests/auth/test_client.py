"""The real mlflow client against `trackdeck server --auth`: each credential form, users
and roles through mlflow's own AuthServiceClient, token revocation, password throttling,
and the Host and Origin allowlists."""

from __future__ import annotations

import httpx
import mlflow
import pytest
from mlflow.exceptions import MlflowException
from mlflow.server.auth.client import AuthServiceClient
from mlflow.tracking import MlflowClient

from tests.auth.conftest import PASSWORD
from tests.servers import LiveServer

ENV_KEYS = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")


@pytest.fixture
def as_user(monkeypatch: pytest.MonkeyPatch, auth_server: LiveServer):  # type: ignore[no-untyped-def]
    """Switch the credentials the mlflow client sends, as a user would with env vars."""
    mlflow.set_tracking_uri(auth_server.url)

    def switch(username: str | None = None, password: str = PASSWORD, token: str | None = None):  # type: ignore[no-untyped-def]
        for key in ENV_KEYS:
            monkeypatch.delenv(key, raising=False)
        if username:
            monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", username)
            monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", password)
        if token:
            monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token)
        return MlflowClient(auth_server.url)

    yield switch
    mlflow.set_tracking_uri(None)


def test_basic_and_bearer_credentials_and_ownership(auth_server: LiveServer, as_user) -> None:  # type: ignore[no-untyped-def]
    as_user("admin")
    auth = AuthServiceClient(auth_server.url)
    carol = auth.create_user("carol", "violet-secret-passphrase")
    auth.create_user("dave", "indigo-secret-passphrase")
    assert carol.username == "carol" and not carol.is_admin
    with pytest.raises(MlflowException, match="at least 12 characters"):
        auth.create_user("eve", "short")

    as_user("carol", "violet-secret-passphrase")
    experiment_id = mlflow.create_experiment("carol-private")
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_param("lr", 0.1)
        mlflow.log_metric("loss", 0.5)
        mlflow.log_text("notes", "notes.txt")
    # The creator manages it: she shuts dave out.
    AuthServiceClient(auth_server.url).grant_user_permission(
        "dave", "experiment", experiment_id, "NO_PERMISSIONS"
    )

    dave = as_user("dave", "indigo-secret-passphrase")
    with pytest.raises(MlflowException, match=r"PERMISSION_DENIED|Permission denied"):
        dave.get_run(run.info.run_id)
    assert "carol-private" not in {e.name for e in dave.search_experiments()}
    assert dave.search_runs([experiment_id]) == []

    # An API token for dave, sent as MLFLOW_TRACKING_TOKEN (Bearer).
    token = httpx.post(
        f"{auth_server.url}/api/trackdeck/v1/tokens",
        json={"name": "ci"},
        auth=("dave", "indigo-secret-passphrase"),
    ).json()
    with_token = as_user(token=token["secret"])
    assert with_token.search_experiments()  # Default is readable
    # Revoked: the very next call is refused.
    httpx.delete(
        f"{auth_server.url}/api/trackdeck/v1/tokens/{token['token']['id']}",
        auth=("dave", "indigo-secret-passphrase"),
    ).raise_for_status()
    with pytest.raises(MlflowException, match=r"UNAUTHENTICATED|invalid, expired or revoked"):
        with_token.search_experiments()

    as_user()
    with pytest.raises(MlflowException, match=r"UNAUTHENTICATED|Authentication required"):
        MlflowClient(auth_server.url).search_experiments()


def test_roles_grant_a_team_at_once(auth_server: LiveServer, as_user) -> None:  # type: ignore[no-untyped-def]
    as_user("admin")
    auth = AuthServiceClient(auth_server.url)
    experiment_id = mlflow.create_experiment("team-project")
    for name in ("frank", "grace"):
        auth.create_user(name, "long-shared-passphrase-1")
    role = auth.create_role("default", "ml-team", "writes team-project")
    auth.add_role_permission(role.id, "experiment", experiment_id, "EDIT")
    for name in ("frank", "grace"):
        auth.assign_role(name, role.id)
    assert {r.name for r in auth.list_user_roles("grace")} == {"ml-team"}

    client = as_user("grace", "long-shared-passphrase-1")
    run = client.create_run(experiment_id)
    client.log_metric(run.info.run_id, "acc", 0.9)
    with pytest.raises(MlflowException, match=r"PERMISSION_DENIED|Permission denied"):
        client.delete_experiment(experiment_id)  # EDIT is not MANAGE

    as_user("admin")
    auth.unassign_role("grace", role.id)
    auth.grant_user_permission("grace", "experiment", experiment_id, "READ")
    client = as_user("grace", "long-shared-passphrase-1")
    with pytest.raises(MlflowException, match=r"PERMISSION_DENIED|Permission denied"):
        client.create_run(experiment_id)
    assert client.get_run(run.info.run_id).data.metrics == {"acc": 0.9}


def test_wrong_passwords_are_rate_limited(auth_server: LiveServer) -> None:
    users = f"{auth_server.url}/api/2.0/mlflow/users/create"
    target = {"username": "heidi", "password": "pass-phrase-of-h-42"}
    httpx.post(users, json=target, auth=("admin", PASSWORD)).raise_for_status()
    url = f"{auth_server.url}/api/2.0/mlflow/experiments/search"
    statuses = [
        httpx.post(url, json={"max_results": 1}, auth=("heidi", f"guess-{i}")).status_code
        for i in range(7)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]
    # Even the right password waits until the window passes; other users are not held up.
    right = httpx.post(url, json={"max_results": 1}, auth=("heidi", "pass-phrase-of-h-42"))
    assert right.status_code == 429
    assert right.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    assert httpx.post(url, json={"max_results": 1}, auth=("admin", PASSWORD)).status_code == 200


def test_host_and_origin_allowlists(auth_server: LiveServer) -> None:
    health = f"{auth_server.url}/health"
    assert httpx.get(health, headers={"Host": "rebound.attacker.example"}).status_code == 403
    assert httpx.get(health, headers={"Host": "localhost"}).status_code == 200
    search = f"{auth_server.url}/api/2.0/mlflow/experiments/search"
    foreign = httpx.post(
        search, json={}, auth=("admin", PASSWORD), headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert "access-control-allow-origin" not in foreign.headers
    preflight = httpx.options(
        search,
        headers={
            "Origin": "https://notebooks.example",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://notebooks.example"
