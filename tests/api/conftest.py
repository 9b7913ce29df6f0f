from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from trackdeck.api.app import create_app
from trackdeck.store.tracking import TrackingStore


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The ASGI app in process on a fresh SQLite store."""
    store = TrackingStore(f"sqlite:///{tmp_path / 'api.db'}")
    with TestClient(create_app(store), base_url="http://localhost") as test_client:
        yield test_client
