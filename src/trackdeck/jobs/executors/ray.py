"""Trials as Ray tasks, for sweeps larger than one machine.

Uses the Ray instance this process is connected to, or connects to `address` (`auto`, or
`ray://host:10001`), or starts a local one. Each trial is one task needing one CPU; Ray
places it and the sweep bounds how many are in flight. Every worker node needs trackdeck
and mlflow installed, the project at the same path (a shared folder) or a Git URI, and a
tracking URI it can reach.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from trackdeck.jobs.executors.base import Executor
from trackdeck.jobs.trial import TrialResult, TrialTask, run_trial


class RayExecutor(Executor):
    name = "ray"

    def __init__(self, address: str | None = None) -> None:
        import ray

        self._ray = ray
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        self._remote = ray.remote(num_cpus=1, max_retries=0)(run_trial)
        self._refs: list[Any] = []

    def submit(self, task: TrialTask) -> Future[TrialResult]:
        ref = self._remote.remote(task)
        self._refs.append(ref)
        return ref.future()  # type: ignore[no-any-return]

    def close(self, cancel: bool = False) -> None:
        if cancel:
            for ref in self._refs:
                self._ray.cancel(ref, force=True)
        self._refs.clear()
        if self._owns_ray:
            self._ray.shutdown()
