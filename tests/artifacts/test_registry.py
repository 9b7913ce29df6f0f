"""Choosing the artifact store by the destination's scheme, and the CLI flag."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trackdeck.artifacts.local import LocalArtifactStore
from trackdeck.artifacts.registry import open_artifact_store
from trackdeck.artifacts.s3 import S3ArtifactStore
from trackdeck.cli import main


def test_folders_and_file_uris_are_local(tmp_path: Path) -> None:
    for destination in (str(tmp_path / "a"), f"file://{tmp_path / 'b'}"):
        store = open_artifact_store(destination)
        assert isinstance(store, LocalArtifactStore)
        assert Path(store.location).is_dir()


def test_s3_uris_name_bucket_and_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store = open_artifact_store("s3://bucket/some/prefix/")
    assert isinstance(store, S3ArtifactStore)
    assert (store.bucket, store.prefix, store.location) == (
        "bucket",
        "some/prefix",
        "s3://bucket/some/prefix",
    )
    assert open_artifact_store("s3://bucket").location == "s3://bucket"


@pytest.mark.parametrize("destination", ["gs://bucket/x", "http://host/x", "s3:///no-bucket"])
def test_unknown_destinations_are_refused(destination: str) -> None:
    with pytest.raises(ValueError, match=r"bucket|Unsupported"):
        open_artifact_store(destination)


def test_server_flag_is_documented_and_checked(tmp_path: Path) -> None:
    help_text = CliRunner().invoke(main, ["server", "--help"]).output
    assert "--artifacts-destination" in help_text
    result = CliRunner().invoke(
        main,
        [
            "server",
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 's.db'}",
            "--artifacts-destination",
            "gs://bucket/x",
        ],
    )
    assert result.exit_code == 2
    assert "Unsupported artifacts destination" in result.output
