"""One sweep trial: the project run as a child of the sweep's parent run, in its own process.

`run_trial` is what every executor runs, in a thread (local) or in a Ray worker, so the
trial's output is captured the same way everywhere and travels back with its result.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trackdeck.jobs.processes import die_with_parent
from trackdeck.jobs.project_run import ProjectRun, environment

LOG_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class TrialTask:
    index: int
    run: ProjectRun
    tracking_uri: str


@dataclass(frozen=True)
class TrialResult:
    index: int
    exit_code: int
    run_id: str | None  # None when the process failed before mlflow created the run
    log: str  # the end of the trial's output


def _tail(path: Path) -> str:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
        return handle.read().decode("utf-8", errors="replace")


def run_trial(
    task: TrialTask, started: Callable[[subprocess.Popen[bytes]], None] | None = None
) -> TrialResult:
    """Run the trial to its end; `started` is told the process (so it can be cancelled)."""
    with tempfile.TemporaryDirectory(prefix="trackdeck-trial-") as folder:
        output, run_id_file = Path(folder) / "output.log", Path(folder) / "run_id"
        with output.open("wb") as handle:
            process = subprocess.Popen(
                task.run.command(run_id_file),
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                env=environment(task.tracking_uri),
                start_new_session=True,  # Ctrl-C in the sweep's terminal reaches the sweep only
                preexec_fn=die_with_parent,
            )
        if started is not None:
            started(process)
        code = process.wait()
        run_id = run_id_file.read_text().strip() if run_id_file.exists() else None
        return TrialResult(task.index, code, run_id, _tail(output))
