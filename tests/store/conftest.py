from __future__ import annotations

from collections.abc import Iterator

import pytest

from trackdeck.store.tracking import TrackingStore


@pytest.fixture
def store(store_uri: str) -> Iterator[TrackingStore]:
    """A fresh tracking store on each backend (SQLite and PostgreSQL)."""
    tracking = TrackingStore(store_uri)
    yield tracking
    tracking.close()
