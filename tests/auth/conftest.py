"""An auth-on app in process, its users, and a way to call it as each of them."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

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
