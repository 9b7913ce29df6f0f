"""The executor interface: run trials somewhere and hand back futures of their results.

The sweep decides how many trials are in flight (`--parallel`); an executor only needs to
run what it is given and to stop everything on `close(cancel=True)`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from concurrent.futures import Future

from trackdeck.jobs.trial import TrialResult, TrialTask


class Executor(ABC):
    name: str

    @abstractmethod
    def submit(self, task: TrialTask) -> Future[TrialResult]:
        """Start the trial; the future holds its result (a failed trial is a result too)."""

    @abstractmethod
    def close(self, cancel: bool = False) -> None:
        """Release the executor's resources; with `cancel`, stop trials still running."""
