"""Job records and the states a job moves through.

    Pending -> Running -> Succeeded | Failed
    Pending | Running -> Cancelled (on request)

A job is one MLproject run that the studio runs against one of its tracking servers.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from trackdeck.errors import InvalidParameterValue


class JobState(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


FINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
ACTIVE = frozenset({JobState.PENDING, JobState.RUNNING})


class Job(msgspec.Struct, kw_only=True):
    """One job as the studio records it. Times are ms since the epoch."""

    job_id: str
    server: str
    project_uri: str
    entry_point: str = "main"
    parameters: dict[str, str] = {}
    experiment_name: str | None = None
    env_manager: str = "local"
    state: JobState = JobState.PENDING
    run_id: str | None = None
    exit_code: int | None = None
    failure_reason: str | None = None
    pid: int | None = None
    created_by: str = ""
    creation_time: int = 0
    start_time: int | None = None
    end_time: int | None = None
    last_modified_time: int = 0

    @property
    def final(self) -> bool:
        return self.state in FINAL


def parse_job_state(state: object) -> JobState:
    for member in JobState:
        if isinstance(state, str) and state.lower() == member.value.lower():
            return member
    raise InvalidParameterValue(
        f"Invalid job state {state!r}: one of {', '.join(s.value for s in JobState)}."
    )
