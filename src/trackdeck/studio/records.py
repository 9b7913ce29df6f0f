"""Tracking-server records, their sizes, and the state machine they move through.

    Creating -> Created -> Starting -> Started -> Stopping -> Stopped
                               \\-> StartFailed (crashed repeatedly, with a reason)
    Started/Stopped/Created -> Updating -> Updated (running) | back to Stopped/Created
    any settled state -> Deleting -> (gone) | DeleteFailed

The *Failed states carry a reason. Names follow SageMaker's tracking-server names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import msgspec

from trackdeck.errors import InvalidParameterValue, StateConflict

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$")


class State(StrEnum):
    CREATING = "Creating"
    CREATED = "Created"
    CREATE_FAILED = "CreateFailed"
    STARTING = "Starting"
    STARTED = "Started"
    START_FAILED = "StartFailed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    STOP_FAILED = "StopFailed"
    UPDATING = "Updating"
    UPDATED = "Updated"
    UPDATE_FAILED = "UpdateFailed"
    DELETING = "Deleting"
    DELETE_FAILED = "DeleteFailed"


FAILED = frozenset(s for s in State if s.value.endswith("Failed"))
TRANSITIONAL = frozenset(
    {State.CREATING, State.STARTING, State.STOPPING, State.UPDATING, State.DELETING}
)
# States in which the server's process runs and the proxy forwards requests to it.
SERVING = frozenset({State.STARTED, State.UPDATED})
# Which operation may begin from which state.
CAN_START = frozenset({State.CREATED, State.STOPPED, *FAILED} - {State.DELETE_FAILED})
CAN_STOP = frozenset(
    {State.STARTED, State.UPDATED, State.START_FAILED, State.UPDATE_FAILED, State.STOP_FAILED}
)
CAN_UPDATE = frozenset({State.CREATED, State.STOPPED, *SERVING, *FAILED} - {State.DELETE_FAILED})
CAN_DELETE = frozenset({State.CREATED, State.STOPPED, *SERVING, *FAILED})


class Size(StrEnum):
    SMALL = "Small"
    MEDIUM = "Medium"
    LARGE = "Large"


@dataclass(frozen=True)
class SizeSpec:
    """What a size means for the process the launcher runs (docs/studio.md, "Sizes")."""

    workers: int
    memory_limit_mib: int  # RLIMIT_AS of every server process (address space)
    max_request_mib: int  # largest request body the studio proxy forwards


SIZES: dict[Size, SizeSpec] = {
    Size.SMALL: SizeSpec(workers=1, memory_limit_mib=2048, max_request_mib=1024),
    Size.MEDIUM: SizeSpec(workers=2, memory_limit_mib=4096, max_request_mib=4096),
    Size.LARGE: SizeSpec(workers=4, memory_limit_mib=8192, max_request_mib=16384),
}


class TrackingServer(msgspec.Struct, kw_only=True):
    """One tracking server as the studio records it. Times are ms since the epoch."""

    name: str
    state: State
    size: Size
    port: int
    backend_store_uri: str
    artifact_store_uri: str
    automatic_model_registration: bool = False
    tags: dict[str, str] = {}
    failure_reason: str | None = None
    created_by: str = ""
    creation_time: int = 0
    last_modified_time: int = 0
    last_modified_by: str = ""
    restart_count: int = 0
    pid: int | None = None

    @property
    def serving(self) -> bool:
        return self.state in SERVING


def validate_name(name: object) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InvalidParameterValue(
            f"Invalid tracking server name {name!r}: 1-256 letters, digits and hyphens, "
            "starting and ending with a letter or digit."
        )
    return name


def parse_size(size: object) -> Size:
    for member in Size:
        if isinstance(size, str) and size.lower() == member.value.lower():
            return member
    raise InvalidParameterValue(f"Invalid size {size!r}: one of Small, Medium, Large.")


def parse_state(state: object) -> State:
    for member in State:
        if isinstance(state, str) and state.lower() == member.value.lower():
            return member
    raise InvalidParameterValue(
        f"Invalid state {state!r}: one of {', '.join(s.value for s in State)}."
    )


def check_transition(server: TrackingServer, allowed: frozenset[State], action: str) -> None:
    if server.state not in allowed:
        raise StateConflict(
            f"Cannot {action} tracking server '{server.name}' while it is {server.state.value}."
        )
