"""The REST client: the same plain HTTP calls for every server under test."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

from bench.deadline import Deadline, WorkloadTimeout
from bench.wire import HttpConnection, ProtocolError

API = "/api/2.0/mlflow"
USER_AGENT = "trackdeck-bench"
JSON_HEADERS = {"Content-Type": "application/json"}

Json = dict[str, Any]


class ApiError(Exception):
    """A request that did not answer HTTP 200 with a JSON object."""

    def __init__(self, endpoint: str, status: int, body: str) -> None:
        super().__init__(f"{endpoint}: HTTP {status}: {body[:500]}")
        self.endpoint = endpoint
        self.status = status
        self.body = body


def encode(body: Json) -> bytes:
    """A request body as JSON bytes (encode before timing to keep the client cheap)."""
    return json.dumps(body, separators=(",", ":")).encode()


USER = "bench"


def run_body(experiment_id: str, name: str, start_time: int) -> Json:
    """A runs/create body as the mlflow client sends it (user tag included)."""
    return {
        "experiment_id": experiment_id,
        "user_id": USER,
        "run_name": name,
        "start_time": start_time,
        "tags": [{"key": "mlflow.user", "value": USER}],
    }


def search_body(
    experiment_id: str, page: int, filter_: str = "", order_by: list[str] | None = None
) -> Json:
    """A runs/search body as the mlflow client sends it."""
    return {
        "experiment_ids": [experiment_id],
        "filter": filter_,
        "max_results": page,
        "order_by": order_by or [],
        "run_view_type": "ACTIVE_ONLY",
    }


class Api:
    """One keep-alive connection to one server, bounded by a deadline.

    It speaks HTTP/1.1 on a plain socket (`bench.wire`), so that what a figure holds is the
    server's time, not the client's. `wire_s` adds up, over every call, the time from
    sending a request to holding the whole answer; the JSON is decoded after that clock
    stops (as request bodies are encoded before it starts).
    """

    def __init__(self, base_url: str, deadline: Deadline) -> None:
        self.deadline = deadline
        url = urllib.parse.urlsplit(base_url)
        self._connection = HttpConnection(url.hostname or "", url.port or 80, USER_AGENT)
        self.wire_s = 0.0
        """Seconds spent waiting on the server, over all calls so far."""
        self.last_wire_s = 0.0
        """Seconds the last call spent waiting on the server."""

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def post(self, endpoint: str, body: Json | bytes) -> Json:
        """POST a JSON body (a dict or already-encoded bytes) to `/api/2.0/mlflow<endpoint>`."""
        content = body if isinstance(body, bytes) else encode(body)
        return self._send("POST", API + endpoint, endpoint, content, JSON_HEADERS)

    def get(self, endpoint: str, params: dict[str, str | int]) -> Json:
        """GET `/api/2.0/mlflow<endpoint>` with query parameters."""
        query = urllib.parse.urlencode(params)
        return self._send("GET", f"{API}{endpoint}?{query}", endpoint, None, {})

    def _send(
        self, method: str, path: str, endpoint: str, body: bytes | None, headers: dict[str, str]
    ) -> Json:
        timeout = self.deadline.remaining()
        start = time.perf_counter()
        try:
            status, content = self._connection.request(method, path, body, headers, timeout)
        except TimeoutError as exc:
            raise WorkloadTimeout(
                f"{self.deadline.what}: {method} {endpoint} timed out ({exc!r})"
            ) from exc
        except (OSError, ProtocolError) as exc:
            raise ApiError(endpoint, 0, f"transport error: {exc!r}") from exc
        self.last_wire_s = time.perf_counter() - start
        self.wire_s += self.last_wire_s
        if status != 200:
            raise ApiError(endpoint, status, content.decode(errors="replace"))
        try:
            data = json.loads(content)
        except ValueError as exc:
            raise ApiError(endpoint, 200, f"not JSON: {content[:200]!r}") from exc
        if not isinstance(data, dict):
            raise ApiError(endpoint, 200, f"not a JSON object: {content[:200]!r}")
        return data

    # The endpoints the workloads use.

    def create_experiment(self, name: str) -> str:
        """Create an experiment; its id."""
        return str(self.post("/experiments/create", {"name": name})["experiment_id"])

    def create_run(self, body: Json | bytes) -> Json:
        """Create a run; the `run` object."""
        return self.post("/runs/create", body)["run"]

    def log_batch(self, body: Json | bytes) -> None:
        """Log metrics, params and tags in one call."""
        self.post("/runs/log-batch", body)

    def log_metric(self, body: Json | bytes) -> None:
        """Log one metric point."""
        self.post("/runs/log-metric", body)

    def search_runs(self, body: Json | bytes) -> Json:
        """One page of runs: `{runs?, next_page_token?}`."""
        return self.post("/runs/search", body)

    def metric_history(
        self, run_id: str, key: str, page_size: int = 25_000
    ) -> tuple[list[Json], int]:
        """Every point of one metric, paging as the mlflow client does; (points, pages)."""
        points: list[Json] = []
        pages = 0
        token = ""
        while True:
            pages += 1
            params: dict[str, str | int] = {
                "run_id": run_id,
                "run_uuid": run_id,
                "metric_key": key,
                "max_results": page_size,
            }
            if token:
                params["page_token"] = token
            page = self.get("/metrics/get-history", params)
            points.extend(page.get("metrics", []))
            token = page.get("next_page_token") or ""
            if not token:
                return points, pages

    def search_all_runs(self, body: Json) -> tuple[list[Json], int]:
        """Every run matching a runs/search body, following next_page_token; (runs, pages)."""
        runs: list[Json] = []
        pages = 0
        token = ""
        while True:
            page = self.search_runs({**body, "page_token": token} if token else body)
            pages += 1
            runs.extend(page.get("runs", []))
            token = page.get("next_page_token") or ""
            if not token:
                return runs, pages
