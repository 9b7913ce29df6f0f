"""Live servers with an artifact store: a local folder, or S3 (moto over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import LiveServer, S3Endpoint, start_server


@dataclass
class ArtifactServer:
    server: LiveServer
    kind: str  # "local" or "s3"
    folder: Path | None = None  # the local destination
    s3: S3Endpoint | None = None
    bucket: str | None = None


@pytest.fixture(scope="module", params=["local", "s3"])
def artifact_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ArtifactServer]:
    """A trackdeck server (SQLite) proxying artifacts to a folder or to an S3 bucket."""
    workdir = tmp_path_factory.mktemp(f"artifacts-{request.param}")
    store_uri = f"sqlite:///{workdir / 'store.db'}"
    if request.param == "local":
        folder = workdir / "artifacts"
        server = start_server(store_uri, workdir, "--artifacts-destination", str(folder))
        found = ArtifactServer(server, "local", folder=folder)
    else:
        s3: S3Endpoint = request.getfixturevalue("s3_endpoint")
        bucket = s3.new_bucket()
        destination = f"s3://{bucket}/trackdeck"
        server = start_server(
            store_uri, workdir, "--artifacts-destination", destination, env=s3.env()
        )
        found = ArtifactServer(server, "s3", s3=s3, bucket=bucket)
    yield found
    server.stop()


@pytest.fixture
def artifacts_uri(
    artifact_server: ArtifactServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Points the real mlflow client at the artifact server for one test."""
    import mlflow

    url = artifact_server.server.url
    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
    mlflow.set_tracking_uri(url)
    yield url
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
