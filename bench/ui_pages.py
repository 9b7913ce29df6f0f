"""Times the web UI's pages on a big experiment: 10,000 runs x 20 params x 10 metrics.

    .venv/bin/python -m bench.ui_pages [--runs 10000] [--history-runs 50] [--steps 1000]

Seeds a fresh SQLite store through `TrackingStore` (no HTTP), starts `trackdeck server`
on it, then times each page over HTTP (cold first request, then the median of 5) and,
when /usr/bin/chromium exists, how long the compare page of 50 runs takes to draw all of
its charts in a real browser. The issue's bar: runs page < 1 s, compare of 50 runs < 2 s.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx

from bench import servers
from trackdeck.entities import KeyValue, Metric
from trackdeck.store.tracking import TrackingStore

PARAMS = 20
METRICS = 10
CHROMIUM = "/usr/bin/chromium"


def seed(store: TrackingStore, runs: int, history_runs: int, steps: int) -> tuple[str, list[str]]:
    """An experiment of `runs` runs; the first `history_runs` get `steps` points per metric."""
    experiment_id = store.experiments.create("ui-bench", None, [])
    base = int(time.time() * 1000) - runs * 1000
    rng = random.Random(1)

    def one(index: int) -> str:
        run = store.runs.create(experiment_id, "bench", base + index * 1000, f"run-{index}", [])
        run_id = run.info.run_id
        params = [
            KeyValue(key=f"p{k:02d}", value=str(rng.choice([1, 2, 4, 8]) * k))
            for k in range(PARAMS)
        ]
        points = steps if index < history_runs else 1
        metrics = [
            Metric(
                key=f"m{k}", value=rng.random() / (1 + s), timestamp=base + index * 1000 + s, step=s
            )
            for k in range(METRICS)
            for s in range(points)
        ]
        store.logging.log_batch(run_id, [], params, [KeyValue(key="team", value="bench")])
        for start in range(0, len(metrics), 1000):
            store.logging.log_batch(run_id, metrics[start : start + 1000], [], [])
        store.runs.update(run_id, "FINISHED", base + index * 1000 + 500, None)
        return run_id

    with ThreadPoolExecutor(8) as pool:
        run_ids = list(pool.map(one, range(runs)))
    return experiment_id, run_ids[:history_runs]


def timed(client: httpx.Client, path: str, repeat: int = 5) -> tuple[float, float]:
    """(cold seconds, warm median seconds) of GET `path`; fails on a non-200 answer."""

    def once() -> float:
        start = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:300]}")
        return elapsed

    cold = once()
    return cold, statistics.median(once() for _ in range(repeat))


def browser_draw_time(url: str) -> float | None:
    """Seconds from navigation until every chart of the page has drawn, in Chromium."""
    if not Path(CHROMIUM).exists():
        return None
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(url)  # warm the cache (plotly.min.js), as a second visit would be
        page.wait_for_selector("body[data-charts-ready]", timeout=60000)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("body[data-charts-ready]", timeout=60000)
            times.append(time.perf_counter() - start)
        browser.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--history-runs", type=int, default=50)
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()

    server = servers.start("trackdeck")  # `trackdeck server` on an empty SQLite store
    try:
        store = TrackingStore(f"sqlite:///{server.workdir}/td.db")
        start = time.perf_counter()
        experiment_id, history = seed(store, args.runs, args.history_runs, args.steps)
        store.close()
        took = time.perf_counter() - start
        print(
            f"seeded {args.runs} runs x {PARAMS} params x {METRICS} metrics "
            f"({args.history_runs} runs with {args.steps} steps) in {took:.0f}s"
        )
        url = server.url
        runs_page = f"/experiments/{experiment_id}"
        last_page = -(-args.runs // 50)
        late = max(1, last_page * 3 // 4)
        compare = "/compare?runs=" + ",".join(history)
        pages = {
            "experiments list": "/",
            "runs page (default)": runs_page,
            "runs page, sort by metric": f"{runs_page}?sort=metrics.m3",
            "runs page, sort by param": f"{runs_page}?sort=params.p07&dir=asc",
            "runs page, filter": f"{runs_page}?q="
            + quote("metrics.m1 > 0.5 and params.p03 = '12'"),
            "runs page, best run": f"{runs_page}?best=metrics.m2&best_dir=min",
            f"runs page, page {late} of {last_page}": f"{runs_page}?page={late}",
            "runs page, 200 rows x 30 cols": f"{runs_page}?size=200&cols="
            + ",".join(
                [f"params.p{k:02d}" for k in range(PARAMS)]
                + [f"metrics.m{k}" for k in range(METRICS)]
            ),
            "run page": f"/runs/{history[0]}",
            f"compare page ({len(history)} runs, HTML)": compare,
        }
        print(f"\n{'page':38} {'cold':>8} {'warm':>8}")
        with httpx.Client(base_url=url, timeout=60) as client:
            for label, path in pages.items():
                cold, warm = timed(client, path)
                print(f"{label:38} {cold * 1000:7.0f}ms {warm * 1000:7.0f}ms")
            # The compare page's data: one downsampled bulk call per metric key.
            points = max(100, min(1000, 5000 // len(history)))
            start = time.perf_counter()
            for k in range(METRICS):
                client.get(
                    "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval",
                    params={"run_ids": history, "metric_key": f"m{k}", "max_results": points},
                ).raise_for_status()
            data = time.perf_counter() - start
            print(f"{'compare data (10 bulk-interval calls)':38} {data * 1000:7.0f}ms sequential")
        drawn = browser_draw_time(url + compare)
        if drawn is not None:
            label = f"compare of {len(history)} runs drawn in Chromium"
            print(f"{label:38} {drawn * 1000:7.0f}ms")
        drawn = browser_draw_time(f"{url}/runs/{history[0]}")
        if drawn is not None:
            print(f"{'run page charts drawn in Chromium':38} {drawn * 1000:7.0f}ms")
    finally:
        server.stop()
        shutil.rmtree(server.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
