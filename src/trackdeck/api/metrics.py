"""Metric history RPCs: the full (paged) history and the downsampled bulk view for charts."""

from __future__ import annotations

from typing import Any

from trackdeck.api.protocol import Message, Rpc, RunRequest, page_response
from trackdeck.store.tracking import TrackingStore


class GetHistory(RunRequest):
    metric_key: str = ""
    max_results: int | None = None
    page_token: str | None = None


class GetHistoryBulkInterval(Message):
    run_ids: list[str] = []
    metric_key: str = ""
    max_results: int | None = None
    start_step: int | None = None
    end_step: int | None = None


def get_history(store: TrackingStore, req: GetHistory) -> dict[str, Any]:
    page = store.metric_history.history(req.run, req.metric_key, req.max_results, req.page_token)
    return page_response("metrics", page)


def get_history_bulk_interval(store: TrackingStore, req: GetHistoryBulkInterval) -> dict[str, Any]:
    points = store.metric_history.bulk_interval(
        req.run_ids, req.metric_key, req.max_results, req.start_step, req.end_step
    )
    return {"metrics": points}


RPCS = [
    Rpc("GET", "/metrics/get-history", GetHistory, get_history),
    Rpc(
        "GET",
        "/metrics/get-history-bulk-interval",
        GetHistoryBulkInterval,
        get_history_bulk_interval,
    ),
]
