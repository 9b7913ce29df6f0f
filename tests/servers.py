"""Start and stop real `trackdeck server` processes for tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    url: str
    store_uri: str
    port: int
    log_path: Path

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    store_uri: str, workdir: Path, *extra_args: str, port: int | None = None
) -> LiveServer:
    """Run `trackdeck server` on a free port and wait until /health answers."""
    port = port or free_port()
    log_path = workdir / f"server-{port}.log"
    command = [
        sys.executable, "-m", "trackdeck.cli", "server",
        "--backend-store-uri", store_uri,
        "--host", "127.0.0.1", "--port", str(port), *extra_args,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)
        )
    server = LiveServer(process, f"http://127.0.0.1:{port}", store_uri, port, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"trackdeck server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"trackdeck server did not become healthy:\n{server.log()}")
