"""Trials as processes on this machine, one thread waiting on each."""

from __future__ import annotations

import signal
import subprocess
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from trackdeck.jobs.executors.base import Executor
from trackdeck.jobs.processes import signal_group
from trackdeck.jobs.trial import TrialResult, TrialTask, run_trial


class LocalExecutor(Executor):
    name = "local"

    def __init__(self, parallel: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="trial")
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def submit(self, task: TrialTask) -> Future[TrialResult]:
        return self._pool.submit(self._run, task)

    def _run(self, task: TrialTask) -> TrialResult:
        started: list[subprocess.Popen[bytes]] = []

        def remember(process: subprocess.Popen[bytes]) -> None:
            started.append(process)
            with self._lock:
                self._running.add(process)

        try:
            return run_trial(task, remember)
        finally:
            with self._lock:
                self._running.difference_update(started)

    def close(self, cancel: bool = False) -> None:
        if cancel:
            with self._lock:
                for process in self._running:
                    signal_group(process.pid, signal.SIGTERM)  # the run is marked KILLED
        self._pool.shutdown(wait=True, cancel_futures=cancel)
