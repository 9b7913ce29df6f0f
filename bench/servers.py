"""Start, wait for, measure and stop the servers under test, each on a fresh store."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.memory import TreeMemory, tree_memory

REPO = Path(__file__).resolve().parent.parent
TRACKDECK_BIN = REPO / ".venv" / "bin" / "trackdeck"
MLFLOW_VENV = REPO / ".venv-bench"
MLFLOW_BIN = MLFLOW_VENV / "bin" / "mlflow"
MLFLOW_VERSION = "3.17.2"


class ServerError(Exception):
    """A server did not start, or died."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def trackdeck_command(workdir: Path, port: int) -> list[str]:
    """`trackdeck server` on a SQLite file in `workdir`."""
    return [
        str(TRACKDECK_BIN), "server",
        "--backend-store-uri", f"sqlite:///{workdir}/td.db",
        "--host", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip


def mlflow_command(workdir: Path, port: int) -> list[str]:
    """`mlflow server` (one worker, proxied artifacts) on a SQLite file in `workdir`."""
    return [
        str(MLFLOW_BIN), "server",
        "--backend-store-uri", f"sqlite:///{workdir}/mlflow.db",
        "--serve-artifacts",
        "--artifacts-destination", str(workdir / "artifacts"),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", "1",
    ]  # fmt: skip


COMMANDS = {"trackdeck": trackdeck_command, "mlflow": mlflow_command}
BINARIES = {"trackdeck": TRACKDECK_BIN, "mlflow": MLFLOW_BIN}


@dataclass
class Server:
    """One running server process (and its children) on its own temp dir and port."""

    name: str
    workdir: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    started_s: float = field(default=0.0)

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:5123."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """Pid of the process we started (the root of its tree)."""
        return self.process.pid

    def memory(self) -> TreeMemory:
        """Summed VmRSS/VmHWM of the server process and all its children."""
        return tree_memory(self.pid)

    def assert_alive(self) -> None:
        """Raise ServerError (with the log's tail) if the process has exited."""
        if self.process.poll() is not None:
            raise ServerError(
                f"{self.name} exited with code {self.process.returncode}\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's output."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_healthy(self, timeout_s: float) -> None:
        """Poll GET /health until it answers 200."""
        start = time.monotonic()
        end = start + timeout_s
        while time.monotonic() < end:
            self.assert_alive()
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    self.started_s = time.monotonic() - start
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise ServerError(f"{self.name}: /health not OK after {timeout_s:g} s\n{self.log_tail()}")

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """SIGSTOP the server's process group for the block, then SIGCONT it.

        While one server is measured the other is frozen: an idle server still wakes up
        (mlflow's job consumers poll several times a second), and on 2 cores those
        wake-ups land in the other server's latencies.
        """
        _signal_group(self.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            _signal_group(self.pid, signal.SIGCONT)

    def stop(self, grace_s: float = 10) -> None:
        """SIGTERM the server's process group, then SIGKILL it if it lingers."""
        if self.process.poll() is None:
            _signal_group(self.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(grace_s)
        # Workers may outlive their parent; the group holds them all.
        _signal_group(self.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(grace_s)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def start(name: str, health_timeout_s: float = 180) -> Server:
    """Start server `name` ("trackdeck" or "mlflow") on a fresh temp store; wait for /health."""
    binary = BINARIES[name]
    if not binary.exists():
        raise ServerError(f"{name}: {binary} not found")
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    port = free_port()
    log_path = workdir / "server.log"
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            COMMANDS[name](workdir, port),
            cwd=workdir,  # anything written by default lands in the temp dir
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
    server = Server(name, workdir, port, process, log_path)
    try:
        server.wait_healthy(health_timeout_s)
    except BaseException:
        server.stop()
        raise
    return server
