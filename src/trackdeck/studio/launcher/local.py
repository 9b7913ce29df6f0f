"""The local launcher: each tracking server is a `trackdeck server` process on this machine.

The process runs in its own session (so a stop signals the uvicorn master and its
workers together) with RLIMIT_AS set in the child before exec: every process of the
server (the master and each worker) may map at most the size's memory limit. It dies with
the studio (PR_SET_PDEATHSIG), and its output goes to `<workdir>/server.log`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

from trackdeck.studio.launcher.base import Instance, Launcher, LaunchSpec

_PR_SET_PDEATHSIG = 1
# The studio's own credentials are none of a tracking server's business.
_STUDIO_SECRETS = frozenset(
    {"TRACKDECK_STUDIO_TOKEN", "TRACKDECK_STUDIO_SECRET", "TRACKDECK_TOKEN"}
)


@cache
def server_flags() -> frozenset[str]:
    """The long options `trackdeck server` takes in this installation."""
    from trackdeck.cli import server

    return frozenset(opt for param in server.params for opt in getattr(param, "opts", ()))


def server_command(spec: LaunchSpec) -> list[str]:
    flags = server_flags()
    command = [
        sys.executable, "-m", "trackdeck.cli", "server",
        "--backend-store-uri", spec.backend_store_uri,
        "--host", "127.0.0.1", "--port", str(spec.port),
        "--workers", str(spec.size.workers),
    ]  # fmt: skip
    if "--artifacts-destination" in flags:
        command += ["--artifacts-destination", spec.artifact_store_uri]
    if "--root-path" in flags:
        command += ["--root-path", spec.root_path]
    if "--auto-register-models" in flags and spec.automatic_model_registration:
        command += ["--auto-register-models"]
    return command


def _limits(memory_bytes: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return apply


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_is_server(pid: int, port: int | None = None) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if b"trackdeck.serving.scoring" in cmdline:
        return True
    return b"trackdeck.cli" in cmdline and b"server" in cmdline


class LocalLauncher(Launcher):
    def __init__(self, env: dict[str, str] | None = None) -> None:
        # Set for every process, e.g. TRACKDECK_STUDIO_URL: a server's UI links to its studio.
        self._env = dict(env or {})
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._workdirs: dict[str, Path] = {}

    def launch(self, spec: LaunchSpec) -> Instance:
        self.stop(spec.name)
        spec.workdir.mkdir(parents=True, exist_ok=True)
        log_path = spec.workdir / "server.log"
        env = {
            **{k: v for k, v in os.environ.items() if k not in _STUDIO_SECRETS},
            # glibc reserves 64 MiB of address space per thread arena; two arenas keep a
            # threaded server far below RLIMIT_AS without costing throughput here.
            "MALLOC_ARENA_MAX": "2",
            **self._env,
            **spec.env,
        }
        with log_path.open("ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} launching\n".encode())
            log.flush()
            process = subprocess.Popen(
                list(spec.command) or server_command(spec),
                cwd=spec.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=_limits(spec.size.memory_limit_mib * 1024 * 1024),
            )
        self._processes[spec.name] = process
        self._workdirs[spec.name] = spec.workdir
        return Instance(spec.name, f"http://127.0.0.1:{spec.port}", process.pid)

    def exit_status(self, name: str) -> str | None:
        process = self._processes.get(name)
        if process is None:
            return "not running"
        code = process.poll()
        return None if code is None else _describe_exit(code)

    def stop(self, name: str, timeout: float = 15.0) -> None:
        process = self._processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        self._signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(process.pid, signal.SIGKILL)
            process.wait()
        # Workers of a multi-worker server share the session; none may outlive the master.
        self._signal_group(process.pid, signal.SIGKILL)

    @staticmethod
    def _signal_group(pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)

    def log_tail(self, name: str, lines: int = 20) -> str:
        workdir = self._workdirs.get(name)
        if workdir is None:
            return ""
        try:
            text = (workdir / "server.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def reap_stale(self, name: str, pid: int | None) -> None:
        if pid is None or name in self._processes or not _pid_alive(pid):
            return
        if not _pid_is_server(pid):
            return
        self._signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _pid_alive(pid):
            time.sleep(0.1)
        self._signal_group(pid, signal.SIGKILL)
