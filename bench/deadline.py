"""Time limits, so that a slow or stuck server cannot hang the benchmark."""

from __future__ import annotations

import time


class WorkloadTimeout(Exception):
    """A workload ran past its time limit."""


class Deadline:
    """A point in time a workload must finish by."""

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises WorkloadTimeout when none are."""
        left = self._end - time.monotonic()
        if left <= 0:
            raise WorkloadTimeout(f"{self.what}: no result within {self.seconds:g} s")
        return left
