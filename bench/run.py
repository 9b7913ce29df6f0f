"""Entry point: `python -m bench.run --scale small|full [--only trackdeck|mlflow]`.

Starts the servers side by side on fresh SQLite stores, runs each workload against one
server after the other (the others frozen, so they do not compete for CPU), prints the table
and writes JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import platform
import shutil
import sys
import time
from typing import Any

import httpx

from bench import report, servers
from bench.client import ApiError
from bench.context import Context
from bench.deadline import Deadline, WorkloadTimeout
from bench.measure import CheckFailed, Failure, Measurement, Outcome, Skipped
from bench.memory import MIB, PeakSampler, TreeMemory
from bench.mlflow_env import ensure_mlflow_venv
from bench.proctree import wait_quiet
from bench.scales import SCALES, Scale
from bench.workloads import MEMORY_ROWS, WORKLOADS, Workload

LOAD_AT_START = os.getloadavg()
BUSY_LOAD = 0.5
"""A 1-minute load average above this before we start means someone else is using the CPUs."""


def log(message: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def failure_of(exc: BaseException) -> Failure:
    """The table entry for a workload that raised `exc`."""
    if isinstance(exc, CheckFailed):
        return Failure("CHECK FAILED", str(exc))
    if isinstance(exc, ApiError):
        return Failure("HTTP ERROR", str(exc))
    if isinstance(exc, WorkloadTimeout):
        return Failure("TIMEOUT", str(exc))
    if isinstance(exc, Skipped):
        return Failure("SKIPPED", str(exc))
    if isinstance(exc, servers.ServerError):
        return Failure("SERVER DIED", str(exc))
    return Failure("ERROR", f"{type(exc).__name__}: {exc}")


def run_workload(ctx: Context, workload: Workload) -> dict[str, Outcome]:
    """Run one workload with its time limit; its rows, figures or failures."""
    deadline = Deadline(workload.timeout_s(ctx.scale), f"{ctx.server} {workload.name}")
    start = time.monotonic()
    try:
        outcomes: dict[str, Outcome] = dict(workload.run(ctx, deadline))
    except Exception as exc:
        failure = failure_of(exc)
        log(f"{ctx.server:9} {workload.name}: {failure.kind}: {failure.message[:300]}")
        return {row.key: failure for row in workload.rows}
    shown = ", ".join(
        f"{key}={m.value:.4g} {m.unit}" for key, m in outcomes.items() if isinstance(m, Measurement)
    )
    log(f"{ctx.server:9} {workload.name}: {shown} ({time.monotonic() - start:.1f} s)")
    return outcomes


def memory_json(memory: TreeMemory) -> dict[str, Any]:
    """Per-process memory of a tree, in MiB, for the JSON file."""
    return {
        "rss_mib": memory.rss_bytes / MIB,
        "hwm_mib": memory.hwm_bytes / MIB,
        "pss_mib": memory.pss_bytes / MIB,
        "processes": [
            {"pid": p.pid, "command": p.command, "rss_mib": p.rss_bytes / MIB,
             "hwm_mib": p.hwm_bytes / MIB, "pss_mib": p.pss_bytes / MIB}
            for p in memory.processes
        ],
    }  # fmt: skip


def bench_servers(
    running: dict[str, servers.Server], scale: Scale, infos: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Outcome]]:
    """Every workload against every running server, interleaved; then their peak memory.

    Each workload runs on one server after the other before the next workload starts, so
    the two figures of a row are taken within a minute or two of each other: on a shared
    VM the speed of the machine drifts over minutes, and measuring one server's whole suite
    before the other's would put that drift into the ratios. Before each turn every server
    must be quiet; during it, the others are frozen.
    """
    contexts = {name: Context(name, server.url, scale) for name, server in running.items()}
    samplers = {name: PeakSampler(server.pid).start() for name, server in running.items()}
    results: dict[str, dict[str, Outcome]] = {name: {} for name in running}
    for workload in WORKLOADS:
        for name, server in running.items():
            for other in running.values():  # nothing left over from the last turn
                wait_quiet(other.pid)
            try:
                server.assert_alive()
            except servers.ServerError as exc:
                results[name].update({row.key: failure_of(exc) for row in workload.rows})
                continue
            with contextlib.ExitStack() as frozen:
                for other in running.values():
                    if other is not server:
                        frozen.enter_context(other.paused())
                results[name].update(run_workload(contexts[name], workload))
    for name, server in running.items():
        sampled_peak = samplers[name].stop()
        final = server.memory()
        infos[name]["final_memory"] = memory_json(final)
        infos[name]["sampled_peak_rss_mib"] = sampled_peak / MIB
        if server.process.poll() is None:
            results[name]["peak_rss"] = Measurement(
                final.hwm_bytes / MIB, "MiB", "lower",
                {"sum_vmhwm_mib": final.hwm_bytes / MIB,
                 "sampled_peak_rss_mib": sampled_peak / MIB,
                 "processes": len(final.processes)},
            )  # fmt: skip
        else:
            results[name]["peak_rss"] = Failure("SERVER DIED", server.log_tail())
    return results


def environment(names: list[str]) -> dict[str, Any]:
    """Versions and machine facts recorded next to the figures."""
    env: dict[str, Any] = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": LOAD_AT_START,
        "loadavg_at_end": os.getloadavg(),
        "httpx": httpx.__version__,
    }
    try:
        env["trackdeck"] = importlib.metadata.version("trackdeck")
    except importlib.metadata.PackageNotFoundError:
        env["trackdeck"] = None
    if "mlflow" in names:
        env["mlflow"] = servers.MLFLOW_VERSION
    return env


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--only", choices=["trackdeck", "mlflow"], help="bench one server")
    parser.add_argument("--keep", action="store_true", help="keep the servers' temp dirs")
    parser.add_argument(
        "--suite",
        choices=["tracking", "endpoints"],
        default="tracking",
        help="tracking servers (default) or model endpoints (bench/endpoints.py)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 if every workload produced a checked figure, else 1."""
    args = parse_args(argv)
    if args.suite == "endpoints":
        from bench import endpoints

        return endpoints.main(args.scale, args.keep)
    scale = SCALES[args.scale]
    names = [args.only] if args.only else ["trackdeck", "mlflow"]
    if "mlflow" in names:
        ensure_mlflow_venv()

    results: dict[str, dict[str, Outcome]] = {name: {} for name in names}
    infos: dict[str, dict[str, Any]] = {name: {} for name in names}
    running: dict[str, servers.Server] = {}
    try:
        for name in names:
            log(f"starting {name}")
            try:
                server = servers.start(name)
            except servers.ServerError as exc:
                log(f"{name} did not start: {exc}")
                failure = failure_of(exc)
                results[name] = {row.key: failure for w in WORKLOADS for row in w.rows}
                results[name].update({row.key: failure for row in MEMORY_ROWS})
                continue
            running[name] = server
            infos[name].update(url=server.url, workdir=str(server.workdir),
                               command=servers.COMMANDS[name](server.workdir, server.port),
                               startup_s=server.started_s)  # fmt: skip
            log(f"{name} healthy at {server.url} after {server.started_s:.1f} s")

        for name, server in running.items():
            infos[name]["settle_s"] = wait_quiet(server.pid)
            log(f"{name} quiet {infos[name]['settle_s']:.1f} s after /health")
        for name, server in running.items():
            idle = server.memory()
            infos[name]["idle_memory"] = memory_json(idle)
            results[name]["idle_rss"] = Measurement(
                idle.rss_bytes / MIB, "MiB", "lower",
                {"processes": len(idle.processes), "pss_mib": idle.pss_bytes / MIB},
            )  # fmt: skip
            log(f"{name} idle: {idle.rss_bytes / MIB:.0f} MiB in {len(idle.processes)} processes")

        for name, outcomes in bench_servers(running, scale, infos).items():
            results[name].update(outcomes)
    finally:
        for name, server in running.items():
            server.stop()
            infos[name]["log_tail"] = server.log_tail(15)
            if not args.keep:
                shutil.rmtree(server.workdir, ignore_errors=True)

    path = report.write_json(scale, results, infos, environment(names))
    print(report.table(scale, results))
    if LOAD_AT_START[0] > BUSY_LOAD:
        print(
            f"warning: load average {LOAD_AT_START[0]:.1f} before the bench started"
            f" ({os.cpu_count()} CPUs): other work shared the machine, figures are noisy."
        )
    print(f"\nJSON: {path}")
    ok = all(isinstance(o, Measurement) for r in results.values() for o in r.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
