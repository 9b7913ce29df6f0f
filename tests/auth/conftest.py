"""An auth-on app in process, its users, and a way to call it as each of them."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from tests.servers import LiveServer, start_server
from trackdeck.api.app import create_app
from trackdeck.artifacts.local import LocalArtifactStore
from trackdeck.config import ServerConfig
from trackdeck.store.tracking import TrackingStore

PASSWORD = "not-a-guessable-secret"


def basic(username: str, password: str = PASSWORD) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@dataclass
class AuthApp:
    client: TestClient
    store: TrackingStore


@pytest.fixture
def auth_app(tmp_path) -> Iterator[AuthApp]:  # type: ignore[no-untyped-def]
    store = TrackingStore(f"sqlite:///{tmp_path / 'auth.db'}")
    config = ServerConfig(backend_store_uri=store.db.uri, auth=True)
    app = create_app(store, LocalArtifactStore(tmp_path / "artifacts"), config)
    with TestClient(app, base_url="http://localhost") as client:
        store.users.create("admin", PASSWORD, is_admin=True)
        yield AuthApp(client, store)


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    workdir = tmp_path_factory.mktemp("auth-server")
    server = start_server(
        f"sqlite:///{workdir / 'store.db'}",
        workdir,
        "--auth",
        "--cors-allowed-origins",
        "https://notebooks.example",
        env={"TRACKDECK_ADMIN_PASSWORD": PASSWORD},
    )
    yield server
    server.stop()
