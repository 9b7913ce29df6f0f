"""Names, sizes and the state machine."""

from __future__ import annotations

import pytest

from trackdeck.errors import InvalidParameterValue
from trackdeck.studio.records import (
    CAN_START,
    CAN_STOP,
    SIZES,
    TRANSITIONAL,
    Size,
    State,
    parse_size,
    validate_name,
)


@pytest.mark.parametrize("name", ["a", "A1", "my-server", "a--b", "9" * 256, "x-y-z"])
def test_valid_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["", "-a", "a-", "a_b", "a.b", "9" * 257, None, 5])
def test_invalid_names(name: object) -> None:
    with pytest.raises(InvalidParameterValue):
        validate_name(name)


def test_sizes_grow() -> None:
    small, medium, large = (SIZES[s] for s in (Size.SMALL, Size.MEDIUM, Size.LARGE))
    assert small.workers < medium.workers < large.workers
    assert small.memory_limit_mib < medium.memory_limit_mib < large.memory_limit_mib
    assert parse_size("medium") is Size.MEDIUM


def test_no_operation_starts_from_a_transitional_state() -> None:
    assert not (CAN_START | CAN_STOP) & TRANSITIONAL
    assert State.STARTED in CAN_STOP and State.STOPPED in CAN_START
