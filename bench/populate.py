"""Populate workloads: the runs the searches read and the long history, timed as they load.

Both use runs/create plus log-batch (at most 1,000 metrics a call), the same for every server.
"""

from __future__ import annotations

from bench.client import encode, run_body
from bench.context import Context
from bench.dataset import METRICS_PER_BATCH, history_batch, search_run, search_run_batch
from bench.deadline import Deadline
from bench.measure import Measurement, check


def populate_search_runs(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """Create the search experiment's runs, each with 20 params, 10 metrics and 5 tags."""
    n = ctx.scale.search_runs
    runs = [search_run(i) for i in range(n)]
    with ctx.api(deadline) as api:
        experiment = api.create_experiment("bench-search")
        creates = [encode(run_body(experiment, run.name, ctx.t0_ms + run.index)) for run in runs]
        run_ids: list[str] = []
        before = api.wire_s
        for run, body in zip(runs, creates, strict=True):
            run_id = str(api.create_run(body)["info"]["run_id"])
            api.log_batch(search_run_batch(run_id, run, ctx.t0_ms + run.index))
            run_ids.append(run_id)
        elapsed = api.wire_s - before
    check(len(set(run_ids)) == n, f"runs/create: {n} calls gave {len(set(run_ids))} distinct ids")
    ctx.search_experiment, ctx.search_run_ids = experiment, run_ids
    details = {"runs": n, "calls": 2 * n, "s": elapsed}
    return {"populate_runs": Measurement(n / elapsed, "runs/s", "higher", details)}


def populate_history(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """Log the history metric's points into one run, 1,000 per log-batch call."""
    points = ctx.scale.history_points
    with ctx.api(deadline) as api:
        experiment = api.create_experiment("bench-history")
        run_id = str(api.create_run(run_body(experiment, "history", ctx.t0_ms))["info"]["run_id"])
        bodies = [
            encode(history_batch(run_id, first, min(METRICS_PER_BATCH, points - first), ctx.t0_ms))
            for first in range(0, points, METRICS_PER_BATCH)
        ]
        before = api.wire_s
        for body in bodies:
            api.log_batch(body)
        elapsed = api.wire_s - before
    ctx.history_run_id = run_id
    details = {"points": points, "calls": len(bodies), "s": elapsed}
    return {"populate_history": Measurement(points / elapsed, "metrics/s", "higher", details)}
