"""Shared fixtures: fresh stores on SQLite and PostgreSQL, and live trackdeck servers.

`TRACKDECK_TEST_PG_URL` names the PostgreSQL server (default: the local one on
127.0.0.1:5432). Each test session creates its own databases there and drops them after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

from tests.servers import LiveServer, S3Endpoint, start_s3, start_server

PG_ADMIN_URL = os.environ.get(
    "TRACKDECK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# Keep the real client's retry loop short: a server error should fail a test fast.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


@pytest.fixture(scope="session")
def new_pg_database() -> Iterator[Callable[[], str]]:
    """A factory of fresh, empty PostgreSQL databases, all dropped at the end."""
    created: list[str] = []

    def make() -> str:
        name = f"trackdeck_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return _pg_url(name)

    yield make
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_uri(request: pytest.FixtureRequest, tmp_path, new_pg_database) -> str:  # type: ignore[no-untyped-def]
    """A fresh, empty store URI on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return new_pg_database()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory, new_pg_database
) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """One trackdeck server per backend for the session; tests isolate by experiment."""
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path_factory.mktemp('server') / 'store.db'}"
    else:
        uri = new_pg_database()
    server = start_server(uri, tmp_path_factory.mktemp("server-cwd"))
    yield server
    server.stop()


@pytest.fixture
def tracking_uri(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Points the real mlflow client at the live server for one test."""
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", live_server.url)
    mlflow.set_tracking_uri(live_server.url)
    yield live_server.url
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[S3Endpoint]:
    """moto's standalone S3 server on a free port, for the whole session."""
    endpoint = start_s3()
    yield endpoint
    endpoint.server.stop()
