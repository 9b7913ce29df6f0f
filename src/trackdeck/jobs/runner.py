"""The studio's job runner: runs each job as a `project_run` process against a tracking server.

A submitted job is Pending until its process starts, then Running; the process's output goes
to `<data-dir>/jobs/<id>/output.log` and the run id appears as soon as mlflow created the run.
It logs through the studio's proxy (see `tracking_uri`). The exit code decides Succeeded or
Failed; a cancel sends SIGTERM (the process marks its run KILLED) and SIGKILL after
`CANCEL_GRACE_S`. Jobs die with the studio (PR_SET_PDEATHSIG): on its next start, jobs it
left Pending or Running are Failed with that reason.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import signal
import subprocess
import time
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from trackdeck.errors import StateConflict
from trackdeck.jobs.processes import die_with_parent, signal_group
from trackdeck.jobs.project_run import CANCELLED_EXIT, ProjectRun, environment
from trackdeck.jobs.records import ACTIVE, Job, JobState
from trackdeck.jobs.store import JobStore
from trackdeck.studio.config import StudioConfig
from trackdeck.studio.launcher.local import _STUDIO_SECRETS
from trackdeck.studio.store import StudioStore, now_ms

log = logging.getLogger(__name__)

POLL_S = 0.3
CANCEL_GRACE_S = 15.0
LOG_TAIL_LINES = 20
MAX_LOG_READ = 1024 * 1024


class JobRunner:
    def __init__(self, config: StudioConfig, jobs: JobStore, servers: StudioStore) -> None:
        self.config = config
        self.jobs = jobs
        self.servers = servers
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._cancelling: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    def folder(self, job_id: str) -> Path:
        return self.config.data_dir / "jobs" / job_id

    def tracking_uri(self, server_name: str) -> str:
        """The server as the studio's proxy serves it on this machine: servers run with auth
        on, and the proxy vouches for callers with the studio token (or for all, without)."""
        host = self.config.host if self.config.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.config.port}/servers/{server_name}"

    def log_path(self, job_id: str) -> Path:
        return self.folder(job_id) / "output.log"

    # --- lifecycle of the studio -------------------------------------------------------

    async def open(self) -> None:
        for job in self.jobs.in_states(ACTIVE):  # their processes died with the last studio
            self._finish(job.job_id, JobState.FAILED, None, "The studio stopped while it ran.")

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for job_id, process in list(self._processes.items()):
            signal_group(process.pid, signal.SIGTERM)
            self._finish(job_id, JobState.FAILED, None, "The studio stopped while it ran.")
        await asyncio.gather(*(asyncio.to_thread(self._reap, p) for p in self._processes.values()))

    # --- operations --------------------------------------------------------------------

    def submit(self, run: ProjectRun, server_name: str, user: str) -> Job:
        """Record the job and start it in the background; the server must be serving."""
        server = self.servers.get(server_name)
        if not server.serving:
            raise StateConflict(
                f"Tracking server '{server_name}' is {server.state.value}: start it first."
            )
        now = now_ms()
        job = self.jobs.create(
            Job(
                job_id=uuid.uuid4().hex,
                server=server_name,
                project_uri=run.project_uri,
                entry_point=run.entry_point,
                parameters=run.parameters,
                experiment_name=run.experiment_name,
                env_manager=run.env_manager,
                created_by=user,
                creation_time=now,
                last_modified_time=now,
            )
        )
        self._spawn(self._run(job.job_id, run, self.tracking_uri(server_name)))
        return job

    def cancel(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job.final:
            raise StateConflict(f"Job '{job_id}' is already {job.state.value}.")
        process = self._processes.get(job_id)
        if process is None:  # not started yet: it never will be
            return self._finish(job_id, JobState.CANCELLED, None, None)
        if job_id not in self._cancelling:
            self._cancelling.add(job_id)
            signal_group(process.pid, signal.SIGTERM)
            self._spawn(self._kill_later(job_id, process))
        return job

    def read_log(self, job_id: str, offset: int, max_bytes: int) -> tuple[str, int]:
        """Output from byte `offset` on (at most `max_bytes`) and the offset after it."""
        self.jobs.get(job_id)
        try:
            with self.log_path(job_id).open("rb") as handle:
                handle.seek(offset)
                data = handle.read(min(max_bytes, MAX_LOG_READ))
        except FileNotFoundError:
            return "", offset
        # Never cut a UTF-8 character in two: an incomplete one at the end waits for the
        # next read; invalid bytes become U+FFFD.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        text = decoder.decode(data, final=False)
        return text, offset + len(data) - len(decoder.getstate()[0])

    # --- the work behind them ----------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job_id: str, run: ProjectRun, tracking_uri: str) -> None:
        folder = self.folder(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        run_id_file = folder / "run_id"
        env = {k: v for k, v in environment(tracking_uri).items() if k not in _STUDIO_SECRETS}
        if self.config.token:
            env["MLFLOW_TRACKING_TOKEN"] = self.config.token
        if self.jobs.get(job_id).state is not JobState.PENDING:
            return  # cancelled before it started
        try:
            with self.log_path(job_id).open("ab") as output:
                process = subprocess.Popen(  # on the loop's thread: PDEATHSIG follows it
                    run.command(run_id_file),
                    cwd=folder,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                    preexec_fn=die_with_parent,
                )
        except OSError as exc:
            self._finish(job_id, JobState.FAILED, None, f"Cannot start the job: {exc}")
            return
        self._processes[job_id] = process
        self.jobs.change(job_id, state=JobState.RUNNING, pid=process.pid, start_time=now_ms())
        run_id = None
        while (code := process.poll()) is None:
            if run_id is None and run_id_file.exists():
                run_id = run_id_file.read_text().strip()
                self.jobs.change(job_id, run_id=run_id)
            await asyncio.sleep(POLL_S)
        self._processes.pop(job_id, None)
        if run_id is None and run_id_file.exists():
            self.jobs.change(job_id, run_id=run_id_file.read_text().strip())
        if job_id in self._cancelling or code == CANCELLED_EXIT:
            self._cancelling.discard(job_id)
            self._finish(job_id, JobState.CANCELLED, code, None)
        elif code == 0:
            self._finish(job_id, JobState.SUCCEEDED, code, None)
        else:
            self._finish(job_id, JobState.FAILED, code, self._reason(job_id, code))

    def _finish(self, job_id: str, state: JobState, code: int | None, reason: str | None) -> Job:
        return self.jobs.change(
            job_id, state=state, exit_code=code, failure_reason=reason, end_time=now_ms()
        )

    def _reason(self, job_id: str, code: int) -> str:
        try:
            lines = self.log_path(job_id).read_text(errors="replace").splitlines()
        except OSError:
            lines = []
        ended = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
        return f"The job {ended}. Log:\n" + "\n".join(lines[-LOG_TAIL_LINES:])

    async def _kill_later(self, job_id: str, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + CANCEL_GRACE_S
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
        if process.poll() is None:
            log.warning("Job %s did not stop within %.0f s: killing it", job_id, CANCEL_GRACE_S)
            signal_group(process.pid, signal.SIGKILL)

    @staticmethod
    def _reap(process: subprocess.Popen[bytes]) -> None:
        try:
            process.wait(timeout=CANCEL_GRACE_S)
        except subprocess.TimeoutExpired:
            signal_group(process.pid, signal.SIGKILL)
            process.wait()
