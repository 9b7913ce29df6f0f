"""A live `trackdeck studio` process (with a token) per test module, and helpers to drive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import free_port

TOKEN = "studio-test-token"
STABLE = {"Created", "Started", "Stopped", "Updated"}


@dataclass
class LiveStudio:
    data_dir: Path
    port: int
    token: str | None = TOKEN
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.data_dir.parent / f"studio-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ}
        env.pop("TRACKDECK_STUDIO_TOKEN", None)
        command = [sys.executable, "-m", "trackdeck.cli", "studio", "--port", str(self.port),
                   "--data-dir", str(self.data_dir)]  # fmt: skip
        if self.token:
            command += ["--token", self.token]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.data_dir.parent, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the studio exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the studio did not start:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def api(self, method: str, path: str = "", json: Any = None, **params: Any) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.url}/api/trackdeck/v1/tracking-servers{path}",
            json=json if method != "GET" else None,
            params=params or None,
            headers=self.headers(),
            timeout=30,
        )

    def describe(self, name: str) -> dict[str, Any]:
        response = self.api("GET", f"/{name}")
        assert response.status_code == 200, response.text
        return response.json()["tracking_server"]

    def wait(
        self, name: str, states: set[str] | None = None, timeout: float = 90
    ) -> dict[str, Any]:
        """Poll until `name` is in one of `states` (default: any settled state)."""
        wanted = states or STABLE | {s for s in ("StartFailed", "UpdateFailed", "StopFailed")}
        deadline = time.monotonic() + timeout
        server: dict[str, Any] = {}
        while time.monotonic() < deadline:
            server = self.describe(name)
            if server["state"] in wanted:
                return server
            time.sleep(0.2)
        raise AssertionError(f"{name} stayed {server.get('state')}:\n{self.log()}")

    def create(self, name: str, **fields: Any) -> dict[str, Any]:
        response = self.api("POST", json={"name": name, **fields})
        assert response.status_code == 200, response.text
        return response.json()["tracking_server"]


def start_studio(tmp_path: Path, token: str | None = TOKEN) -> LiveStudio:
    studio = LiveStudio(tmp_path / "studio-data", free_port(), token)
    studio.start()
    return studio


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStudio]:
    """One studio for the module; tests create their own servers in it."""
    live = start_studio(tmp_path_factory.mktemp("studio"))
    yield live
    live.stop()
