"""Write workloads: create runs, log batches (1 and N clients), single-metric latency."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.client import Api, encode, run_body, search_body
from bench.context import Context
from bench.dataset import BATCH_KEYS, METRICS_PER_BATCH, batch_value, workload_batch
from bench.deadline import Deadline
from bench.measure import Measurement, check, summary_ms


def create_run(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """N sequential runs/create calls; checks each answer, then that search finds them all."""
    n = ctx.scale.create_runs
    with ctx.api(deadline) as api:
        experiment = api.create_experiment("bench-create-run")
        bodies = [encode(run_body(experiment, f"create-{i}", ctx.t0_ms + i)) for i in range(n)]
        before = api.wire_s
        runs = [api.create_run(body) for body in bodies]
        elapsed = api.wire_s - before

        ids = [run["info"]["run_id"] for run in runs]
        check(len(set(ids)) == n, f"runs/create: {n} calls gave {len(set(ids))} distinct run ids")
        for i, run in enumerate(runs):
            info = run["info"]
            check(
                info.get("run_name") == f"create-{i}"
                and str(info.get("experiment_id")) == experiment
                and int(info.get("start_time", -1)) == ctx.t0_ms + i,
                f"runs/create: run {i} came back as {info}",
            )
        found, _ = api.search_all_runs(search_body(experiment, 1000))
        found_ids = sorted(run["info"]["run_id"] for run in found)
        check(found_ids == sorted(ids), f"runs/search: found {len(found_ids)} of {n} created runs")
    return {"create_run": Measurement(n / elapsed, "runs/s", "higher", {"runs": n, "s": elapsed})}


def _new_run(api: Api, experiment: str, name: str, start_time: int) -> str:
    return str(api.create_run(run_body(experiment, name, start_time))["info"]["run_id"])


def _check_batches(api: Api, run_id: str, calls: int, keys: range) -> None:
    """Every point logged by `calls` workload batches is in the history, in step order."""
    steps = calls * METRICS_PER_BATCH // BATCH_KEYS
    for key in keys:
        history, _ = api.metric_history(run_id, f"k{key}")
        check(
            len(history) == steps,
            f"metrics/get-history k{key}: {len(history)} points, expected {steps}",
        )
        got = [(int(p["step"]), float(p["value"])) for p in history]
        want = [(step, batch_value(step, key)) for step in range(steps)]
        check(got == want, f"metrics/get-history k{key}: steps or values differ from those logged")


def log_batch_one_client(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """Sequential log-batch calls of 1,000 metrics each into one run."""
    calls = ctx.scale.batch_calls
    with ctx.api(deadline) as api:
        experiment = api.create_experiment("bench-log-batch")
        run_id = _new_run(api, experiment, "log-batch", ctx.t0_ms)
        bodies = [encode(workload_batch(run_id, c, ctx.t0_ms)) for c in range(calls)]
        latencies = []
        for body in bodies:
            api.log_batch(body)
            latencies.append(api.last_wire_s)
        elapsed = sum(latencies)
        _check_batches(api, run_id, calls, range(BATCH_KEYS))
    metrics = calls * METRICS_PER_BATCH
    details = {"calls": calls, "metrics": metrics, "s": elapsed, **summary_ms(latencies)}
    return {"log_batch_1": Measurement(metrics / elapsed, "metrics/s", "higher", details)}


def log_batch_concurrent(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """N threads, one connection and one run each, logging 1,000-metric batches at once."""
    clients = ctx.scale.concurrent_clients
    calls = ctx.scale.batch_calls_per_client
    with ctx.api(deadline) as api:
        experiment = api.create_experiment("bench-log-batch-concurrent")
        run_ids = [_new_run(api, experiment, f"client-{c}", ctx.t0_ms + c) for c in range(clients)]
    bodies = [[encode(workload_batch(r, c, ctx.t0_ms)) for c in range(calls)] for r in run_ids]
    ready = threading.Barrier(clients + 1, timeout=deadline.remaining())

    def client(own: list[bytes]) -> list[float]:
        latencies = []
        with ctx.api(deadline) as own_api:
            ready.wait()
            for body in own:
                own_api.log_batch(body)
                latencies.append(own_api.last_wire_s)
        return latencies

    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(client, own) for own in bodies]
        ready.wait()
        start = time.perf_counter()
        latencies = [lat for future in futures for lat in future.result()]
        elapsed = time.perf_counter() - start

    with ctx.api(deadline) as api:
        for run_id in run_ids:
            _check_batches(api, run_id, calls, range(0, BATCH_KEYS, BATCH_KEYS - 1))
    metrics = clients * calls * METRICS_PER_BATCH
    details = {"clients": clients, "calls": clients * calls, "metrics": metrics, "s": elapsed}
    details.update(summary_ms(latencies))
    return {"log_batch_concurrent": Measurement(metrics / elapsed, "metrics/s", "higher", details)}


def log_metric_latency(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """Single log-metric calls one after another; p50 and p99 of their latency."""
    n = ctx.scale.latency_calls
    with ctx.api(deadline) as api:
        experiment = api.create_experiment("bench-log-metric")
        run_id = _new_run(api, experiment, "log-metric", ctx.t0_ms)

        def body(key: str, i: int) -> bytes:
            return encode(
                {
                    "run_id": run_id,
                    "run_uuid": run_id,
                    "key": key,
                    "value": i * 0.25,
                    "timestamp": ctx.t0_ms + i,
                    "step": i,
                }
            )

        for i in range(20):  # warm up the connection and the server's code paths
            api.log_metric(body("warmup", i))
        bodies = [body("latency", i) for i in range(n)]
        latencies = []
        for b in bodies:
            api.log_metric(b)
            latencies.append(api.last_wire_s)

        history, _ = api.metric_history(run_id, "latency")
        got = [(int(p["step"]), float(p["value"])) for p in history]
        check(
            got == [(i, i * 0.25) for i in range(n)],
            f"metrics/get-history latency: {len(got)} points, expected {n} in step order",
        )
    stats = summary_ms(latencies)
    details = {"calls": n, **stats}
    return {
        "log_metric_p50": Measurement(stats["p50_ms"], "ms", "lower", details),
        "log_metric_p99": Measurement(stats["p99_ms"], "ms", "lower", details),
    }
