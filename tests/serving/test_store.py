"""Endpoint rows in a fresh studio database: create, find, page, change, instances, remove."""

from __future__ import annotations

from pathlib import Path

import pytest

from trackdeck.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist
from trackdeck.serving.records import Endpoint, EndpointState, InstanceRecord
from trackdeck.serving.store import EndpointStore
from trackdeck.studio.store import StudioStore


def _endpoint(name: str, created: int) -> Endpoint:
    return Endpoint(name=name, state=EndpointState.CREATING, server_name="default",
                    model_uri="models:/m@prod", model_name="m", model_version=2,
                    instance_count=1, creation_time=created)  # fmt: skip


def test_records_round_trip_and_page(tmp_path: Path) -> None:
    studio = StudioStore(f"sqlite:///{tmp_path / 'studio.db'}")
    store = EndpointStore(studio.db)
    for i in range(5):
        store.create(_endpoint(f"e{i}", i))
    with pytest.raises(ResourceAlreadyExists):
        store.create(_endpoint("e1", 9))
    assert store.get("e3") == _endpoint("e3", 3)
    changed = store.change("e3", state=EndpointState.IN_SERVICE, model_version=3)
    assert changed.state is EndpointState.IN_SERVICE and changed.model_version == 3
    assert EndpointStore(studio.db).get("e3") == changed  # from the database, not memory

    first, token = store.list(max_results=2)
    assert [e.name for e in first] == ["e4", "e3"] and token
    rest, end = store.list(max_results=10, page_token=token)
    assert [e.name for e in rest] == ["e2", "e1", "e0"] and end is None
    assert [e.name for e in store.list(state=EndpointState.IN_SERVICE)[0]] == ["e3"]
    with pytest.raises(InvalidParameterValue):
        store.list(sort_by="model_uri")

    instance = InstanceRecord(endpoint_name="e3", instance_id="abc", port=1, pid=2,
                              model_version=3, started_time=4)  # fmt: skip
    store.add_instance(instance)
    assert store.instances() == [instance] and store.instances("e2") == []
    store.remove("e3")
    assert store.instances() == []
    with pytest.raises(ResourceDoesNotExist):
        store.get("e3")
    with pytest.raises(ResourceDoesNotExist):
        store.change("e3", state=EndpointState.FAILED)
    studio.close()
