"""Endpoint names, instance counts, states and model URIs."""

from __future__ import annotations

import pytest

from trackdeck.errors import InvalidParameterValue
from trackdeck.serving.records import (
    CAN_DELETE,
    Endpoint,
    EndpointState,
    ModelRef,
    StateConflict,
    check_transition,
    parse_model_uri,
    parse_state,
    validate_instances,
    validate_name,
)


@pytest.mark.parametrize(
    ("uri", "ref"),
    [
        ("models:/iris/3", ModelRef("iris", version=3)),
        ("models:/iris@champion", ModelRef("iris", alias="champion")),
        ("models:/team/iris@prod", ModelRef("team/iris", alias="prod")),
        ("models:///iris/12", ModelRef("iris", version=12)),
    ],
)
def test_model_uris(uri: str, ref: ModelRef) -> None:
    assert parse_model_uri(uri) == ref
    assert parse_model_uri(ref.uri()) == ref


@pytest.mark.parametrize(
    "uri", ["runs:/abc/model", "models:/iris", "models:/iris/0", "models:/@x", "models:/iris@", 3]
)
def test_bad_model_uris(uri: object) -> None:
    with pytest.raises(InvalidParameterValue, match="Invalid model URI"):
        parse_model_uri(uri)


def test_stages_are_refused_with_a_hint() -> None:
    with pytest.raises(InvalidParameterValue, match="stages are not supported"):
        parse_model_uri("models:/iris/Production")


@pytest.mark.parametrize("name", ["a", "iris-prod-2", "x" * 63])
def test_good_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["", "-a", "a-", "a_b", "x" * 64, None])
def test_bad_names(name: object) -> None:
    with pytest.raises(InvalidParameterValue):
        validate_name(name)


@pytest.mark.parametrize("count", [0, 17, -1, True, 1.5])
def test_bad_instance_counts(count: object) -> None:
    with pytest.raises(InvalidParameterValue):
        validate_instances(count)


def test_states_parse_case_insensitively_and_guard_transitions() -> None:
    assert parse_state("inservice") is EndpointState.IN_SERVICE
    endpoint = Endpoint(name="e", state=EndpointState.CREATING, server_name="s",
                        model_uri="models:/m/1", model_name="m", model_version=1,
                        instance_count=1)  # fmt: skip
    with pytest.raises(StateConflict, match="while it is Creating") as caught:
        check_transition(endpoint, CAN_DELETE, "delete")
    assert caught.value.http_status == 409
