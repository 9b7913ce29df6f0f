"""An untimed warm-up: every endpoint the workloads use, a few times, before any timing.

Servers import code and fill caches on first use; this keeps that cost out of the figures
for both servers alike.
"""

from __future__ import annotations

from bench.client import run_body, search_body
from bench.context import Context
from bench.dataset import search_run, search_run_batch, workload_batch
from bench.deadline import Deadline
from bench.measure import Measurement

CALLS = 20


def warm_up(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """Create runs, log to them, search them and read a history; nothing is reported."""
    with ctx.api(deadline) as api:
        experiment = api.create_experiment("bench-warmup")
        run_id = ""
        for i in range(CALLS):
            run_id = str(
                api.create_run(run_body(experiment, f"warm-{i}", ctx.t0_ms + i))["info"]["run_id"]
            )
            api.log_batch(search_run_batch(run_id, search_run(i), ctx.t0_ms + i))
            api.log_metric(
                {"run_id": run_id, "key": "warm", "value": 1.0, "timestamp": ctx.t0_ms, "step": i}
            )
        api.log_batch(workload_batch(run_id, 0, ctx.t0_ms))
        for _ in range(3):
            api.search_all_runs(search_body(experiment, 5))
            api.search_runs(
                search_body(
                    experiment, 5, "metrics.m0 > 0.5 and params.p1 = 'x'", ["metrics.m0 DESC"]
                )
            )
            api.metric_history(run_id, "k0", 100)
    return {}
