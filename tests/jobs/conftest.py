"""Fixtures of the jobs tests: the example project, one tracking server, a studio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import LiveServer, start_server
from tests.studio.conftest import LiveStudio, start_studio

PROJECT = Path(__file__).resolve().parents[2] / "examples" / "sweep-project"


@pytest.fixture(scope="session")
def jobs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One SQLite-backed server for the sweep tests; each test uses its own experiment."""
    workdir = tmp_path_factory.mktemp("jobs-server")
    server = start_server(f"sqlite:///{workdir / 'store.db'}", workdir)
    yield server
    server.stop()


@pytest.fixture(scope="package")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStudio]:
    """One studio (with a token) for the jobs tests, its server `default` started."""
    live = start_studio(tmp_path_factory.mktemp("jobs-studio"))
    live.create("default", start=True)
    live.wait("default", {"Started"})
    yield live
    live.stop()
