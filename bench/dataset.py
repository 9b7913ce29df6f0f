"""The data every server is given: deterministic, so expected answers can be computed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PARAMS_PER_RUN = 20
METRICS_PER_RUN = 10
TAGS_PER_RUN = 5
METRICS_PER_BATCH = 1_000
BATCH_KEYS = 10
"""A workload log-batch call carries BATCH_KEYS metric keys x 100 steps."""
HISTORY_KEY = "loss"

Json = dict[str, Any]


@dataclass(frozen=True)
class SearchRun:
    """The name, params, metrics and tags of run number `index` in the search experiment."""

    index: int
    name: str
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]


def m0(index: int) -> float:
    """Metric m0 of a search run: distinct for every index below 10,007, spread over [0, 1)."""
    return (index * 7919 % 10007) / 10007


def search_run(index: int) -> SearchRun:
    """Run `index`: p1 is 'x' for even runs and 'y' for odd ones; m0 is distinct per run."""
    params = {f"p{j}": f"value-{index}-{j}" for j in range(PARAMS_PER_RUN)}
    params["p1"] = "x" if index % 2 == 0 else "y"
    metrics = {f"m{j}": (index * (j + 3) % 1013) / 1013 for j in range(METRICS_PER_RUN)}
    metrics["m0"] = m0(index)
    tags = {f"t{j}": f"tag-{j}-{index % 7}" for j in range(TAGS_PER_RUN)}
    return SearchRun(index, f"run-{index:05d}", params, metrics, tags)


def search_run_batch(run_id: str, run: SearchRun, timestamp_ms: int) -> Json:
    """The log-batch body that gives a search run its params, metrics and tags."""
    return {
        "run_id": run_id,
        "metrics": [
            {"key": k, "value": v, "timestamp": timestamp_ms, "step": 0}
            for k, v in run.metrics.items()
        ],
        "params": [{"key": k, "value": v} for k, v in run.params.items()],
        "tags": [{"key": k, "value": v} for k, v in run.tags.items()],
    }


def workload_batch(run_id: str, call: int, timestamp_ms: int) -> Json:
    """Log-batch call number `call`: keys k0..k9, steps call*100 .. call*100+99."""
    steps = METRICS_PER_BATCH // BATCH_KEYS
    return {
        "run_id": run_id,
        "metrics": [
            {
                "key": f"k{key}",
                "value": batch_value(call * steps + step, key),
                "timestamp": timestamp_ms + call * steps + step,
                "step": call * steps + step,
            }
            for key in range(BATCH_KEYS)
            for step in range(steps)
        ],
    }


def batch_value(step: int, key: int) -> float:
    """Value of metric k<key> at `step` in the log-batch workloads."""
    return step * 0.5 + key


def history_value(step: int) -> float:
    """Value of the history metric at `step`."""
    return (step % 1000) / 1000 + step // 1000


def history_batch(run_id: str, first_step: int, count: int, t0_ms: int) -> Json:
    """Points first_step .. first_step+count-1 of the history metric (timestamp grows by step)."""
    return {
        "run_id": run_id,
        "metrics": [
            {
                "key": HISTORY_KEY,
                "value": history_value(step),
                "timestamp": t0_ms + step,
                "step": step,
            }
            for step in range(first_step, first_step + count)
        ],
    }
