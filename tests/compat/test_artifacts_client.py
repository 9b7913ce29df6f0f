"""The real mlflow client logging, listing and downloading artifacts through trackdeck,
on a local folder and on S3 (moto's standalone server over HTTP)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from PIL import Image

from tests.compat.conftest import ArtifactServer

MLFLOW_CLI = Path(sys.executable).with_name("mlflow")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def tree_digests(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under `root`."""
    return {
        p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


def make_tree(root: Path) -> dict[str, str]:
    """A nested folder of binary, text, empty and oddly named files."""
    rng = np.random.default_rng(7)
    files = {
        "data.bin": rng.bytes(300_000),
        "notes.txt": b"line one\nline two\n",
        "empty.dat": b"",
        "sub/deeper/weights.npy": rng.bytes(70_000),
        "sub/with space & ünïcode.csv": b"a,b\n1,2\n",
        "sub/.hidden": b"dotfile",
    }
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return tree_digests(root)


def listing(client: MlflowClient, run_id: str, path: str | None = None) -> list[tuple]:
    return [(f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run_id, path)]


def test_every_log_call_round_trips(artifacts_uri: str, tmp_path: Path) -> None:
    mlflow.set_experiment(f"artifacts-{uuid.uuid4().hex[:8]}")
    source = tmp_path / "source"
    expected = make_tree(source)
    single = tmp_path / "single.json"
    single.write_text(json.dumps({"a": [1, 2, 3]}))
    figure, axes = plt.subplots()
    axes.plot([0, 1, 2], [2, 0, 1])
    pixels = np.arange(24 * 32 * 3, dtype=np.uint8).reshape(24, 32, 3)
    table = {"x": [1, 2, 3], "label": ["a", "b", "c"]}
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(single))
        mlflow.log_artifact(str(single), artifact_path="copies/one")
        mlflow.log_artifacts(str(source), artifact_path="tree")
        mlflow.log_text("hello, artifacts\n", "texts/hello.txt")
        mlflow.log_dict({"k": "v", "n": [1, 2]}, "config/params.json")
        mlflow.log_dict({"k": "v"}, "config/params.yaml")
        mlflow.log_figure(figure, "plots/curve.png")
        mlflow.log_image(pixels, "images/array.png")
        mlflow.log_image(Image.fromarray(pixels), "images/pil.png")
        mlflow.log_table(table, "tables/table.json")
    plt.close(figure)
    run_id = run.info.run_id
    client = MlflowClient()

    assert listing(client, run_id) == [
        ("config", True, None),
        ("copies", True, None),
        ("images", True, None),
        ("plots", True, None),
        ("single.json", False, single.stat().st_size),
        ("tables", True, None),
        ("texts", True, None),
        ("tree", True, None),
    ]
    assert listing(client, run_id, "copies") == [("copies/one", True, None)]
    assert listing(client, run_id, "copies/one") == [
        ("copies/one/single.json", False, single.stat().st_size)
    ]
    assert listing(client, run_id, "tree/sub") == [
        ("tree/sub/.hidden", False, 7),
        ("tree/sub/deeper", True, None),
        ("tree/sub/with space & ünïcode.csv", False, 8),
    ]
    assert listing(client, run_id, "tree/sub/deeper") == [
        ("tree/sub/deeper/weights.npy", False, 70_000)
    ]
    assert listing(client, run_id, "tree/notes.txt") == []  # a file lists as nothing
    assert listing(client, run_id, "no/such/folder") == []

    folder = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="tree", dst_path=str(tmp_path / "dl-tree")
    )
    assert tree_digests(Path(folder)) == expected
    whole = Path(client.download_artifacts(run_id, "", str(tmp_path / "dl-all")))
    assert tree_digests(whole / "tree") == expected
    assert sha256(whole / "single.json") == sha256(single)
    assert sha256(whole / "copies/one/single.json") == sha256(single)
    assert (whole / "texts/hello.txt").read_text() == "hello, artifacts\n"
    assert json.loads((whole / "config/params.json").read_text()) == {"k": "v", "n": [1, 2]}
    assert "k: v" in (whole / "config/params.yaml").read_text()
    assert (whole / "plots/curve.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    for name in ("array.png", "pil.png"):
        assert np.array_equal(np.asarray(Image.open(whole / "images" / name)), pixels)
    loaded = mlflow.load_table("tables/table.json", run_ids=[run_id])
    assert loaded[["x", "label"]].to_dict("list") == table
    one_file = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="tree/data.bin", dst_path=str(tmp_path / "dl-one")
    )
    assert sha256(Path(one_file)) == expected["data.bin"]
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/texts/hello.txt") == "hello, artifacts\n"


def test_mlflow_artifacts_download_cli(artifacts_uri: str, tmp_path: Path) -> None:
    mlflow.set_experiment(f"cli-{uuid.uuid4().hex[:8]}")
    expected = make_tree(tmp_path / "source")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(tmp_path / "source"), artifact_path="model-files")
    env = {**os.environ, "MLFLOW_TRACKING_URI": artifacts_uri}
    for name, arguments in {
        "by-run": ["-r", run.info.run_id, "-a", "model-files"],
        "by-runs-uri": ["-u", f"runs:/{run.info.run_id}/model-files"],
        "by-artifact-uri": ["-u", f"{run.info.artifact_uri}/model-files"],
    }.items():
        destination = tmp_path / name
        done = subprocess.run(
            [str(MLFLOW_CLI), "artifacts", "download", *arguments, "-d", str(destination)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert tree_digests(destination / "model-files") == expected, name
        assert done.stdout.strip().endswith("model-files")


def test_missing_artifact_is_an_mlflow_error(artifacts_uri: str, tmp_path: Path) -> None:
    mlflow.set_experiment(f"missing-{uuid.uuid4().hex[:8]}")
    with mlflow.start_run() as run:
        mlflow.log_text("x", "present.txt")
    with pytest.raises(MlflowException):
        mlflow.artifacts.download_artifacts(
            run_id=run.info.run_id, artifact_path="absent.txt", dst_path=str(tmp_path)
        )


def test_large_file_uses_multipart_on_s3_and_falls_back_on_local(
    artifacts_uri: str,
    artifact_server: ArtifactServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a low threshold the client tries multipart: S3 takes the parts through presigned
    URLs; the local folder answers the 501 the client falls back on with one PUT."""
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", str(1 << 20))
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", str(5 << 20))
    big = tmp_path / "big.bin"
    big.write_bytes(np.random.default_rng(1).bytes(12 << 20))
    mlflow.set_experiment(f"multipart-{uuid.uuid4().hex[:8]}")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(big), artifact_path="large")
    back = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="large/big.bin", dst_path=str(tmp_path / "dl")
    )
    assert sha256(Path(back)) == sha256(big)
    if artifact_server.kind == "s3":
        assert artifact_server.s3 is not None
        key = f"trackdeck/{run.info.artifact_uri.split(':', 1)[1].lstrip('/')}/large/big.bin"
        head = artifact_server.s3.client().head_object(Bucket=artifact_server.bucket, Key=key)
        assert head["ContentLength"] == 12 << 20
        assert head["ETag"].strip('"').endswith("-3")  # assembled from three parts
