"""Read workloads: run searches (plain, filtered and ordered, paged) and a long history."""

from __future__ import annotations

from typing import Any

from bench.client import Api, Json, search_body
from bench.context import Context
from bench.dataset import HISTORY_KEY, SearchRun, history_value, m0, search_run
from bench.deadline import Deadline
from bench.measure import Measurement, check, summary_ms

FILTER = "metrics.m0 > 0.5 and params.p1 = 'x'"
ORDER_BY = ["metrics.m0 DESC"]


def _pairs(items: list[Json] | None) -> dict[str, Any]:
    return {item["key"]: item["value"] for item in items or []}


def check_run(run: Json, run_id: str, expected: SearchRun, where: str) -> None:
    """A search result is the expected run, with all its params, metrics and tags."""
    info, data = run.get("info", {}), run.get("data", {})
    check(
        info.get("run_id") == run_id and info.get("run_name") == expected.name,
        f"{where}: got run {info.get('run_id')} ({info.get('run_name')}), "
        f"expected {run_id} ({expected.name})",
    )
    params = _pairs(data.get("params"))
    check(params == expected.params, f"{where}: {expected.name} params {params}")
    metrics = {k: float(v) for k, v in _pairs(data.get("metrics")).items()}
    check(metrics == expected.metrics, f"{where}: {expected.name} metrics {metrics}")
    tags = _pairs(data.get("tags"))
    missing = {k: v for k, v in expected.tags.items() if tags.get(k) != v}
    check(not missing, f"{where}: {expected.name} lacks tags {missing}")


def _timed_search(api: Api, body: Json, repeats: int) -> tuple[list[Json], str, list[float]]:
    """Run the same search `repeats` times; (runs of the last answer, its token, timings)."""
    timings = []
    answer: Json = {}
    for _ in range(repeats):
        answer = api.search_runs(body)
        timings.append(api.last_wire_s)
    return answer.get("runs", []), answer.get("next_page_token") or "", timings


def _search(ctx: Context, deadline: Deadline, expected: list[int], body: Json, where: str) -> Json:
    """Time a search, check its page against `expected` run indexes; its details."""
    _, run_ids = ctx.need_search_runs()
    with ctx.api(deadline) as api:
        runs, token, timings = _timed_search(api, body, ctx.scale.search_repeats)
    page = ctx.scale.search_page
    check(len(runs) == min(page, len(expected)), f"{where}: {len(runs)} runs, expected {page}")
    check(bool(token) == (len(expected) > page), f"{where}: next_page_token {token!r}")
    for run, index in zip(runs, expected, strict=False):
        check_run(run, run_ids[index], search_run(index), where)
    return {"runs": len(runs), "of": ctx.scale.search_runs, "matching": len(expected),
            **summary_ms(timings)}  # fmt: skip


def search_plain(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """runs/search with no filter: the newest page (start_time DESC) of the experiment."""
    experiment, _ = ctx.need_search_runs()
    n = ctx.scale.search_runs
    body = search_body(experiment, ctx.scale.search_page)
    details = _search(ctx, deadline, list(range(n - 1, -1, -1)), body, "runs/search (no filter)")
    return {"search_plain": Measurement(details["p50_ms"], "ms", "lower", details)}


def search_filtered(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """runs/search with a metric-and-param filter, ordered by a metric."""
    experiment, _ = ctx.need_search_runs()
    matching = [i for i in range(ctx.scale.search_runs) if m0(i) > 0.5 and i % 2 == 0]
    matching.sort(key=m0, reverse=True)
    body = search_body(experiment, ctx.scale.search_page, FILTER, ORDER_BY)
    details = _search(ctx, deadline, matching, body, "runs/search (filter + order_by)")
    details["filter"], details["order_by"] = FILTER, ORDER_BY
    return {"search_filtered": Measurement(details["p50_ms"], "ms", "lower", details)}


def search_paging(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """Page through every run of the search experiment, max_results=page per call."""
    experiment, run_ids = ctx.need_search_runs()
    n = ctx.scale.search_runs
    with ctx.api(deadline) as api:
        runs, pages = api.search_all_runs(search_body(experiment, ctx.scale.search_page))
        elapsed = api.wire_s
    where = "runs/search (paging)"
    check(len(runs) == n, f"{where}: {len(runs)} runs over {pages} pages, expected {n}")
    got = [run["info"]["run_id"] for run in runs]
    want = [run_ids[i] for i in range(n - 1, -1, -1)]
    if got != want:
        first = next(i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b)
        check(False, f"{where}: order differs from start_time DESC at position {first}")
    for position in (0, n // 2, n - 1):
        check_run(runs[position], want[position], search_run(n - 1 - position), where)
    details = {"runs": n, "pages": pages, "page_size": ctx.scale.search_page, "s": elapsed}
    return {"search_paging": Measurement(elapsed, "s", "lower", details)}


def metric_history(ctx: Context, deadline: Deadline) -> dict[str, Measurement]:
    """Read one metric's full history with get-history pages of 25,000 points."""
    run_id = ctx.need_history_run()
    points = ctx.scale.history_points
    with ctx.api(deadline) as api:
        history, pages = api.metric_history(run_id, HISTORY_KEY, 25_000)
        elapsed = api.wire_s
    where = "metrics/get-history"
    check(len(history) == points, f"{where}: {len(history)} points, expected {points}")
    for position, point in enumerate(history):
        if int(point["step"]) != position or float(point["value"]) != history_value(position):
            check(False, f"{where}: point {position} is {point}, expected step {position}")
    details = {"points": points, "pages": pages, "s": elapsed, "points_per_s": points / elapsed}
    return {"metric_history": Measurement(elapsed, "s", "lower", details)}
