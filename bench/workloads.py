"""The ordered list of workloads and the table rows each one fills."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from bench import artifacts, populate, reads, warmup, writes
from bench.context import Context
from bench.deadline import Deadline
from bench.measure import Measurement
from bench.scales import Scale


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    key: str
    label: str
    """A str.format template over the Scale's fields, e.g. '{create_runs} runs'."""

    def title(self, scale: Scale) -> str:
        """The label with the scale's numbers filled in."""
        return self.label.format(**asdict(scale))


@dataclass(frozen=True)
class Workload:
    """A timed, checked piece of work; it fills one or more rows."""

    name: str
    run: Callable[[Context, Deadline], dict[str, Measurement]]
    rows: tuple[Row, ...]
    populates: bool = False
    """Populate steps get Scale.populate_timeout_s instead of Scale.timeout_s."""

    def timeout_s(self, scale: Scale) -> float:
        """This workload's time limit at `scale`."""
        return scale.populate_timeout_s if self.populates else scale.timeout_s


WORKLOADS: tuple[Workload, ...] = (
    Workload("warm_up", warmup.warm_up, ()),
    Workload("create_run", writes.create_run, (
        Row("create_run", "create_run: {create_runs} runs, sequential (runs/s)"),
    )),
    Workload("log_batch_1", writes.log_batch_one_client, (
        Row("log_batch_1", "log_batch: 1k metrics/call, 1 client (metrics/s)"),
    )),
    Workload("log_batch_concurrent", writes.log_batch_concurrent, (
        Row("log_batch_concurrent",
            "log_batch: 1k metrics/call, {concurrent_clients} clients (metrics/s)"),
    )),
    Workload("log_metric", writes.log_metric_latency, (
        Row("log_metric_p50", "log_metric latency p50 (ms)"),
        Row("log_metric_p99", "log_metric latency p99 (ms)"),
    )),
    Workload("populate_runs", populate.populate_search_runs, (
        Row("populate_runs", "populate {search_runs} runs: create + log_batch (runs/s)"),
    ), populates=True),
    Workload("search_plain", reads.search_plain, (
        Row("search_plain", "search_runs: {search_page} of {search_runs}, no filter (ms)"),
    )),
    Workload("search_filtered", reads.search_filtered, (
        Row("search_filtered", "search_runs: filter + order_by, {search_page} max (ms)"),
    )),
    Workload("search_paging", reads.search_paging, (
        Row("search_paging", "search_runs: page all {search_runs}, {search_page}/page (s)"),
    )),
    Workload("populate_history", populate.populate_history, (
        Row("populate_history", "populate history: {history_points} points (metrics/s)"),
    ), populates=True),
    Workload("metric_history", reads.metric_history, (
        Row("metric_history", "get_history: {history_points} points, 25k/page (s)"),
    )),
    Workload("artifact_small", artifacts.small_file, (
        Row("artifact_small_upload", "artifact upload: 50 MiB file, streamed (MiB/s)"),
        Row("artifact_small_download", "artifact download: 50 MiB file, streamed (MiB/s)"),
    )),
    Workload("artifact_large", artifacts.large_file, (
        Row("artifact_large_upload",
            "artifact upload: {large_artifact_mib} MiB file, streamed (MiB/s)"),
        Row("artifact_large_download",
            "artifact download: {large_artifact_mib} MiB file, streamed (MiB/s)"),
    )),
)  # fmt: skip

MEMORY_ROWS: tuple[Row, ...] = (
    Row("idle_rss", "idle RSS, process tree (MiB)"),
    Row("peak_rss", "peak RSS, process tree, sum of VmHWM (MiB)"),
)

ROWS: tuple[Row, ...] = tuple(row for w in WORKLOADS for row in w.rows) + MEMORY_ROWS
