"""What a workload reports, and the checks that make a figure count."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Literal


class CheckFailed(Exception):
    """A server answered 200 but with the wrong data (count, order or values)."""


class Skipped(Exception):
    """A workload could not run because one it depends on failed."""


def check(condition: bool, message: str) -> None:
    """Raise CheckFailed with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message)


@dataclass
class Measurement:
    """One workload's figure on one server, plus supporting detail for the JSON file."""

    value: float
    unit: str
    better: Literal["higher", "lower"]
    details: dict[str, Any] = field(default_factory=dict)


def percentile(samples: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of `samples`."""
    ordered = sorted(samples)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """min / p50 / p99 / max / mean of latencies given in seconds, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "min_ms": round(min(ms), 3),
        "p50_ms": round(percentile(ms, 50), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


@dataclass
class Failure:
    """Why a row has no figure: a failed check, an HTTP error, a timeout, or a skip."""

    kind: Literal["CHECK FAILED", "HTTP ERROR", "TIMEOUT", "SKIPPED", "SERVER DIED", "ERROR"]
    message: str


Outcome = Measurement | Failure
