"""A 1 GiB artifact through the real client and a live server: identical bytes back, and
the server's peak memory barely moves, because uploads and downloads are streamed."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest

from tests.servers import LiveServer, start_server

SIZE = 1 << 30
MAX_RSS_GROWTH = 100 * 1024 * 1024


def peak_rss(pid: int) -> int:
    """The process's peak resident set size (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(4 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def make_big_file(path: Path) -> None:
    """A sparse 1 GiB file with random bytes at its start, middle and end (so a server
    answering zeros, or a truncated copy, would not pass)."""
    with path.open("wb") as handle:
        handle.truncate(SIZE)
        for offset in (0, SIZE // 2, SIZE - (1 << 20)):
            handle.seek(offset)
            handle.write(os.urandom(1 << 20))


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    live = start_server(
        f"sqlite:///{tmp_path / 'store.db'}",
        tmp_path,
        "--artifacts-destination",
        str(tmp_path / "artifacts"),
    )
    monkeypatch.setenv("MLFLOW_TRACKING_URI", live.url)
    mlflow.set_tracking_uri(live.url)
    yield live
    mlflow.set_tracking_uri(None)
    live.stop()


@pytest.mark.large
@pytest.mark.timeout(600)
def test_one_gib_up_and_down_in_constant_memory(server: LiveServer, tmp_path: Path) -> None:
    mlflow.set_experiment("large")
    warmup = tmp_path / "warmup.bin"
    warmup.write_bytes(os.urandom(4 << 20))
    with mlflow.start_run() as run:  # the code paths are warm before the baseline
        mlflow.log_artifact(str(warmup))
    mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="warmup.bin", dst_path=str(tmp_path / "w")
    )
    baseline = peak_rss(server.process.pid)

    big = tmp_path / "big.bin"
    make_big_file(big)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(big), artifact_path="data")
    stored = tmp_path / "artifacts" / "1" / run.info.run_id / "artifacts" / "data" / "big.bin"
    assert stored.stat().st_size == SIZE
    back = Path(
        mlflow.artifacts.download_artifacts(
            run_id=run.info.run_id, artifact_path="data/big.bin", dst_path=str(tmp_path / "dl")
        )
    )
    assert back.stat().st_size == SIZE
    assert sha256(back) == sha256(big)

    growth = peak_rss(server.process.pid) - baseline
    print(f"server peak RSS: {baseline / 2**20:.1f} MiB before, +{growth / 2**20:.1f} MiB after")
    assert growth < MAX_RSS_GROWTH, f"server peak RSS grew by {growth / 2**20:.1f} MiB"
