"""Workload sizes: `small` for a quick run, `full` for the numbers in the issue."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How much work each workload does, and how long it may take."""

    name: str
    create_runs: int
    """Runs created one after another by the create_run workload."""
    batch_calls: int
    """log-batch calls (1,000 metrics each) made by the single client."""
    concurrent_clients: int
    """Threads logging at the same time in the concurrent log-batch workload."""
    batch_calls_per_client: int
    """log-batch calls made by each of those threads."""
    latency_calls: int
    """Single log-metric calls timed one by one for p50/p99."""
    search_runs: int
    """Runs in the search experiment (each with 20 params, 10 metrics, 5 tags)."""
    search_page: int
    """max_results for the search workloads and for paging."""
    search_repeats: int
    """Times each timed search is repeated; the median is reported."""
    history_points: int
    """Points of the one metric read back by the history workload."""
    large_artifact_mib: int
    """Size of the large file the artifact workload uploads and downloads (MiB)."""
    timeout_s: float
    """Limit for one ordinary workload."""
    populate_timeout_s: float
    """Limit for one populate step (runs for search, points for history)."""


SCALES: dict[str, Scale] = {
    "small": Scale(
        name="small",
        create_runs=500,
        batch_calls=50,
        concurrent_clients=4,
        batch_calls_per_client=15,
        latency_calls=1_000,
        search_runs=1_000,
        search_page=100,
        search_repeats=5,
        history_points=100_000,
        large_artifact_mib=256,
        timeout_s=300,
        populate_timeout_s=900,
    ),
    "full": Scale(
        name="full",
        create_runs=1_000,
        batch_calls=100,
        concurrent_clients=4,
        batch_calls_per_client=25,
        latency_calls=2_000,
        search_runs=10_000,
        search_page=1_000,
        search_repeats=5,
        history_points=1_000_000,
        large_artifact_mib=1024,
        timeout_s=900,
        populate_timeout_s=3_600,
    ),
}
