"""Model endpoints side by side: `python -m bench.run --suite endpoints [--scale small|full]`.

One small scikit-learn model (iris, LogisticRegression) is registered on a studio's
tracking server and served three ways, one process each:

    trackdeck direct   the endpoint's scoring process (serving/scoring.py), on its own port
    trackdeck proxy    the same instance through the studio: /endpoints/<name>/invocations
    mlflow serve       `mlflow models serve --env-manager local --workers 1` (mlflow 3.17.2)
                       on the same registered model version

Every answer is checked against the local model's predictions. Latency is one client
sending requests one after another (p50, p99); throughput is `CONCURRENCY` clients at
once. Targets are measured one at a time, each after the machine has gone quiet.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.mlflow_env import ensure_mlflow_venv
from bench.proctree import wait_quiet
from bench.report import RESULTS_DIR
from bench.servers import MLFLOW_BIN, MLFLOW_VERSION, free_port

TRACKDECK_BIN = Path(sys.executable).parent / "trackdeck"
CONCURRENCY = 8
ROWS = 1  # an online-inference request: one row


@dataclass(frozen=True)
class Sizes:
    warmup: int
    latency: int
    throughput: int


SIZES = {"small": Sizes(200, 1000, 3000), "full": Sizes(500, 5000, 20000)}


@dataclass
class Figures:
    p50_ms: float
    p99_ms: float
    throughput_rps: float


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _wait(url: str, timeout: float, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s")


def _start(command: list[str], workdir: Path, env: dict[str, str], log_name: str) -> Any:
    with (workdir / log_name).open("wb") as out:
        return subprocess.Popen(command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **env}, start_new_session=True)  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _register(tracking_uri: str) -> tuple[Any, Any]:
    """Train the model, register it as bench-iris v1; the model and a request's rows."""
    import mlflow
    import mlflow.sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, target = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=300).fit(features, target)
    mlflow.set_tracking_uri(tracking_uri)
    with mlflow.start_run(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow.sklearn.log_model(model, name="model", registered_model_name="bench-iris",
                                 input_example=features.head(2),
                                 pip_requirements=["scikit-learn"])  # fmt: skip
    return model, features.iloc[50 : 50 + ROWS]


def _check(url: str, body: bytes, expected: list[Any]) -> None:
    response = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    answer = response.json() if response.status_code == 200 else response.text
    if answer != {"predictions": expected}:
        raise RuntimeError(f"{url} answered {response.status_code} {answer!r}, not {expected}")


def measure(url: str, body: bytes, sizes: Sizes) -> Figures:
    """Latency of sequential requests, then throughput of CONCURRENCY clients."""
    headers = {"Content-Type": "application/json"}
    with httpx.Client(headers=headers, timeout=30) as client:
        for _ in range(sizes.warmup):
            client.post(url, content=body).raise_for_status()
        times = []
        for _ in range(sizes.latency):
            start = time.perf_counter()
            client.post(url, content=body).raise_for_status()
            times.append(time.perf_counter() - start)
    quantiles = statistics.quantiles(times, n=100)

    async def load() -> float:
        remaining = sizes.throughput
        limits = httpx.Limits(max_connections=CONCURRENCY)
        async with httpx.AsyncClient(headers=headers, timeout=30, limits=limits) as client:

            async def worker() -> None:
                nonlocal remaining
                while remaining > 0:
                    remaining -= 1
                    (await client.post(url, content=body)).raise_for_status()

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            return sizes.throughput / (time.perf_counter() - start)

    return Figures(quantiles[49] * 1000, quantiles[98] * 1000, asyncio.run(load()))


def table(results: dict[str, Figures]) -> str:
    base = results["mlflow serve"]
    lines = [f"{'target':18} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}   vs mlflow serve"]
    for name, f in results.items():
        ratio = (
            f"p50 {base.p50_ms / f.p50_ms:.2f}x faster, p99 {base.p99_ms / f.p99_ms:.2f}x, "
            f"throughput {f.throughput_rps / base.throughput_rps:.2f}x"
        )
        lines.append(f"{name:18} {f.p50_ms:8.2f} {f.p99_ms:8.2f} {f.throughput_rps:8.0f}   "
                     + ("-" if f is base else ratio))  # fmt: skip
    return "\n".join(lines)


def main(scale: str = "small", keep: bool = False) -> int:
    sizes = SIZES[scale]
    ensure_mlflow_venv()
    workdir = Path(tempfile.mkdtemp(prefix="bench-endpoints-"))
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        port = free_port()
        studio_url = f"http://127.0.0.1:{port}"
        processes["studio"] = _start(
            [str(TRACKDECK_BIN), "studio", "--port", str(port), "--data-dir",
             str(workdir / "studio"), "--default-server", "default"],
            workdir, {}, "studio.log",
        )  # fmt: skip
        _wait(f"{studio_url}/servers/default/health", 120, processes["studio"], "the studio")
        model, rows = _register(f"{studio_url}/servers/default")
        expected = model.predict(rows).tolist()
        body = json.dumps({"dataframe_split": rows.to_dict(orient="split")}).encode()

        api = f"{studio_url}/api/trackdeck/v1/endpoints"
        created = httpx.post(api, json={"name": "bench", "model_uri": "models:/bench-iris/1"})
        created.raise_for_status()
        deadline = time.monotonic() + 180
        while (endpoint := httpx.get(f"{api}/bench").json()["endpoint"])["state"] != "InService":
            if endpoint["state"] == "Failed" or time.monotonic() > deadline:
                raise RuntimeError(f"endpoint: {endpoint['state']} {endpoint['failure_reason']}")
            time.sleep(0.3)
        mlflow_port = free_port()
        processes["mlflow"] = _start(
            [str(MLFLOW_BIN), "models", "serve", "-m", "models:/bench-iris/1",
             "--env-manager", "local", "--workers", "1",
             "--host", "127.0.0.1", "--port", str(mlflow_port)],
            workdir,
            # It runs `uvicorn` from PATH: the one of its own venv.
            {"MLFLOW_TRACKING_URI": f"{studio_url}/servers/default",
             "PATH": f"{MLFLOW_BIN.parent}:{os.environ.get('PATH', '')}"},
            "mlflow-serve.log",
        )  # fmt: skip
        _wait(f"http://127.0.0.1:{mlflow_port}/ping", 180, processes["mlflow"], "mlflow serve")

        targets = {
            "trackdeck direct": endpoint["instances"][0]["url"] + "/invocations",
            "trackdeck proxy": endpoint["invocation_url"],
            "mlflow serve": f"http://127.0.0.1:{mlflow_port}/invocations",
        }
        results: dict[str, Figures] = {}
        for name, url in targets.items():
            _check(url, body, expected)
            for process in processes.values():
                wait_quiet(process.pid)
            results[name] = measure(url, body, sizes)
            log(f"{name}: {results[name]}")
    finally:
        for process in processes.values():
            _stop(process)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)

    print(table(results))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{time.strftime('%Y%m%d-%H%M%S')}-endpoints-{scale}.json"
    document = {"sizes": asdict(sizes), "concurrency": CONCURRENCY, "rows_per_request": ROWS,
                "mlflow": MLFLOW_VERSION, "loadavg": os.getloadavg(),
                "results": {name: asdict(f) for name, f in results.items()}}  # fmt: skip
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nJSON: {path}")
    return 0
