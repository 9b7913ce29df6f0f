"""The results table printed at the end, and the JSON file written to bench/results/."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.measure import Failure, Measurement, Outcome
from bench.scales import Scale
from bench.workloads import ROWS

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BASELINE, CANDIDATE = "mlflow", "trackdeck"


def ratio(candidate: Outcome | None, baseline: Outcome | None) -> float | None:
    """How many times better trackdeck is: mlflow/trackdeck for times and memory,
    trackdeck/mlflow for throughputs. None when either side has no figure."""
    if not isinstance(candidate, Measurement) or not isinstance(baseline, Measurement):
        return None
    if candidate.value <= 0 or baseline.value <= 0:
        return None
    if candidate.better == "higher":
        return candidate.value / baseline.value
    return baseline.value / candidate.value


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _short(message: str, tail: int = 4) -> str:
    """A failure message for the table: its first line and, if longer, its last lines."""
    lines = message.strip().splitlines()
    if len(lines) > tail + 1:
        lines = [lines[0], "  ...", *lines[-tail:]]
    return "\n".join(lines)


def _cell(outcome: Outcome | None, notes: list[str]) -> str:
    if outcome is None:
        return "-"
    if isinstance(outcome, Measurement):
        return _number(outcome.value)
    note = f"{outcome.kind}: {_short(outcome.message)}"
    if note not in notes:
        notes.append(note)
    return f"{outcome.kind} [{notes.index(note) + 1}]"


def table(scale: Scale, results: dict[str, dict[str, Outcome]]) -> str:
    """workload | <each server> | ratio, one line per row, then numbered failure notes."""
    servers = [s for s in (CANDIDATE, BASELINE) if s in results]
    with_ratio = servers == [CANDIDATE, BASELINE]
    header = ["workload", *servers] + (["ratio (x better)"] if with_ratio else [])
    lines: list[list[str]] = []
    notes: list[str] = []
    for row in ROWS:
        outcomes = [results[s].get(row.key) for s in servers]
        line = [row.title(scale), *(_cell(o, notes) for o in outcomes)]
        if with_ratio:
            r = ratio(outcomes[0], outcomes[1])
            line.append(f"{r:.2f}x" if r is not None else "-")
        lines.append(line)
    widths = [max(len(x[i]) for x in [header, *lines]) for i in range(len(header))]

    def fmt(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return " | ".join([first, *rest])

    out = [fmt(header), "-+-".join("-" * w for w in widths), *(fmt(x) for x in lines)]
    if with_ratio:
        out.append(
            "ratio: trackdeck/mlflow for throughputs, mlflow/trackdeck for times and memory;"
            " >1 means trackdeck is better."
        )
    out.extend(f"[{i}] {note}" for i, note in enumerate(notes, 1))
    return "\n".join(out)


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, Failure):
        return {"error": outcome.kind, "message": outcome.message}
    return asdict(outcome)


def write_json(
    scale: Scale,
    results: dict[str, dict[str, Outcome]],
    servers: dict[str, dict[str, Any]],
    environment: dict[str, Any],
) -> Path:
    """Write every figure, its details and the ratios to bench/results/<time>-<scale>.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"{stamp}-{scale.name}.json"
    document = {
        "scale": asdict(scale),
        "environment": environment,
        "servers": servers,
        "rows": {
            row.key: {
                "title": row.title(scale),
                **{name: _outcome_json(o) for name, r in results.items() if (o := r.get(row.key))},
                "ratio": ratio(results.get(CANDIDATE, {}).get(row.key),
                               results.get(BASELINE, {}).get(row.key)),
            }
            for row in ROWS
        },
    }  # fmt: skip
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
