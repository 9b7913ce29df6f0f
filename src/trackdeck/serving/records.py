"""Endpoint records, the states they move through, and the model URIs they serve.

    Creating -> InService | Failed (with the reason, e.g. the model did not load)
    InService/Failed -> Updating -> InService (new version, or the old one with the
                                   update's failure_reason) | Failed
    InService/Failed -> Deleting -> (gone)

An endpoint serves one fixed model version: `models:/name@alias` is resolved when the
endpoint is created or updated and the version it named is recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import msgspec

from trackdeck.errors import InvalidParameterValue, StateConflict

# SageMaker's endpoint names: up to 63 letters, digits and hyphens.
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
MAX_INSTANCES = 16


class EndpointState(StrEnum):
    CREATING = "Creating"
    IN_SERVICE = "InService"
    UPDATING = "Updating"
    FAILED = "Failed"
    DELETING = "Deleting"


TRANSITIONAL = frozenset({EndpointState.CREATING, EndpointState.UPDATING, EndpointState.DELETING})
CAN_UPDATE = frozenset({EndpointState.IN_SERVICE, EndpointState.FAILED})
CAN_DELETE = frozenset({EndpointState.IN_SERVICE, EndpointState.FAILED})


class Endpoint(msgspec.Struct, kw_only=True):
    """One endpoint as the studio records it. Times are ms since the epoch."""

    name: str
    state: EndpointState
    server_name: str
    model_uri: str  # as asked
    model_name: str
    model_version: int  # what `model_uri` resolved to
    instance_count: int
    failure_reason: str | None = None
    created_by: str = ""
    creation_time: int = 0
    last_modified_by: str = ""
    last_modified_time: int = 0
    replacement_count: int = 0  # instances replaced after they died or stopped answering


class InstanceRecord(msgspec.Struct, kw_only=True):
    """A scoring process of an endpoint, recorded so a later studio can stop leftovers."""

    endpoint_name: str
    instance_id: str
    port: int
    pid: int | None
    model_version: int
    started_time: int


@dataclass(frozen=True)
class ModelRef:
    """A parsed `models:/name/version` or `models:/name@alias`."""

    name: str
    version: int | None = None
    alias: str | None = None

    def uri(self, version: int | None = None) -> str:
        if version is not None:
            return f"models:/{self.name}/{version}"
        return f"models:/{self.name}@{self.alias}" if self.alias else self.uri(self.version)


def parse_model_uri(uri: object) -> ModelRef:
    """`models:/name@alias` or `models:/name/3`; stages and other schemes are refused."""
    hint = "expected models:/NAME/VERSION or models:/NAME@ALIAS"
    if not isinstance(uri, str) or not uri.startswith("models:/"):
        raise InvalidParameterValue(f"Invalid model URI {uri!r}: {hint}.")
    rest = uri.removeprefix("models:/").lstrip("/")
    if "@" in rest:
        name, _, alias = rest.rpartition("@")
        if name and alias and "/" not in alias:
            return ModelRef(name, alias=alias)
    else:
        name, _, version = rest.rpartition("/")
        if name and version.isdigit() and int(version) > 0:
            return ModelRef(name, version=int(version))
        if name and version:
            raise InvalidParameterValue(
                f"Invalid model URI {uri!r}: '{version}' is not a version number (stages are "
                f"not supported: give a version or an alias); {hint}."
            )
    raise InvalidParameterValue(f"Invalid model URI {uri!r}: {hint}.")


def validate_name(name: object) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InvalidParameterValue(
            f"Invalid endpoint name {name!r}: 1-63 letters, digits and hyphens, "
            "starting and ending with a letter or digit."
        )
    return name


def validate_instances(count: object) -> int:
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_INSTANCES:
        raise InvalidParameterValue(
            f"Invalid instance count {count!r}: between 1 and {MAX_INSTANCES}."
        )
    return count


def parse_state(state: object) -> EndpointState:
    for member in EndpointState:
        if isinstance(state, str) and state.lower() == member.value.lower():
            return member
    raise InvalidParameterValue(
        f"Invalid state {state!r}: one of {', '.join(s.value for s in EndpointState)}."
    )


def check_transition(endpoint: Endpoint, allowed: frozenset[EndpointState], action: str) -> None:
    if endpoint.state not in allowed:
        raise StateConflict(
            f"Cannot {action} endpoint '{endpoint.name}' while it is {endpoint.state.value}."
        )
