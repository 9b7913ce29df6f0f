"""Artifact workloads: one file uploaded, then downloaded, through the proxied artifact
service (`/api/2.0/mlflow-artifacts/artifacts/...`), streamed both ways as the mlflow
client does. Reports MiB/s each way; the bytes that come back must hash the same."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.client import ApiError, run_body
from bench.context import Context
from bench.deadline import Deadline, WorkloadTimeout
from bench.measure import Measurement, check

MIB = 1024 * 1024
CHUNK = MIB
SERVICE = "/api/2.0/mlflow-artifacts/artifacts"


def _make_file(path: Path, size: int) -> str:
    """A file of `size` bytes (random 1 MiB blocks repeated); its sha256."""
    block = os.urandom(CHUNK)
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for offset in range(0, size, CHUNK):
            piece = block[: min(CHUNK, size - offset)]
            piece = offset.to_bytes(8, "little") + piece[8:]  # no two blocks alike
            handle.write(piece)
            digest.update(piece)
    return digest.hexdigest()


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _upload(http: httpx.Client, url: str, path: Path, deadline: Deadline) -> float:
    start = time.perf_counter()
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Length": str(path.stat().st_size),
    }
    response = http.put(url, content=_chunks(path), headers=headers, timeout=deadline.remaining())
    elapsed = time.perf_counter() - start
    if not 200 <= response.status_code < 300:
        raise ApiError(f"PUT {url}", response.status_code, response.text)
    return elapsed


def _download(http: httpx.Client, url: str, target: Path, deadline: Deadline) -> float:
    start = time.perf_counter()
    with (
        http.stream("GET", url, timeout=deadline.remaining()) as response,
        target.open("wb") as handle,
    ):
        if response.status_code != 200:
            raise ApiError(f"GET {url}", response.status_code, response.read().decode())
        for chunk in response.iter_bytes(CHUNK):
            handle.write(chunk)
    return time.perf_counter() - start


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


SMALL_FILE_MIB = 50


def small_file(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """A 50 MiB file up and down, at every scale."""
    return _transfer(ctx, deadline, SMALL_FILE_MIB, "artifact_small")


def large_file(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """A `large_artifact_mib` file (1 GiB at full scale) up and down."""
    return _transfer(ctx, deadline, ctx.scale.large_artifact_mib, "artifact_large")


def _transfer(ctx: Context, deadline: Deadline, mib: int, row: str) -> dict[str, Measurement]:
    """Upload then download one `mib` MiB file; MiB/s each way, checksums equal."""
    size = mib * MIB
    with ctx.api(deadline) as api:
        experiment = api.create_experiment(f"bench-{row}")
        run = api.create_run(run_body(experiment, row, ctx.t0_ms))
    root = str(run["info"]["artifact_uri"])
    check(root.startswith("mlflow-artifacts:"), f"runs/create: {root!r} is not proxied")
    url = f"{SERVICE}/{root.removeprefix('mlflow-artifacts:').lstrip('/')}"
    with (
        tempfile.TemporaryDirectory(prefix="bench-artifacts-") as scratch,
        httpx.Client(base_url=ctx.url, headers={"User-Agent": "trackdeck-bench"}) as http,
    ):
        folder = Path(scratch)
        warm = folder / "warm.bin"
        _make_file(warm, 4 * MIB)
        try:
            _upload(http, f"{url}/warm.bin", warm, deadline)  # untimed: first-use costs
            _download(http, f"{url}/warm.bin", folder / "warm.back", deadline)
            source = folder / "big.bin"
            expected = _make_file(source, size)
            up_s = _upload(http, f"{url}/big.bin", source, deadline)
            back = folder / "big.back"
            down_s = _download(http, f"{url}/big.bin", back, deadline)
        except httpx.TimeoutException as exc:
            raise WorkloadTimeout(f"{deadline.what}: transfer timed out ({exc!r})") from exc
        check(back.stat().st_size == size, f"download: {back.stat().st_size} bytes of {size}")
        check(_sha256(back) == expected, "download: the bytes differ from those uploaded")
    return {
        f"{row}_upload": Measurement(mib / up_s, "MiB/s", "higher", {"MiB": mib, "s": up_s}),
        f"{row}_download": Measurement(mib / down_s, "MiB/s", "higher", {"MiB": mib, "s": down_s}),
    }
